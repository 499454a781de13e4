"""Proposal → review → decision (拟记分 → 审核 → 记分决定), and corrections (更正冲销).

A confirmed case with a responsible person produces a proposal (behaviour → points within the
band); a reviewer approves it, possibly with other points and a reason; approval appends a
``decision`` entry and issues the notices. A wrong entry is corrected by a ``reversal`` entry.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.profiles import get_profile
from fundguard.scoring import ledger, notices
from fundguard.scoring.models import PointsEntry, Proposal
from fundguard.scoring.validation import (
    check_band,
    check_behaviour,
    check_months,
    check_not_future,
    check_points,
    require_text,
)
from fundguard.timeutil import now


def propose(
    session: Session,
    *,
    prac_psn_code: str,
    behaviour_code: str,
    points: int,
    admdvs: str,
    proposed_by: str,
    facts: str = "",
    legal_basis: str = "",
    case_ref: str = "",
    fixmedins_code: str = "",
    agency: str = "",
) -> Proposal:
    """A proposed entry for a person already on file (master data or an earlier entry)."""
    profile = get_profile()
    code = require_text(prac_psn_code, "prac_psn_code", "人员编码")
    if not ledger.is_known_person(session, code):
        raise InputError(
            "PERSON_UNKNOWN",
            f"人员编码 {code} 不在医保支付资格人员库中（外地已作出的记分请经 points 表导入）",
            f"person {code} is not in master data (import decisions from other regions via the points table)",
            field="prac_psn_code",
        )
    behaviour = check_behaviour(profile, behaviour_code)
    value = check_points(profile, points)
    check_band(profile, behaviour, value)
    proposal = Proposal(
        prac_psn_code=code,
        behaviour_code=behaviour,
        proposed_points=value,
        status="proposed",
        facts=facts or "",
        legal_basis=legal_basis or "",
        case_ref=case_ref or "",
        fixmedins_code=fixmedins_code or "",
        admdvs=require_text(admdvs, "admdvs", "医保区划"),
        agency=agency or "",
        proposed_by=require_text(proposed_by, "operator", "经办人"),
        proposed_at=now().replace(microsecond=0),
    )
    session.add(proposal)
    session.flush()
    audit.record(
        session,
        proposed_by,
        "points.propose",
        "points_proposal",
        str(proposal.id),
        {"prac_psn_code": code, "behaviour_code": behaviour, "points": value},
        region=proposal.admdvs,
    )
    return proposal


def approve(
    session: Session,
    proposal_id: int,
    *,
    reviewer: str,
    decision_date: date,
    points: int | None = None,
    reason: str = "",
    effective_date: date | None = None,
    notified_on: date | None = None,
    suspend_months: int | None = None,
) -> PointsEntry:
    """Approve (possibly with other points and a reason): append the decision and issue notices."""
    profile = get_profile()
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(
            "PROPOSAL_NOT_FOUND", f"拟记分 {proposal_id} 不存在", f"proposal {proposal_id} not found"
        )
    if proposal.status != "proposed":
        raise Conflict(
            "PROPOSAL_DECIDED", f"拟记分 {proposal_id} 已审核", f"proposal {proposal_id} already decided"
        )
    reviewer = require_text(reviewer, "reviewer", "审核人")
    value = proposal.proposed_points if points is None else check_points(profile, points)
    if value != proposal.proposed_points:
        require_text(reason, "reason", "调整记分的理由")
        check_band(profile, proposal.behaviour_code, value)
    check_not_future(decision_date, "decision_date", "决定日期")
    effective = effective_date or decision_date
    if effective < decision_date:
        raise InputError(
            "EFFECTIVE_BEFORE_DECISION",
            "生效日期早于决定日期",
            "effective date before decision date",
            "effective_date",
        )
    notified = notified_on or decision_date
    if notified < decision_date:
        raise InputError(
            "NOTIFIED_BEFORE_DECISION",
            "告知日期早于决定日期",
            "notification date before decision date",
            "notified_on",
        )
    months = check_months(profile, suspend_months)
    entry = ledger.append(
        session,
        prac_psn_code=proposal.prac_psn_code,
        kind="decision",
        points=value,
        decision_date=decision_date,
        effective_date=effective,
        operator=reviewer,
        behaviour_code=proposal.behaviour_code,
        facts=proposal.facts,
        legal_basis=proposal.legal_basis,
        case_ref=proposal.case_ref,
        fixmedins_code=proposal.fixmedins_code,
        admdvs=proposal.admdvs,
        agency=proposal.agency,
        suspend_months=months,
    )
    proposal.status = "approved"
    proposal.approved_points = value
    proposal.reviewed_by = reviewer
    proposal.review_reason = reason or ""
    proposal.decision_date = decision_date
    proposal.notified_on = notified
    proposal.entry_seq = entry.seq
    year_points = ledger.derived_status(session, entry.prac_psn_code, effective).year_points
    notices.decision_notice(session, entry, notified, year_points)
    for period in ledger.triggered_periods(session, entry):
        notices.status_notice(session, entry, period)
    audit.record(
        session,
        reviewer,
        "points.approve",
        "points_entry",
        str(entry.seq),
        {
            "proposal_id": proposal.id,
            "points": value,
            "proposed_points": proposal.proposed_points,
            "reason": reason,
        },
        region=proposal.admdvs,
    )
    return entry


def reverse(session: Session, seq: int, *, operator: str, reason: str, on: date) -> PointsEntry:
    """Correct a wrong entry by appending its reversal (the original stays in the ledger)."""
    operator = require_text(operator, "operator", "经办人")
    reason = require_text(reason, "reason", "更正理由")
    check_not_future(on, "date", "更正日期")
    target = ledger.get_entry(session, seq)
    if target is None:
        raise NotFound("ENTRY_NOT_FOUND", f"记分记录 {seq} 不存在", f"entry {seq} not found")
    if target.kind not in ("decision", "external", "repair"):
        raise Conflict(
            "ENTRY_NOT_REVERSIBLE", f"记分记录 {seq} 不能更正冲销", f"entry {seq} cannot be reversed"
        )
    already = session.execute(
        select(PointsEntry).where(PointsEntry.kind == "reversal", PointsEntry.target_seq == seq)
    ).first()
    if already is not None:
        raise Conflict(
            "ENTRY_ALREADY_REVERSED", f"记分记录 {seq} 已被冲销", f"entry {seq} is already reversed"
        )
    entry = ledger.append(
        session,
        prac_psn_code=target.prac_psn_code,
        kind="reversal",
        points=-target.points,
        decision_date=on,
        effective_date=on,
        operator=operator,
        behaviour_code=target.behaviour_code,
        facts=reason,
        admdvs=target.admdvs,
        target_seq=seq,
    )
    audit.record(
        session,
        operator,
        "points.reverse",
        "points_entry",
        str(entry.seq),
        {"target_seq": seq, "reason": reason},
    )
    return entry


def proposals_of(
    session: Session, prac_psn_code: str | None = None, status: str | None = None
) -> list[Proposal]:
    query = select(Proposal).order_by(Proposal.id)
    if prac_psn_code:
        query = query.where(Proposal.prac_psn_code == prac_psn_code)
    if status:
        query = query.where(Proposal.status == status)
    return list(session.execute(query).scalars())
