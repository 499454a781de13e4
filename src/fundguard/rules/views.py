"""Thin FastAPI router for the rules domain: rule list, findings, reviewer verdicts, stats."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from fundguard.db import session_scope
from fundguard.rules import service
from fundguard.rules.models import Finding
from fundguard.rules.registry import RULES
from fundguard.rules.schemas import VerdictIn

router = APIRouter(prefix="/api/v1/rules", tags=["rules 规则"])


@router.get("")
def list_rules() -> list[dict]:
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


@router.get("/findings")
def list_findings(
    rule_code: str | None = None, fixmedins_code: str | None = None, limit: int = 100
) -> list[dict]:
    with session_scope() as session:
        q = select(Finding).order_by(Finding.amount.desc()).limit(min(limit, 1000))
        if rule_code:
            q = q.where(Finding.rule_code == rule_code)
        if fixmedins_code:
            q = q.where(Finding.fixmedins_code == fixmedins_code)
        return [
            {
                "finding_id": f.finding_id,
                "rule_code": f.rule_code,
                "category": f.category,
                "mdtrt_id": f.mdtrt_id,
                "feedetl_sn": f.feedetl_sn,
                "fixmedins_code": f.fixmedins_code,
                "amount": str(f.amount),
                "message": f.message,
            }
            for f in session.execute(q).scalars()
        ]


@router.post("/findings/{finding_id}/verdict")
def post_verdict(finding_id: str, body: VerdictIn) -> dict:
    with session_scope() as session:
        v = service.record_verdict(session, finding_id, body.verdict, body.reason, actor="api")
        return {"id": v.id, "finding_id": finding_id, "verdict": v.verdict}


@router.get("/stats")
def get_stats() -> list[dict]:
    with session_scope() as session:
        return service.stats(session)
