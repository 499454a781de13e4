"""Credit service (信用管理): events → score → grade, explained event by event; lists.

Terms: 信用分 credit score (starts at ``credit.start_score``), 信用等级 grade (``credit.grades``:
the highest grade whose floor the score reaches), 信用事件 credit event (signed points with a
Chinese explanation), 黑名单 blacklist, 失信联合惩戒名单 joint-punishment list, 守信联合激励名单
incentive list, 差异化监管 differentiated supervision (``credit.inspection_multiplier``).

The score at a date is ``start_score + Σ points`` of the subject's events that occurred on or
before that date, are not revoked and have not expired. Nothing is cached: the explanation is
the computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.credit.models import CreditEvaluation, CreditEvent, CreditListEntry
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.inspections.directory import region_of
from fundguard.profiles import get_profile
from fundguard.timeutil import now

SUBJECT_TYPES = {"INSTITUTION": "定点医药机构", "PRACTITIONER": "医保支付资格人员", "INSURED": "参保人"}
LIST_TYPES = {
    "INCENTIVE": "守信联合激励名单",
    "PUNISHMENT": "失信联合惩戒名单",
    "BLACKLIST": "欺诈骗保黑名单",
}
METHOD_VERSION = "credit-events-v1"

# List entry state machine: event → (allowed from-states, to-state).
LIST_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"PROPOSED"}), "APPROVED"),
    "reject": (frozenset({"PROPOSED"}), "REJECTED"),
    "publish": (frozenset({"APPROVED"}), "PUBLISHED"),
    "remove": (frozenset({"APPROVED", "PUBLISHED"}), "REMOVED"),
}
IN_FORCE = frozenset({"APPROVED", "PUBLISHED"})
STATUS_ZH = {
    "PROPOSED": "拟列入",
    "APPROVED": "已批准",
    "REJECTED": "不予列入",
    "PUBLISHED": "已公布",
    "REMOVED": "已移出",
}


@dataclass(frozen=True)
class ScoreLine:
    occurred_on: date
    event_type: str
    points: int
    score_after: int
    explanation: str
    source: str


@dataclass
class ScoreExplanation:
    subject_type: str
    subject_id: str
    on: date
    start_score: int
    score: int
    grade: str
    lines: list[ScoreLine] = field(default_factory=list)

    def as_rows(self) -> list[dict]:
        return [
            {
                "date": ln.occurred_on.isoformat(),
                "event_type": ln.event_type,
                "points": ln.points,
                "score_after": ln.score_after,
                "explanation": ln.explanation,
                "source": ln.source,
            }
            for ln in self.lines
        ]


def _check_subject(subject_type: str) -> None:
    if subject_type not in SUBJECT_TYPES:
        raise InputError(
            "CREDIT_SUBJECT_TYPE",
            f"未知的信用主体类型 {subject_type}",
            f"unknown subject type {subject_type}",
        )


def default_points(event_type: str) -> int:
    table = get_profile()["credit.event_points"]
    if event_type not in table:
        raise InputError(
            "CREDIT_EVENT_POINTS",
            f"事件类型 {event_type} 没有默认分值，请给出分值",
            f"no default points for {event_type}",
        )
    return int(table[event_type])


def add_event(
    session: Session,
    subject_type: str,
    subject_id: str,
    event_type: str,
    occurred_on: date,
    explanation: str,
    points: int | None = None,
    source_type: str = "",
    source_id: str = "",
    evidence: str = "",
    expires_on: date | None = None,
    actor: str = "system",
    admdvs: str = "",
) -> CreditEvent:
    """Record one credit event; ``points`` defaults to ``credit.event_points[event_type]``."""
    _check_subject(subject_type)
    if not explanation.strip():
        raise InputError(
            "CREDIT_EVENT_EXPLANATION", "信用事件必须写明说明", "a credit event needs an explanation"
        )
    event = CreditEvent(
        subject_type=subject_type,
        subject_id=subject_id,
        admdvs=admdvs or "",
        event_type=event_type,
        points=default_points(event_type) if points is None else int(points),
        occurred_on=occurred_on,
        explanation=explanation,
        source_type=source_type,
        source_id=str(source_id),
        evidence=evidence,
        expires_on=expires_on,
        revoked=False,
        recorded_at=now(),
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor,
        "credit.event.add",
        "credit_event",
        str(event.id),
        {"subject": f"{subject_type}:{subject_id}", "event_type": event_type, "points": event.points},
    )
    return event


def revoke_event(session: Session, event_id: int, reason: str, actor: str = "system") -> CreditEvent:
    event = session.get(CreditEvent, event_id)
    if event is None:
        raise NotFound(
            "CREDIT_EVENT_NOT_FOUND", f"信用事件 {event_id} 不存在", f"credit event {event_id} not found"
        )
    if event.revoked:
        raise Conflict("CREDIT_EVENT_REVOKED", "该信用事件已撤销", "credit event already revoked")
    event.revoked = True
    session.flush()
    audit.record(session, actor, "credit.event.revoke", "credit_event", str(event_id), {"reason": reason})
    return event


def grade_for(score: int) -> str:
    """The highest grade whose floor ``score`` reaches (``credit.grades``: A 90, B 75, C 60, D 0)."""
    floors = sorted(get_profile()["credit.grades"].items(), key=lambda kv: kv[1], reverse=True)
    for grade, floor in floors:
        if score >= floor:
            return grade
    return floors[-1][0]


def explain(session: Session, subject_type: str, subject_id: str, on: date) -> ScoreExplanation:
    """Score and grade at ``on``, with one line per counted event (oldest first)."""
    _check_subject(subject_type)
    start = int(get_profile()["credit.start_score"])
    events = session.scalars(
        select(CreditEvent)
        .where(
            CreditEvent.subject_type == subject_type,
            CreditEvent.subject_id == subject_id,
            CreditEvent.occurred_on <= on,
            CreditEvent.revoked.is_(False),
        )
        .order_by(CreditEvent.occurred_on, CreditEvent.id)
    )
    score = start
    lines: list[ScoreLine] = []
    for ev in events:
        if ev.expires_on is not None and ev.expires_on <= on:
            continue
        score += ev.points
        source = f"{ev.source_type}:{ev.source_id}" if ev.source_type else ""
        lines.append(ScoreLine(ev.occurred_on, ev.event_type, ev.points, score, ev.explanation, source))
    return ScoreExplanation(subject_type, subject_id, on, start, score, grade_for(score), lines)


def grade(session: Session, subject_type: str, subject_id: str, on: date) -> str:
    return explain(session, subject_type, subject_id, on).grade


def institution_grade(session: Session, fixmedins_code: str, on: date) -> str:
    return grade(session, "INSTITUTION", fixmedins_code, on)


def evaluate(
    session: Session, subject_type: str, subject_id: str, period: str, on: date, actor: str = "system"
) -> CreditEvaluation:
    """Store the periodic evaluation (信用评价) with its event-by-event explanation."""
    result = explain(session, subject_type, subject_id, on)
    row = CreditEvaluation(
        subject_type=subject_type,
        subject_id=subject_id,
        period=period,
        evaluated_on=on,
        score=result.score,
        grade=result.grade,
        method_version=METHOD_VERSION,
        explanation=result.as_rows(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "credit.evaluate",
        "credit_evaluation",
        str(row.id),
        {"subject": f"{subject_type}:{subject_id}", "period": period, "score": row.score, "grade": row.grade},
    )
    return row


def inspection_multiplier(grade_code: str) -> float:
    """Sampling weight / inspection-frequency multiplier of a grade (差异化监管)."""
    table = get_profile()["credit.inspection_multiplier"]
    if grade_code not in table:
        raise InputError("CREDIT_GRADE", f"未知信用等级 {grade_code}", f"unknown grade {grade_code}")
    return float(table[grade_code])


def supervision_frequency(grade_code: str, base_per_year: float) -> float:
    """Inspections per year for a grade: the base frequency times the grade's multiplier."""
    return base_per_year * inspection_multiplier(grade_code)


