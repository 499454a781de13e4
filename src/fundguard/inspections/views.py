"""HTTP routes /api/v1/inspections/…: random plans, draws and replay, inspection steps, flight plans,
self-inspection tasks.

Roles and scope (``inspections.access``): plans, draws and flight plans are staff records of a
region (deciders act, the leader reads); institution users only see and answer their own
self-inspection tasks. The logged-in user's username is the actor of every change.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.db import request_session
from fundguard.errors import Forbidden, InputError
from fundguard.inspections import access, flight, schemas, self_check
from fundguard.inspections import service as svc
from fundguard.inspections.directory import region_of
from fundguard.inspections.models import SelfCheckTask
from fundguard.web.security import require_roles

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections 监督检查"])

db = request_session  # per-request session dependency (fundguard.db)
STAFF = require_roles(*access.STAFF)
DECIDER = require_roles(*access.DECIDERS)
ANY = require_roles(*access.STAFF, "institution")

STEPS = {
    "start_on_site": lambda s, i, b, a: svc.start_on_site(s, i, b.on, actor=a),
    "record": lambda s, i, b, a: svc.record(s, i, b.content, b.signed_by, b.problems_found, b.on, actor=a),
    "report": lambda s, i, b, a: svc.report(s, i, b.content, b.on, actor=a),
    "dispose": lambda s, i, b, a: svc.dispose(s, i, b.disposition, b.on, actor=a),
    "publish": lambda s, i, b, a: svc.publish_result(s, i, b.on, actor=a),
    "close": lambda s, i, b, a: svc.close(s, i, b.on, actor=a),
}


def replay_out(session: Session, draw_id: int) -> schemas.ReplayOut:
    from fundguard.inspections.models import Draw

    row = session.get(Draw, draw_id)
    r = svc.replay(session, draw_id)
    return schemas.ReplayOut(
        draw_id=r.draw_id,
        snapshot_intact=r.snapshot_intact,
        equal=r.equal,
        kind=row.kind,
        seed=row.seed,
        algorithm=row.algorithm,
        algorithm_version=row.algorithm_version,
        snapshot_sha256=row.snapshot_sha256,
        stored=r.stored,
        recomputed=r.recomputed,
    )


def plan_region(user: User, admdvs: str) -> str:
    """The region of a new plan: the one asked for, else the user's; never outside the user's."""
    region = admdvs or user.region or ""
    auth.check_access(user, None, region)
    return region


def run_inspection_step(session: Session, user: User, inspection_id: int, event: str, body):
    if event not in STEPS:
        raise InputError("UNKNOWN_EVENT", f"未知操作 {event}", f"unknown event {event}", "event")
    access.inspection(session, user, inspection_id)
    access.require_decider(user)
    return STEPS[event](session, inspection_id, body, user.username)


def check_codes(session: Session, user: User, codes) -> None:
    """Every institution named must be inside the user's region."""
    for code in codes:
        auth.check_access(user, None, region_of(session, code))


def create_flight_plan(session: Session, user: User, title: str, risk_rows, on, top_n, admdvs: str):
    access.require_decider(user)
    region = plan_region(user, admdvs)
    ranked = flight.rank(risk_rows)[: top_n or None]
    check_codes(session, user, [code for code, _, _ in ranked])
    return flight.create_plan(session, title, ranked, on, top_n, actor=user.username, admdvs=region)


def submit_self_check(session: Session, user: User, task_id: int, body: schemas.SelfCheckReportIn):
    """Only the institution itself submits its report (staff read it)."""
    task = access.task(session, user, task_id)
    if user.role != "institution":
        raise Forbidden("ROLE_FORBIDDEN", "自查报告由定点机构本机构提交", "only the institution reports")
    return self_check.submit_report(
        session,
        task.id,
        body.scope,
        body.method,
        [p.model_dump() for p in body.problems],
        body.on,
        actor=user.username,
    )


def comparison(session: Session, task: SelfCheckTask) -> dict:
    findings = self_check.platform_findings(session, task.fixmedins_code, task.period)
    return {
        "task_id": task.id,
        "platform_findings": len(findings),
        "reported_problems": len(self_check.problems(session, task.id)),
        "refund_total": self_check.refund_total(session, task.id),
        "unreported": self_check.unreported_findings(session, task.id, findings),
    }


@router.post("/plans", response_model=schemas.PlanOut, status_code=201, summary="制定双随机抽查计划")
def create_plan(body: schemas.PlanIn, session: Session = Depends(db), user: User = Depends(DECIDER)):
    region = plan_region(user, body.admdvs)
    return svc.create_plan(session, body.period, body.on, region, body.matters, actor=user.username)


@router.post("/plans/{plan_id}/draw", response_model=schemas.DrawOut, summary="随机抽取检查对象")
def draw(plan_id: int, body: schemas.DrawIn, session: Session = Depends(db), user: User = Depends(STAFF)):
    access.plan(session, user, plan_id)
    access.require_decider(user)
    return svc.draw_targets(session, plan_id, body.on, body.seed, set(body.high_risk), actor=user.username)


