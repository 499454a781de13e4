"""Rectification close-out (问题销号), domain.md §2g.

登记 REGISTERED → 整改中 RECTIFYING → 已提交 SUBMITTED → 销号 CLOSED, or 回访未全部整改 →
再整改 RE_RECTIFYING (new deadline ``rectification.recheck_after_days``) → 复查销号 CLOSED.
RECTIFYING / RE_RECTIFYING past the deadline → 逾期 OVERDUE, escalated (通报批评、提请处理、
信用记录); an overdue unit may still submit (flagged late). A SUBMITTED item waits for the
inspector and is not overdue for the unit. Deadlines are calendar days (the seed says 天).
Problem numbers are ``{region}-{year}-{seq}`` with a sequence per region and year.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from fundguard.auth.service import record
from fundguard.cases import evidence as store
from fundguard.cases.models import ProblemItem, ProblemSubmission
from fundguard.cases.numbering import next_seq
from fundguard.cases.statemachine import Actor, Machine, Transition
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.profiles import get_profile
from fundguard.timeutil import now
from fundguard.timeutil import today as local_today

SUPERVISORS = ("inspector", "supervision_team")
INSTITUTION = "institution_user"
ESCALATIONS = ("通报批评", "提请处理", "信用记录")

STATES = {
    "REGISTERED": "已登记",
    "RECTIFYING": "整改中",
    "SUBMITTED": "已提交整改材料",
    "OVERDUE": "逾期未整改",
    "RE_RECTIFYING": "再整改",
    "CLOSED": "已销号",
}
PROBLEM_MACHINE = Machine(
    "problem",
    "整改问题",
    STATES,
    [
        Transition("notify", ("REGISTERED",), "RECTIFYING", SUPERVISORS, "下达整改通知"),
        Transition(
            "submit", ("RECTIFYING", "RE_RECTIFYING", "OVERDUE"), "SUBMITTED", (INSTITUTION,), "提交整改材料"
        ),
        Transition("mark_overdue", ("RECTIFYING", "RE_RECTIFYING"), "OVERDUE", SUPERVISORS, "标记逾期"),
        Transition("close", ("SUBMITTED", "RE_RECTIFYING"), "CLOSED", SUPERVISORS, "销号"),
        Transition("reopen", ("SUBMITTED",), "RE_RECTIFYING", SUPERVISORS, "退回再整改"),
    ],
)
OPEN_STATES = ("REGISTERED", "RECTIFYING", "SUBMITTED", "OVERDUE", "RE_RECTIFYING")


def get(session: Session, problem_id: int) -> ProblemItem:
    item = session.get(ProblemItem, problem_id)
    if item is None:
        raise NotFound("PROBLEM_NOT_FOUND", f"整改问题不存在：{problem_id}", "problem item not found")
    return item


def register(
    session: Session,
    actor: Actor,
    *,
    region: str,
    institution_code: str,
    description: str,
    source_type: str,
    source_id: str = "",
    basis: str = "",
    severity: str = "general",
    department: str | None = None,
    owner_person: str | None = None,
    required_evidence: list[str] | None = None,
    today: date | None = None,
) -> ProblemItem:
    """编号登记: a numbered problem with its responsible unit."""
    if not description.strip():
        raise InputError("REQUIRED", "问题描述不能为空", field="description")
    if not region:
        raise InputError("REGION_REQUIRED", "须指明区划", field="region")
    day = today or local_today()
    seq = next_seq(session, f"problem:{region}", day.year)
    item = ProblemItem(
        problem_no=f"{region}-{day.year}-{seq:04d}",
        region=region,
        year=day.year,
        seq=seq,
        source_type=source_type,
        source_id=source_id,
        institution_code=institution_code,
        department=department,
        description=description.strip(),
        basis=basis,
        severity=severity,
        owner_person=owner_person,
        required_evidence=list(required_evidence or []),
        status="REGISTERED",
        created_by=actor.name,
        created_at=now(),
    )
    session.add(item)
    session.flush()
    _log(session, item, actor, "problem.registered", {"institution": institution_code})
    return item


def _log(session: Session, item: ProblemItem, actor: Actor, action: str, detail: dict) -> None:
    record(session, actor.name, action, "problem_item", item.problem_no, detail, region=item.region)


def _fire(
    session: Session, item: ProblemItem, event: str, actor: Actor, detail: dict | None = None
) -> ProblemItem:
    t = PROBLEM_MACHINE.check(item.status, event, actor)
    before = item.status
    item.status = t.target
    _log(session, item, actor, f"problem.{event}", {"from": before, "to": t.target, **(detail or {})})
    session.flush()
    return item


def notify(session: Session, problem_id: int, actor: Actor, today: date | None = None) -> ProblemItem:
    """整改通知: the deadline (``rectification.deadline_days``) starts on the notice day."""
    item = get(session, problem_id)
    PROBLEM_MACHINE.check(item.status, "notify", actor)
    day = today or local_today()
    prof = get_profile()
    item.deadline = day + timedelta(days=int(prof["rectification.deadline_days"]))
    item.revisit_due = day + timedelta(days=int(prof["rectification.revisit_after_days"]))
    return _fire(session, item, "notify", actor, {"deadline": item.deadline.isoformat()})


def submit(
    session: Session,
    problem_id: int,
    actor: Actor,
    *,
    plan: str,
    attachments: list[tuple[str, str, bytes]],
    today: date | None = None,
) -> ProblemSubmission:
    """整改报告: the unit's plan and evidence; ``attachments`` are ``(evidence kind, filename, bytes)``."""
    item = get(session, problem_id)
    PROBLEM_MACHINE.check(item.status, "submit", actor)
    if not plan.strip():
        raise InputError("REQUIRED", "整改措施不能为空", field="plan")
    missing = [k for k in item.required_evidence if k not in {a[0] for a in attachments}]
    if missing:
        raise InputError(
            "EVIDENCE_MISSING",
            f"缺少整改佐证材料：{'、'.join(missing)}",
            "required evidence missing",
            field="attachments",
        )
    stored = []
    for kind, filename, data in attachments:
        f = store.store(f"problems/{item.problem_no}", data, filename)
        stored.append({"kind": kind, **f.as_dict()})
    day = today or local_today()
    sub = ProblemSubmission(
        problem_id=item.id,
        round=item.round,
        plan=plan.strip(),
        attachments=stored,
        late=item.status == "OVERDUE" or (item.deadline is not None and day > item.deadline),
        submitted_by=actor.name,
        submitted_at=now(),
    )
    session.add(sub)
    _fire(session, item, "submit", actor, {"late": sub.late, "files": [s["sha256"] for s in stored]})
    return sub


