"""HTTP API of the scoring domain under ``/api/v1/points`` (thin: parse, call the service, return).

Errors are ``FundguardError``s, answered by the web shell's handler as ``{"code", "message", "field"}``.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query

from fundguard.auth.models import User
from fundguard.db import session_scope
from fundguard.scoring import ledger, schemas, service
from fundguard.timeutil import today
from fundguard.web.security import require_roles
from fundguard.web.templating import STAFF_ROLES

# Reading points is for agency staff; deciding them is for the roles that decide (never institutions).
router = APIRouter(
    prefix="/api/v1/points", tags=["记分 points"], dependencies=[Depends(require_roles(*STAFF_ROLES))]
)
DECIDERS = require_roles("admin", "supervisor", "auditor")


def _entry(e) -> schemas.EntryOut:
    return schemas.EntryOut.model_validate(ledger.payload(e))


@router.get("/blocked", summary="当日暂停/终止人员名单（HIS 拦截）")
def blocked(on: date | None = Query(None, description="日期，默认今天")) -> list[dict]:
    with session_scope() as session:
        return service.blocked_rows(session, on or today())


@router.get("/warnings", summary="预警名单：年度记分达到预警线（约谈、重点监管）")
def warnings(on: date | None = Query(None, description="日期，默认今天")) -> list[dict]:
    with session_scope() as session:
        return service.warning_list(session, on or today())


@router.get("/exports/notify", summary="卫健/药监通报名单")
def notify(department: str, since: date, until: date | None = None) -> list[dict]:
    with session_scope() as session:
        return service.notification_rows(session, department, since, until or today())


@router.get("/ledger", summary="记分台账", response_model=list[schemas.EntryOut])
def ledger_list(prac_psn_code: str | None = None, limit: int = Query(1000, le=10000)):
    with session_scope() as session:
        return [_entry(e) for e in service.ledger_entries(session, prac_psn_code, limit)]


@router.post("/proposals", summary="登记拟记分", status_code=201)
def propose(body: schemas.ProposalIn, user: User = Depends(DECIDERS)) -> dict:
    with session_scope() as session:
        data = body.model_dump()
        data.pop("operator", None)
        proposal = service.propose(session, proposed_by=user.username, **data)
        return {"proposal_id": proposal.id, "status": proposal.status}


@router.post("/proposals/{proposal_id}/approve", summary="审核通过拟记分", response_model=schemas.EntryOut)
def approve(proposal_id: int, body: schemas.ApproveIn, user: User = Depends(DECIDERS)):
    with session_scope() as session:
        return _entry(
            service.approve(session, proposal_id, **{**body.model_dump(), "reviewer": user.username})
        )


@router.post("/entries/{seq}/reverse", summary="更正冲销", response_model=schemas.EntryOut)
def reverse(seq: int, body: schemas.ReversalIn, user: User = Depends(DECIDERS)):
    with session_scope() as session:
        return _entry(service.reverse(session, seq, **{**body.model_dump(), "operator": user.username}))


@router.post("/appeals", summary="提出申诉", status_code=201)
def file_appeal(body: schemas.AppealIn, user: User = Depends(DECIDERS)) -> dict:
    with session_scope() as session:
        data = {**body.model_dump(), "operator": user.username}
        appeal = service.file_appeal(session, data.pop("entry_seq"), **data)
        return {"appeal_id": appeal.id, "deadline": appeal.deadline, "decide_by": appeal.decide_by}


@router.post("/appeals/{appeal_id}/decide", summary="申诉复核决定")
def decide_appeal(appeal_id: int, body: schemas.AppealDecisionIn, user: User = Depends(DECIDERS)) -> dict:
    with session_scope() as session:
        appeal = service.decide_appeal(session, appeal_id, **{**body.model_dump(), "reviewer": user.username})
        return {"appeal_id": appeal.id, "status": appeal.status, "entry_seq": appeal.outcome_seq}


@router.post("/repairs", summary="记分修复", response_model=schemas.EntryOut, status_code=201)
def repair(body: schemas.RepairIn, user: User = Depends(DECIDERS)):
    with session_scope() as session:
        data = {**body.model_dump(), "operator": user.username}
        return _entry(service.repair_points(session, data.pop("prac_psn_code"), **data))


@router.post("/{prac_psn_code}/reinstate", summary="期满重新登记备案", response_model=schemas.EntryOut)
def reinstate(prac_psn_code: str, body: schemas.ReinstateIn, user: User = Depends(DECIDERS)):
    with session_scope() as session:
        return _entry(
            service.reinstate(session, prac_psn_code, **{**body.model_dump(), "operator": user.username})
        )


@router.get("/{prac_psn_code}/status", summary="资格状态（数据契约）", response_model=schemas.StatusOut)
def status(prac_psn_code: str, on: date | None = Query(None, description="日期，默认今天")):
    with session_scope() as session:
        return service.status_on(session, prac_psn_code, on or today()).as_contract()


@router.get("/{prac_psn_code}/file", summary="一人一档：登记、记分、状态、申诉、告知书")
def person_file(prac_psn_code: str, on: date | None = None) -> dict:
    with session_scope() as session:
        return service.person_file(session, prac_psn_code, on or today())