# ---- lists ---------------------------------------------------------------------------------


def propose_listing(
    session: Session,
    list_type: str,
    subject_type: str,
    subject_id: str,
    subject_name: str,
    reason: str,
    start_on: date,
    id_number: str = "",
    years: int | None = None,
    actor: str = "system",
    admdvs: str = "",
) -> CreditListEntry:
    """Propose an entry. A blacklist entry's ``end_on`` is the earliest removal date
    (``credit.blacklist_years`` after the start); it stays in force until removed. ``admdvs``
    (医保区划 of the listing) defaults to an institution's region in the master data."""
    _check_subject(subject_type)
    if list_type not in LIST_TYPES:
        raise InputError("CREDIT_LIST_TYPE", f"未知名单类型 {list_type}", f"unknown list type {list_type}")
    if years is None and list_type == "BLACKLIST":
        years = int(get_profile()["credit.blacklist_years"])
    entry = CreditListEntry(
        list_type=list_type,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_name=subject_name,
        admdvs=admdvs or (region_of(session, subject_id) if subject_type == "INSTITUTION" else "") or "",
        id_number=id_number,
        reason=reason,
        start_on=start_on,
        end_on=start_on + relativedelta(years=years) if years else None,
        status="PROPOSED",
        removal_reason="",
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor,
        "credit.list.propose",
        "credit_list_entry",
        str(entry.id),
        {"list_type": list_type, "subject": f"{subject_type}:{subject_id}"},
    )
    return entry