def latest_submission(session: Session, problem_id: int) -> ProblemSubmission | None:
    q = (
        select(ProblemSubmission)
        .where(ProblemSubmission.problem_id == problem_id)
        .order_by(ProblemSubmission.id.desc())
    )
    return session.execute(q.limit(1)).scalar_one_or_none()


def read_attachment(session: Session, problem_id: int, sha256: str) -> bytes:
    for sub in session.execute(
        select(ProblemSubmission).where(ProblemSubmission.problem_id == problem_id)
    ).scalars():
        for a in sub.attachments:
            if a["sha256"] == sha256:
                return store.read(a["path"], a["sha256"])
    raise NotFound("ATTACHMENT_NOT_FOUND", "整改材料不存在", "attachment not found")


def close(session: Session, problem_id: int, actor: Actor, note: str) -> ProblemItem:
    """销号: revisit or recheck found everything rectified."""
    item = get(session, problem_id)
    PROBLEM_MACHINE.check(item.status, "close", actor)
    if not note.strip():
        raise InputError("REQUIRED", "回访/复查结论不能为空", field="note")
    _review(session, item, actor, "CLOSED", note)
    item.closed_at = now()
    item.closed_by = actor.name
    return _fire(session, item, "close", actor, {"note": note})


def reopen(
    session: Session, problem_id: int, actor: Actor, note: str, today: date | None = None
) -> ProblemItem:
    """回访发现部分未整改: back to the unit with a new deadline (``rectification.recheck_after_days``)."""
    item = get(session, problem_id)
    PROBLEM_MACHINE.check(item.status, "reopen", actor)
    if not note.strip():
        raise InputError("REQUIRED", "须写明未整改到位的问题", field="note")
    day = today or local_today()
    _review(session, item, actor, "REOPENED", note)
    item.round += 1
    item.deadline = day + timedelta(days=int(get_profile()["rectification.recheck_after_days"]))
    return _fire(session, item, "reopen", actor, {"note": note, "deadline": item.deadline.isoformat()})


