"""自查自纠 quarterly self-inspection (domain.md §2e.3): one task per institution and quarter, due
``inspection.self_check_report_due_days`` calendar days after the quarter ends; self-reported
problems with refunds; comparison with the platform's own findings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.inspections.models import SelfCheckProblem, SelfCheckTask
from fundguard.profiles import get_profile


def quarter_end(period: str) -> date:
    """Last day of ``YYYYQn``."""
    try:
        year, q = int(period[:4]), int(period[5])
        assert period[4] == "Q" and 1 <= q <= 4 and len(period) == 6
    except (ValueError, AssertionError, IndexError):
        raise InputError(
            "SELF_CHECK_PERIOD", f"季度格式应为 2026Q1，收到 {period}", "period must look like 2026Q1"
        ) from None
    return (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)


def create_tasks(
    session: Session, period: str, fixmedins_codes: list[str], actor: str = "system"
) -> list[SelfCheckTask]:
    due = quarter_end(period) + timedelta(days=int(get_profile()["inspection.self_check_report_due_days"]))
    existing = set(
        session.scalars(select(SelfCheckTask.fixmedins_code).where(SelfCheckTask.period == period))
    )
    tasks = []
    for code in sorted(set(fixmedins_codes) - existing):
        task = SelfCheckTask(
            fixmedins_code=code, period=period, due_on=due, status="OPEN", scope="", method=""
        )
        session.add(task)
        tasks.append(task)
    session.flush()
    audit.record(
        session, actor, "inspection.self_check.create", "insp_self_check_task", period, {"count": len(tasks)}
    )
    return tasks


def submit_report(
    session: Session,
    task_id: int,
    scope: str,
    method: str,
    problems: list[dict],
    on: date,
    actor: str = "system",
) -> SelfCheckTask:
    """Problems: ``{category, description, amount, refund_amount, finding_refs, owner, deadline}``."""
    task = session.get(SelfCheckTask, task_id)
    if task is None:
        raise NotFound("SELF_CHECK_NOT_FOUND", f"自查任务 {task_id} 不存在", "task not found")
    if task.status not in {"OPEN", "OVERDUE"}:
        raise Conflict("SELF_CHECK_SUBMITTED", "自查报告已提交", "report already submitted")
    for p in problems:
        session.add(
            SelfCheckProblem(
                task_id=task.id,
                category=p.get("category", "OTHER"),
                description=p["description"],
                finding_refs=list(p.get("finding_refs", [])),
                amount=Decimal(str(p.get("amount", "0"))),
                refund_amount=Decimal(str(p.get("refund_amount", "0"))),
                owner=p.get("owner", ""),
                deadline=p.get("deadline"),
            )
        )
    task.scope, task.method, task.submitted_on, task.status = scope, method, on, "SUBMITTED"
    session.flush()
    audit.record(
        session,
        actor,
        "inspection.self_check.submit",
        "insp_self_check_task",
        str(task.id),
        {"problems": len(problems), "late": on > task.due_on},
    )
    return task


def is_overdue(task: SelfCheckTask, on: date) -> bool:
    return task.status in {"OPEN", "OVERDUE"} and on > task.due_on


def mark_overdue(session: Session, on: date, actor: str = "system") -> list[SelfCheckTask]:
    """OPEN tasks past their due date become OVERDUE (once); the caller records the consequence."""
    tasks = list(
        session.scalars(
            select(SelfCheckTask).where(SelfCheckTask.status == "OPEN", SelfCheckTask.due_on < on)
        )
    )
    for task in tasks:
        task.status = "OVERDUE"
        audit.record(
            session,
            actor,
            "inspection.self_check.overdue",
            "insp_self_check_task",
            str(task.id),
            {"due_on": task.due_on.isoformat()},
        )
    session.flush()
    return tasks


def problems(session: Session, task_id: int) -> list[SelfCheckProblem]:
    return list(
        session.scalars(
            select(SelfCheckProblem).where(SelfCheckProblem.task_id == task_id).order_by(SelfCheckProblem.id)
        )
    )


def unreported_findings(session: Session, task_id: int, platform_findings: list[dict]) -> list[dict]:
    """Platform findings (rows with ``finding_id`` and ``category``) the institution did not report:
    a finding counts as reported when a problem cites its id or reports its category."""
    reported = problems(session, task_id)
    ids = {str(ref) for p in reported for ref in p.finding_refs}
    categories = {p.category for p in reported}
    return [
        f
        for f in platform_findings
        if str(f.get("finding_id")) not in ids and f.get("category") not in categories
    ]


def quarter_months(period: str) -> list[str]:
    """The three ``YYYY-MM`` months of ``YYYYQn``."""
    end = quarter_end(period)
    return [f"{end.year}-{m:02d}" for m in range(end.month - 2, end.month + 1)]


def platform_findings(session: Session, fixmedins_code: str, period: str, limit: int = 5000) -> list[dict]:
    """The platform's own findings (rule hits) at the institution for visits in the quarter, without
    those a reviewer rejected: rows ``{finding_id, category, rule_code, amount, message, visit_month}``
    for ``unreported_findings``."""
    from fundguard.rules.models import Finding, Verdict

    rejected = select(Verdict.finding_id).where(Verdict.verdict == "rejected")
    rows = session.scalars(
        select(Finding)
        .where(
            Finding.fixmedins_code == fixmedins_code,
            Finding.visit_month.in_(quarter_months(period)),
            Finding.finding_id.not_in(rejected),
        )
        .order_by(Finding.visit_month, Finding.finding_id)
        .limit(limit)
    )
    return [
        {
            "finding_id": f.finding_id,
            "category": f.category,
            "rule_code": f.rule_code,
            "amount": f.amount,
            "message": f.message,
            "visit_month": f.visit_month,
        }
        for f in rows
    ]


def get_task(session: Session, task_id: int) -> SelfCheckTask:
    task = session.get(SelfCheckTask, task_id)
    if task is None:
        raise NotFound("SELF_CHECK_NOT_FOUND", f"自查任务 {task_id} 不存在", "task not found")
    return task


def refund_total(session: Session, task_id: int) -> Decimal:
    return sum((p.refund_amount for p in problems(session, task_id)), Decimal("0.00"))
