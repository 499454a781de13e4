"""服务协议 agreement lifecycle: term, renewal, pause (中止), suspension (暂停), rescission (解除),
termination (终止), expiry; ``run_due_transitions`` applies the automatic ones.

Term: ``agreement.term_years`` plus ``agreement.term_by_credit[grade]``, at least
``agreement.term_min_years``; an agreement runs from ``start_on`` to the day before the same date
``term`` years later. A pause longer than ``agreement.pause_max_months`` without resumption ends
the agreement automatically (TERMINATED).

Renewal (协议续签, seed 002: "服务协议期满时仍处暂停期的医药机构顺延至暂停期满前"): the renewal
application is due by the last day of the term; when a 中止 (PAUSED) or 暂停 (SUSPENDED) period
covers that day, the deadline moves to the end of that period (``renewal_deadline``). Months are
calendar months counted to the same day (domain.md §1). ``renewal_due_on`` is the reminder date
``agreement.renewal_apply_lead_months`` before that deadline.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.agreements.models import Agreement, AgreementInterruption
from fundguard.agreements.states import AGR_TRANSITIONS, AGR_ZH, target_state
from fundguard.agreements.supervision import is_under_investigation
from fundguard.auth import service as audit
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.profiles import get_profile


def term_for_grade(grade: str) -> int:
    prof = get_profile()
    adjust = int(prof["agreement.term_by_credit"].get(grade, 0)) if grade else 0
    return max(int(prof["agreement.term_min_years"]), int(prof["agreement.term_years"]) + adjust)


def end_of_term(start_on: date, years: int) -> date:
    return start_on + relativedelta(years=years) - timedelta(days=1)


def get(session: Session, agreement_id: int) -> Agreement:
    agr = session.get(Agreement, agreement_id)
    if agr is None:
        raise NotFound(
            "AGREEMENT_NOT_FOUND", f"协议 {agreement_id} 不存在", f"agreement {agreement_id} not found"
        )
    return agr


def _move(session: Session, agr: Agreement, event: str, on: date, actor: str, reason: str = "") -> Agreement:
    target = target_state(AGR_TRANSITIONS, AGR_ZH, agr.status, event, "服务协议")
    before = agr.status
    agr.status = target
    if reason:
        agr.reason = reason
    session.flush()
    audit.record(
        session,
        actor,
        f"agreement.{event}",
        "agr_agreement",
        str(agr.id),
        {"from": before, "to": target, "on": on.isoformat(), "reason": reason},
    )
    return agr


def _require_reason(reason: str, what: str) -> None:
    if not (reason or "").strip():
        raise InputError("REASON_REQUIRED", f"{what}须说明原因", f"{what}: a reason is required", "reasons")


def _open_interruption(session: Session, agreement_id: int) -> AgreementInterruption | None:
    return session.scalars(
        select(AgreementInterruption)
        .where(AgreementInterruption.agreement_id == agreement_id, AgreementInterruption.ended_on.is_(None))
        .order_by(AgreementInterruption.id.desc())
    ).first()


def _start_interruption(
    session: Session, agr: Agreement, kind: str, on: date, scheduled_end: date | None, reason: str
) -> AgreementInterruption:
    row = AgreementInterruption(
        agreement_id=agr.id, kind=kind, start_on=on, scheduled_end=scheduled_end, reason=reason, end_reason=""
    )
    session.add(row)
    session.flush()
    return row


def _end_interruption(session: Session, agr: Agreement, on: date, why: str) -> None:
    row = _open_interruption(session, agr.id)
    if row is not None:
        row.ended_on, row.end_reason = on, why
        session.flush()


def interruptions(session: Session, agreement_id: int) -> list[AgreementInterruption]:
    """The 中止/暂停 periods of an agreement, oldest first."""
    return list(
        session.scalars(
            select(AgreementInterruption)
            .where(AgreementInterruption.agreement_id == agreement_id)
            .order_by(AgreementInterruption.start_on, AgreementInterruption.id)
        )
    )


def interruption_on(session: Session, agreement_id: int, day: date) -> AgreementInterruption | None:
    """The 中止/暂停 period in force on ``day`` (start included, the day service resumed excluded)."""
    for row in interruptions(session, agreement_id):
        if row.start_on <= day and (row.ended_on is None or day < row.ended_on):
            return row
    return None


def renewal_deadline(session: Session, agr: Agreement) -> date | None:
    """Last day to apply for renewal: the term's last day (``end_on``); if a 中止/暂停 period covers
    that day, the end of the period (顺延至暂停期满): its ``scheduled_end``, or the day service
    resumed when that is later or no end was scheduled. None while an open-ended suspension lasts
    (the deadline is not known yet)."""
    period = interruption_on(session, agr.id, agr.end_on)
    if period is None:
        return agr.end_on
    ends = [d for d in (period.scheduled_end, period.ended_on) if d is not None]
    return max(ends) if ends else None


def renewal_due_on(session: Session, agr: Agreement) -> date | None:
    """Reminder date: ``agreement.renewal_apply_lead_months`` before ``renewal_deadline``."""
    deadline = renewal_deadline(session, agr)
    if deadline is None:
        return None
    return deadline - relativedelta(months=int(get_profile()["agreement.renewal_apply_lead_months"]))


def renewal_overdue(session: Session, agr: Agreement, on: date) -> bool:
    """True for an agreement still waiting for its renewal application after the reminder date."""
    due = renewal_due_on(session, agr)
    return agr.status in {"ACTIVE", "PAUSED", "SUSPENDED", "RE_EVALUATION"} and due is not None and on > due


def create(
    session: Session,
    fixmedins_code: str,
    start_on: date,
    grade: str,
    uscc: str = "",
    application_id: int | None = None,
    template_version: str = "",
    service_scope: list[str] | None = None,
    actor: str = "system",
) -> Agreement:
    years = term_for_grade(grade)
    agr = Agreement(
        fixmedins_code=fixmedins_code,
        uscc=uscc,
        application_id=application_id,
        template_version=template_version,
        service_scope=service_scope or [],
        status="ACTIVE",
        start_on=start_on,
        end_on=end_of_term(start_on, years),
        term_years=years,
        credit_grade=grade,
        reason="",
    )
    session.add(agr)
    session.flush()
    audit.record(
        session,
        actor,
        "agreement.create",
        "agr_agreement",
        str(agr.id),
        {
            "fixmedins_code": fixmedins_code,
            "start_on": start_on.isoformat(),
            "end_on": agr.end_on.isoformat(),
            "term_years": years,
            "credit_grade": grade,
        },
    )
    return agr


def apply_renewal(session: Session, agreement_id: int, on: date, actor: str = "system") -> Agreement:
    agr = get(session, agreement_id)
    deadline = renewal_deadline(session, agr)
    if deadline is not None and on > deadline:
        moved = "" if deadline == agr.end_on else f"（暂停/中止顺延至 {deadline.isoformat()}）"
        raise Conflict(
            "AGREEMENT_EXPIRED",
            f"协议已于 {agr.end_on.isoformat()} 到期{moved}，续签申请期限已过，不能申请续签",
            "agreement expired",
        )
    return _move(session, agr, "apply_renewal", on, actor)


def conclude_renewal(
    session: Session,
    agreement_id: int,
    agreed: bool,
    on: date,
    grade: str,
    reason: str = "",
    actor: str = "system",
) -> Agreement:
    """Agreement reached → a new term (by the current credit grade) after the old end; else exit."""
    agr = get(session, agreement_id)
    if not agreed:
        _move(session, agr, "refuse_renewal", on, actor, reason or "续签协商未达成一致")
        agr.ended_on = on
        return agr
    _move(session, agr, "renew", on, actor, reason)
    years = term_for_grade(grade)
    agr.start_on = agr.end_on + timedelta(days=1)
    agr.end_on = end_of_term(agr.start_on, years)
    agr.term_years, agr.credit_grade = years, grade
    session.flush()
    return agr


def pause(session: Session, agreement_id: int, on: date, reason: str, actor: str = "system") -> Agreement:
    """中止 at the institution's written request; at most ``pause_max_months``."""
    _require_reason(reason, "中止服务协议")
    agr = _move(session, get(session, agreement_id), "pause", on, actor, reason)
    agr.paused_on = on
    agr.pause_deadline = on + relativedelta(months=int(get_profile()["agreement.pause_max_months"]))
    _start_interruption(session, agr, "PAUSE", on, agr.pause_deadline, reason)
    session.flush()
    return agr