def _transition(
    session: Session, entry_id: int, event: str, actor: str, detail: dict | None = None
) -> CreditListEntry:
    entry = session.get(CreditListEntry, entry_id)
    if entry is None:
        raise NotFound(
            "CREDIT_LIST_NOT_FOUND", f"名单记录 {entry_id} 不存在", f"list entry {entry_id} not found"
        )
    allowed, target = LIST_TRANSITIONS[event]
    if entry.status not in allowed:
        raise Conflict(
            "CREDIT_LIST_ILLEGAL_TRANSITION",
            f"名单记录处于“{STATUS_ZH[entry.status]}”状态，不能执行该操作",
            f"cannot {event} a list entry in {entry.status}",
        )
    before = entry.status
    entry.status = target
    session.flush()
    audit.record(
        session,
        actor,
        f"credit.list.{event}",
        "credit_list_entry",
        str(entry.id),
        {"from": before, "to": target, **(detail or {})},
    )
    return entry


def approve_listing(session: Session, entry_id: int, actor: str = "system") -> CreditListEntry:
    return _transition(session, entry_id, "approve", actor)


def reject_listing(session: Session, entry_id: int, actor: str = "system") -> CreditListEntry:
    return _transition(session, entry_id, "reject", actor)


def publish_listing(session: Session, entry_id: int, actor: str = "system") -> CreditListEntry:
    return _transition(session, entry_id, "publish", actor)


def remove_listing(
    session: Session, entry_id: int, on: date, reason: str, actor: str = "system"
) -> CreditListEntry:
    """Remove an entry; a blacklist entry only from its ``end_on`` (after credit repair)."""
    entry = session.get(CreditListEntry, entry_id)
    if entry is not None and entry.status in IN_FORCE and entry.end_on is not None and on < entry.end_on:
        raise Conflict(
            "CREDIT_LIST_TOO_EARLY",
            f"列入未满期限，{entry.end_on.isoformat()} 起方可申请移出",
            f"entry cannot be removed before {entry.end_on}",
        )
    entry = _transition(session, entry_id, "remove", actor, {"reason": reason, "on": on.isoformat()})
    entry.removed_on = on
    entry.removal_reason = reason
    session.flush()
    return entry


def entries_in_force(
    session: Session, on: date, list_types: tuple[str, ...] | None = None, where=None
) -> list[CreditListEntry]:
    """Entries in force on ``on``; ``where`` is an extra SQL condition (e.g. a user's scope)."""
    stmt = select(CreditListEntry).where(CreditListEntry.status.in_(IN_FORCE), CreditListEntry.start_on <= on)
    if where is not None:
        stmt = stmt.where(where)
    if list_types:
        stmt = stmt.where(CreditListEntry.list_type.in_(list_types))
    rows = session.scalars(
        stmt.order_by(CreditListEntry.list_type, CreditListEntry.start_on, CreditListEntry.id)
    )
    # Non-blacklist entries lapse at end_on; blacklist entries stay until removed.
    return [r for r in rows if r.list_type == "BLACKLIST" or r.end_on is None or on < r.end_on]


def is_blacklisted(session: Session, subject_type: str, subject_id: str, on: date) -> bool:
    return any(
        e.subject_type == subject_type and e.subject_id == subject_id
        for e in entries_in_force(session, on, ("BLACKLIST",))
    )


def record_insured_fraud(
    session: Session,
    psn_no: str,
    name: str,
    certno: str,
    occurred_on: date,
    explanation: str,
    source_id: str = "",
    actor: str = "system",
    admdvs: str = "",
) -> tuple[CreditEvent, CreditListEntry]:
    """参保人欺诈骗保: a credit event for the insured person and a blacklist proposal."""
    event = add_event(
        session,
        "INSURED",
        psn_no,
        "INSURED_FRAUD",
        occurred_on,
        explanation,
        source_type="case",
        source_id=source_id,
        actor=actor,
        admdvs=admdvs,
    )
    entry = propose_listing(
        session,
        "BLACKLIST",
        "INSURED",
        psn_no,
        name,
        explanation,
        occurred_on,
        id_number=certno,
        actor=actor,
        admdvs=admdvs,
    )
    return event, entry
