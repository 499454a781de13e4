"""JSON API of the rules domain: rule list, findings (scoped), reviewer verdicts, stats.

Findings are scoped like the pages (``rules.findings``); verdicts need a reviewer role and are
recorded under the logged-in user's name.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from fundguard.auth.models import User
from fundguard.db import session_scope
from fundguard.rules import findings, service
from fundguard.rules.pages import REVIEWER_ROLES
from fundguard.rules.registry import RULES
from fundguard.rules.schemas import VerdictIn
from fundguard.web.security import require_roles
from fundguard.web.templating import ALL_ROLES, STAFF_ROLES

router = APIRouter(prefix="/api/v1/rules", tags=["rules 规则"])


@router.get("", summary="规则列表")
def list_rules(user: User = Depends(require_roles(*STAFF_ROLES))) -> list[dict]:
    return [
        {
            "rule_code": c,
            "category": r.category,
            "rule_set": r.rule_set,
            "title": r.title,
            "enabled": r.enabled,
        }
        for c, r in RULES.items()
    ]


def _out(item: dict) -> dict:
    keys = (
        "finding_id",
        "rule_code",
        "category",
        "severity",
        "mdtrt_id",
        "setl_id",
        "feedetl_sn",
        "psn_no",
        "fixmedins_code",
        "prac_psn_code",
        "message",
        "visit_month",
        "status",
    )
    return {**{k: item[k] for k in keys}, "amount": str(item["amount"])}


@router.get("/findings", summary="规则命中（本辖区/本机构）")
def list_findings(
    request: Request,
    rule_code: str = "",
    category: str = "",
    fixmedins_code: str = "",
    prac_psn_code: str = "",
    status: str = "",
    month: str = "",
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    user: User = Depends(require_roles(*ALL_ROLES)),
) -> list[dict]:
    f = findings.FindingFilters(
        rule_code=rule_code,
        category=category,
        fixmedins_code=fixmedins_code,
        prac_psn_code=prac_psn_code,
        status=status,
        month=month,
    ).cleaned()
    with session_scope() as session:
        return [_out(i) for i in findings.rows(session, user, f, offset, limit)]


@router.get("/findings/{finding_id}", summary="规则命中详情")
def get_finding(finding_id: str, user: User = Depends(require_roles(*ALL_ROLES))) -> dict:
    with session_scope() as session:
        item = findings.get(session, user, finding_id)
        return {**_out(item), "evidence": item["evidence"], "rule_version": item["rule_version"]}


@router.post("/findings/{finding_id}/verdict", summary="复核结论（确认/驳回）")
def post_verdict(
    finding_id: str, body: VerdictIn, user: User = Depends(require_roles(*REVIEWER_ROLES))
) -> dict:
    with session_scope() as session:
        findings.get(session, user, finding_id)
        v = service.record_verdict(session, finding_id, body.verdict, body.reason, actor=user.username)
        return {"id": v.id, "finding_id": finding_id, "verdict": v.verdict}


@router.get("/stats", summary="规则效果：命中、准确率、事前坚持率")
def get_stats(user: User = Depends(require_roles(*STAFF_ROLES))) -> list[dict]:
    with session_scope() as session:
        return service.stats(session)