def _review(session: Session, item: ProblemItem, actor: Actor, verdict: str, note: str) -> None:
    sub = latest_submission(session, item.id)
    if sub is not None and sub.review is None:
        sub.review, sub.review_note, sub.reviewed_by = verdict, note, actor.name


def sweep_overdue(
    session: Session, actor: Actor, today: date | None = None, condition=None
) -> list[ProblemItem]:
    """逾期: mark every RECTIFYING / RE_RECTIFYING item whose deadline has passed (within ``condition``)."""
    day = today or local_today()
    q = select(ProblemItem).where(
        ProblemItem.status.in_(("RECTIFYING", "RE_RECTIFYING")), ProblemItem.deadline < day
    )
    if condition is not None:
        q = q.where(condition)
    items = list(session.execute(q.order_by(ProblemItem.id)).scalars())
    for item in items:
        _fire(session, item, "mark_overdue", actor, {"deadline": item.deadline.isoformat()})
    return items


def escalate(session: Session, problem_id: int, actor: Actor, measure: str, note: str = "") -> ProblemItem:
    """督办升级 for an overdue item: 通报批评 / 提请处理 / 信用记录."""
    item = get(session, problem_id)
    if item.status != "OVERDUE":
        raise Conflict("NOT_OVERDUE", "只有逾期未整改的问题才能升级督办", "only overdue items escalate")
    if not actor.has_any(SUPERVISORS):
        PROBLEM_MACHINE.check(item.status, "mark_overdue", actor)  # raises Forbidden with the role list
    if measure not in ESCALATIONS:
        raise InputError("ESCALATION_UNKNOWN", f"升级措施须为：{'、'.join(ESCALATIONS)}", field="measure")
    item.escalations = [
        *item.escalations,
        {"measure": measure, "note": note, "by": actor.name, "on": local_today().isoformat()},
    ]
    _log(session, item, actor, "problem.escalated", {"measure": measure})
    session.flush()
    return item


def overdue_expr(day: date):
    """SQL condition: the item is overdue on ``day`` (marked OVERDUE, or its deadline passed while the unit works)."""
    return or_(
        ProblemItem.status == "OVERDUE",
        and_(ProblemItem.status.in_(("RECTIFYING", "RE_RECTIFYING")), ProblemItem.deadline < day),
    )


def is_overdue(item: ProblemItem, today: date | None = None) -> bool:
    day = today or local_today()
    if item.status == "OVERDUE":
        return True
    return (
        item.status in ("RECTIFYING", "RE_RECTIFYING") and item.deadline is not None and item.deadline < day
    )


def board(
    session: Session, region: str | None = None, condition=None, today: date | None = None
) -> list[dict]:
    """整改看板: per institution, open / overdue / closed counts and the close-out rate.

    ``condition`` restricts the items (the caller's data scope); an item counts as overdue when
    it is marked OVERDUE or its deadline passed before the sweep ran.
    """
    day = today or local_today()
    closed = ProblemItem.status == "CLOSED"
    q = select(
        ProblemItem.institution_code,
        func.sum(case((closed, 0), else_=1)),
        func.sum(case((overdue_expr(day), 1), else_=0)),
        func.sum(case((closed, 1), else_=0)),
    ).group_by(ProblemItem.institution_code)
    if region:
        q = q.where(ProblemItem.region == region)
    if condition is not None:
        q = q.where(condition)
    rows = []
    for code, n_open, n_overdue, n_closed in session.execute(q):
        r = {"institution_code": code, "open": int(n_open or 0), "overdue": int(n_overdue or 0)}
        r["closed"] = int(n_closed or 0)
        total = r["open"] + r["closed"]
        r["closed_rate"] = round(r["closed"] / total, 4) if total else 0.0
        rows.append(r)
    return sorted(rows, key=lambda r: (-r["overdue"], -r["open"], r["institution_code"]))


def submissions(session: Session, problem_id: int) -> list[ProblemSubmission]:
    q = select(ProblemSubmission).where(ProblemSubmission.problem_id == problem_id)
    return list(session.execute(q.order_by(ProblemSubmission.id)).scalars())
