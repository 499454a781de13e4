"""Appeals (申诉): filed within ``appeal_window_wd`` working days of notification, decided by a reviewer.

Filing appends an ``appeal_filed`` entry (the target's points stop counting); the decision appends
an ``appeal_outcome`` entry: upheld (维持, 0), reduced (减少, −difference) or revoked (撤销, −all).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.profiles import get_profile
from fundguard.scoring import ledger, notices, workcal
from fundguard.scoring.models import Appeal, Proposal
from fundguard.scoring.validation import check_not_future, require_text

OUTCOMES = ("upheld", "reduced", "revoked")


def notified_on(session: Session, seq: int, decision_date: date) -> date:
    proposal = session.execute(select(Proposal).where(Proposal.entry_seq == seq)).scalar_one_or_none()
    return proposal.notified_on if proposal and proposal.notified_on else decision_date


def appeal_deadline(session: Session, seq: int) -> date:
    entry = ledger.get_entry(session, seq)
    if entry is None:
        raise NotFound("ENTRY_NOT_FOUND", f"记分记录 {seq} 不存在", f"entry {seq} not found")
    window = int(get_profile()["scoring.appeal_window_wd"])
    return workcal.calendar(session).add_working_days(notified_on(session, seq, entry.decision_date), window)


def file_appeal(session: Session, seq: int, *, filed_on: date, reason: str, operator: str) -> Appeal:
    reason = require_text(reason, "reason", "申诉理由")
    operator = require_text(operator, "operator", "经办人")
    check_not_future(filed_on, "filed_on", "申诉日期")
    entry = ledger.get_entry(session, seq)
    if entry is None:
        raise NotFound("ENTRY_NOT_FOUND", f"记分记录 {seq} 不存在", f"entry {seq} not found")
    if entry.kind != "decision":
        raise Conflict(
            "ENTRY_NOT_APPEALABLE",
            f"记分记录 {seq} 不是本平台作出的记分决定，不能在此申诉",
            f"entry {seq} is not a decision of this platform and cannot be appealed here",
        )
    if session.execute(select(Appeal).where(Appeal.entry_seq == seq)).first() is not None:
        raise Conflict(
            "APPEAL_EXISTS", f"记分记录 {seq} 已提出过申诉", f"entry {seq} has already been appealed"
        )
    notified = notified_on(session, seq, entry.decision_date)
    deadline = appeal_deadline(session, seq)
    if filed_on < notified:
        raise InputError(
            "APPEAL_BEFORE_NOTICE",
            f"申诉日期 {filed_on} 早于告知日期 {notified}",
            f"appeal date {filed_on} is before notification {notified}",
            field="filed_on",
        )
    if filed_on > deadline:
        raise InputError(
            "APPEAL_LATE",
            f"申诉期限已过：应在 {deadline} 前（告知后 {get_profile()['scoring.appeal_window_wd']} 个工作日内）提出",
            f"appeal window closed on {deadline}",
            field="filed_on",
        )
    filed = ledger.append(
        session,
        prac_psn_code=entry.prac_psn_code,
        kind="appeal_filed",
        points=0,
        decision_date=filed_on,
        effective_date=filed_on,
        operator=operator,
        facts=reason,
        target_seq=seq,
        admdvs=entry.admdvs,
        behaviour_code=entry.behaviour_code,
    )
    appeal = Appeal(
        prac_psn_code=entry.prac_psn_code,
        entry_seq=seq,
        filed_on=filed_on,
        deadline=deadline,
        decide_by=workcal.calendar(session).add_working_days(
            filed_on, int(get_profile()["scoring.appeal_decision_wd"])
        ),
        reason=reason,
        status="pending",
        filed_seq=filed.seq,
    )
    session.add(appeal)
    session.flush()
    audit.record(session, operator, "points.appeal", "points_appeal", str(appeal.id), {"entry_seq": seq})
    return appeal


def decide_appeal(
    session: Session,
    appeal_id: int,
    *,
    outcome: str,
    decided_on: date,
    reviewer: str,
    reason: str,
    points: int | None = None,
) -> Appeal:
    reviewer = require_text(reviewer, "reviewer", "复核人")
    reason = require_text(reason, "reason", "复核理由")
    if outcome not in OUTCOMES:
        raise InputError(
            "APPEAL_OUTCOME_INVALID",
            f"复核结论 {outcome!r} 应为 维持upheld/减少reduced/撤销revoked",
            f"outcome {outcome!r} must be one of {OUTCOMES}",
            field="outcome",
        )
    check_not_future(decided_on, "decided_on", "复核日期")
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound("APPEAL_NOT_FOUND", f"申诉 {appeal_id} 不存在", f"appeal {appeal_id} not found")
    if appeal.status != "pending":
        raise Conflict(
            "APPEAL_DECIDED", f"申诉 {appeal_id} 已作出复核决定", f"appeal {appeal_id} already decided"
        )
    if decided_on < appeal.filed_on:
        raise InputError(
            "DECISION_BEFORE_APPEAL",
            "复核日期早于申诉日期",
            "decision date before the appeal date",
            field="decided_on",
        )
    target = ledger.get_entry(session, appeal.entry_seq)
    new_points = {"upheld": target.points, "revoked": 0}.get(outcome, points)
    if outcome == "reduced" and (new_points is None or not 1 <= int(new_points) < target.points):
        raise InputError(
            "REDUCED_POINTS_INVALID",
            f"减少后的分值应在 1–{target.points - 1} 分之间",
            f"reduced points must be between 1 and {target.points - 1}",
            field="points",
        )
    new_points = int(new_points)
    outcome_entry = ledger.append(
        session,
        prac_psn_code=target.prac_psn_code,
        kind="appeal_outcome",
        points=new_points - target.points,
        decision_date=decided_on,
        effective_date=decided_on,
        operator=reviewer,
        facts=reason,
        target_seq=target.seq,
        outcome=outcome,
        admdvs=target.admdvs,
        behaviour_code=target.behaviour_code,
    )
    appeal.status = outcome
    appeal.decided_on = decided_on
    appeal.decided_by = reviewer
    appeal.decision_reason = reason
    appeal.outcome_seq = outcome_entry.seq
    notices.appeal_notice(session, target, outcome, new_points, decided_on)
    for period in ledger.triggered_periods(session, target):
        if period.start == decided_on:
            notices.status_notice(session, target, period)
    audit.record(
        session,
        reviewer,
        "points.appeal_decide",
        "points_appeal",
        str(appeal.id),
        {"outcome": outcome, "points": new_points},
    )
    return appeal


def appeals_of(session: Session, prac_psn_code: str) -> list[Appeal]:
    return list(
        session.execute(
            select(Appeal).where(Appeal.prac_psn_code == prac_psn_code).order_by(Appeal.id)
        ).scalars()
    )