def suspend(
    session: Session,
    agreement_id: int,
    on: date,
    reason: str,
    actor: str = "system",
    until: date | None = None,
) -> Agreement:
    """暂停服务协议 (agency measure from the negative list); ``until`` = last day of the measure."""
    _require_reason(reason, "暂停服务协议")
    if until is not None and until < on:
        raise InputError("SUSPEND_UNTIL", "暂停截止日期不能早于暂停日期", "until before start", "until")
    agr = _move(session, get(session, agreement_id), "suspend", on, actor, reason)
    _start_interruption(session, agr, "SUSPENSION", on, until, reason)
    return agr


def request_resume(session: Session, agreement_id: int, on: date, actor: str = "system") -> Agreement:
    """恢复申请 after a pause or suspension: re-evaluation against the current standards."""
    agr = get(session, agreement_id)
    previous = agr.status
    _move(session, agr, "request_resume", on, actor)
    agr.resume_from = previous
    session.flush()
    return agr


def conclude_re_evaluation(
    session: Session, agreement_id: int, passed: bool, on: date, reason: str = "", actor: str = "system"
) -> Agreement:
    """PASS → ACTIVE; FAIL → back to PAUSED when it came from a pause, else SUSPENDED."""
    agr = get(session, agreement_id)
    if passed:
        event = "resume"
    elif agr.resume_from == "PAUSED":
        event = "refuse_resume_paused"
    else:
        # From a suspension, or after an information change whose re-evaluation failed.
        event = "refuse_resume_suspended"
    _move(session, agr, event, on, actor, reason)
    if passed:
        agr.paused_on = agr.pause_deadline = None
        _end_interruption(session, agr, on, "重新评估合格，恢复服务协议")
    elif _open_interruption(session, agr.id) is None:
        # A failed re-evaluation after an information change starts a suspension.
        _start_interruption(session, agr, "SUSPENSION", on, None, reason or "信息变更后重新评估不合格")
    agr.resume_from = None
    session.flush()
    return agr