@router.post("/plans/{plan_id}/teams", response_model=schemas.DrawOut, summary="随机选派执法检查人员")
def teams(plan_id: int, body: schemas.DrawIn, session: Session = Depends(db), user: User = Depends(STAFF)):
    access.plan(session, user, plan_id)
    access.require_decider(user)
    return svc.assign_teams(session, plan_id, body.on, body.seed, body.team_size, actor=user.username)


@router.get("/draws/{draw_id}/replay", response_model=schemas.ReplayOut, summary="复算抽取结果")
def replay(draw_id: int, session: Session = Depends(db), user: User = Depends(STAFF)):
    access.draw(session, user, draw_id)
    return replay_out(session, draw_id)


@router.get(
    "/plans/{plan_id}/inspections", response_model=list[schemas.InspectionOut], summary="计划内检查任务"
)
def plan_inspections(plan_id: int, session: Session = Depends(db), user: User = Depends(STAFF)):
    access.plan(session, user, plan_id)
    return svc.inspections(session, plan_id)


@router.post(
    "/inspections/{inspection_id}/events/{event}",
    response_model=schemas.InspectionOut,
    summary="推进检查任务",
)
def inspection_event(
    inspection_id: int,
    event: str,
    body: schemas.InspectionEventIn,
    session: Session = Depends(db),
    user: User = Depends(STAFF),
):
    return run_inspection_step(session, user, inspection_id, event, body)


def _flight_out(session: Session, plan) -> dict:
    return {
        "id": plan.id,
        "status": plan.status,
        "admdvs": plan.admdvs,
        "targets": [
            {
                "rank": t.rank,
                "fixmedins_code": t.fixmedins_code,
                "risk_score": t.risk_score,
                "reasons": t.reasons,
                "focus_departments": t.focus_departments,
                "checklist": t.checklist,
            }
            for t in flight.targets(session, plan.id)
        ],
    }


@router.post("/flight-plans", status_code=201, summary="按风险排序制定飞行检查计划")
def create_flight(
    body: schemas.FlightPlanIn, session: Session = Depends(db), user: User = Depends(DECIDER)
) -> dict:
    rows = [(r.fixmedins_code, r.score, r.reasons) for r in body.risk]
    plan = create_flight_plan(session, user, body.title, rows, body.on, body.top_n, body.admdvs)
    return _flight_out(session, plan)


@router.get("/flight-plans/{plan_id}", summary="飞行检查计划（按风险排序的检查对象）")
def get_flight(plan_id: int, session: Session = Depends(db), user: User = Depends(STAFF)) -> dict:
    return _flight_out(session, access.flight_plan(session, user, plan_id))


@router.post("/flight-plans/{plan_id}/events/{event}", summary="推进飞行检查步骤")
def flight_event(
    plan_id: int,
    event: str,
    body: schemas.FlightEventIn,
    session: Session = Depends(db),
    user: User = Depends(STAFF),
) -> dict:
    access.flight_plan(session, user, plan_id)
    access.require_decider(user)
    plan = flight.advance(session, plan_id, event, body.on, user.username, body.team, body.scheme)
    return _flight_out(session, plan)


@router.post(
    "/self-checks",
    response_model=list[schemas.SelfCheckTaskOut],
    status_code=201,
    summary="下发季度自查自纠任务",
)
def create_self_checks(
    body: schemas.SelfCheckTasksIn, session: Session = Depends(db), user: User = Depends(DECIDER)
):
    check_codes(session, user, body.fixmedins_codes)
    return self_check.create_tasks(session, body.period, body.fixmedins_codes, actor=user.username)


@router.get(
    "/self-checks", response_model=list[schemas.SelfCheckTaskOut], summary="自查自纠任务（本辖区/本机构）"
)
def list_self_checks(period: str | None = None, session: Session = Depends(db), user: User = Depends(ANY)):
    stmt = select(SelfCheckTask).where(access.tasks_scope(user))
    if period:
        stmt = stmt.where(SelfCheckTask.period == period)
    return list(session.scalars(stmt.order_by(SelfCheckTask.period.desc(), SelfCheckTask.fixmedins_code)))


@router.get("/self-checks/{task_id}", response_model=schemas.SelfCheckTaskOut, summary="自查自纠任务")
def get_self_check(task_id: int, session: Session = Depends(db), user: User = Depends(ANY)):
    return access.task(session, user, task_id)


@router.post(
    "/self-checks/{task_id}/report", response_model=schemas.SelfCheckTaskOut, summary="提交自查报告（机构）"
)
def report_self_check(
    task_id: int, body: schemas.SelfCheckReportIn, session: Session = Depends(db), user: User = Depends(ANY)
):
    return submit_self_check(session, user, task_id, body)


@router.get(
    "/self-checks/{task_id}/comparison",
    response_model=schemas.ComparisonOut,
    summary="平台发现与机构自查比对（机构未报告的问题）",
)
def self_check_comparison(task_id: int, session: Session = Depends(db), user: User = Depends(STAFF)):
    return comparison(session, access.task(session, user, task_id))