def send_to_re_evaluation(
    session: Session, agreement_id: int, on: date, reason: str, actor: str = "system"
) -> Agreement:
    """An information change (名称、法定代表人、地址) requires re-evaluation of an active agreement."""
    agr = _move(session, get(session, agreement_id), "change_re_evaluation", on, actor, reason)
    agr.resume_from = "ACTIVE"
    session.flush()
    return agr


def rescind(session: Session, agreement_id: int, on: date, reason: str, actor: str = "system") -> Agreement:
    """解除: starts the ``exclusion_years`` exclusion of the institution and its responsible persons."""
    _require_reason(reason, "解除服务协议")
    agr = _move(session, get(session, agreement_id), "rescind", on, actor, reason)
    agr.rescinded_on = agr.ended_on = on
    _end_interruption(session, agr, on, "服务协议解除")
    session.flush()
    return agr


def terminate(session: Session, agreement_id: int, on: date, reason: str, actor: str = "system") -> Agreement:
    """终止 because the institution was revoked or closed; not while it is under investigation."""
    _require_reason(reason, "终止服务协议")
    agr = get(session, agreement_id)
    if is_under_investigation(session, agr.fixmedins_code):
        raise Conflict(
            "UNDER_INVESTIGATION",
            "机构正在接受调查处理，不得申请终止服务协议",
            "institution under investigation",
        )
    _move(session, agr, "terminate", on, actor, reason)
    agr.ended_on = on
    session.flush()
    return agr


def run_due_transitions(session: Session, today: date, actor: str = "system") -> list[tuple[int, str, str]]:
    """Automatic transitions due by ``today``: pauses past ``pause_deadline`` → TERMINATED; active
    agreements past ``end_on`` and past their renewal deadline (moved by a 中止/暂停 that covered
    the end of the term) without a renewal application → EXPIRED_EXIT. Returns (id, from, to)."""
    changes: list[tuple[int, str, str]] = []
    for agr in session.scalars(
        select(Agreement).where(Agreement.status == "PAUSED", Agreement.pause_deadline < today)
    ):
        _move(
            session,
            agr,
            "auto_terminate",
            today,
            actor,
            f"中止超过{get_profile()['agreement.pause_max_months']}个月未恢复，协议自动终止",
        )
        agr.ended_on = today
        _end_interruption(session, agr, today, "中止超期，协议自动终止")
        changes.append((agr.id, "PAUSED", "TERMINATED"))
    for agr in session.scalars(
        select(Agreement).where(Agreement.status == "ACTIVE", Agreement.end_on < today)
    ):
        deadline = renewal_deadline(session, agr)
        if deadline is None or deadline >= today:
            continue
        _move(session, agr, "expire", today, actor, "协议期满未续签")
        agr.ended_on = today
        changes.append((agr.id, "ACTIVE", "EXPIRED_EXIT"))
    session.flush()
    return changes


def for_institution(session: Session, fixmedins_code: str) -> list[Agreement]:
    return list(
        session.scalars(
            select(Agreement).where(Agreement.fixmedins_code == fixmedins_code).order_by(Agreement.id)
        )
    )
