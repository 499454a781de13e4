"""HTTP routes /api/v1/inspections/…: random plans, draws and replay, inspection steps, flight plans."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from fundguard.db import request_session
from fundguard.errors import InputError
from fundguard.inspections import flight, schemas
from fundguard.inspections import service as svc

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections 监督检查"])

STEPS = {
    "start_on_site": lambda s, i, b: svc.start_on_site(s, i, b.on),
    "record": lambda s, i, b: svc.record(s, i, b.content, b.signed_by, b.problems_found, b.on),
    "report": lambda s, i, b: svc.report(s, i, b.content, b.on),
    "dispose": lambda s, i, b: svc.dispose(s, i, b.disposition, b.on),
    "publish": lambda s, i, b: svc.publish_result(s, i, b.on),
    "close": lambda s, i, b: svc.close(s, i, b.on),
}


db = request_session  # per-request session dependency (fundguard.db)


@router.post("/plans", response_model=schemas.PlanOut, status_code=201, summary="制定双随机抽查计划")
def create_plan(body: schemas.PlanIn, session: Session = Depends(db)):
    return svc.create_plan(session, body.period, body.on, body.admdvs, body.matters, actor="api")


@router.post("/plans/{plan_id}/draw", response_model=schemas.DrawOut, summary="随机抽取检查对象")
def draw(plan_id: int, body: schemas.DrawIn, session: Session = Depends(db)):
    return svc.draw_targets(session, plan_id, body.on, body.seed, set(body.high_risk), actor="api")


@router.post("/plans/{plan_id}/teams", response_model=schemas.DrawOut, summary="随机选派执法检查人员")
def teams(plan_id: int, body: schemas.DrawIn, session: Session = Depends(db)):
    return svc.assign_teams(session, plan_id, body.on, body.seed, body.team_size, actor="api")


@router.get("/draws/{draw_id}/replay", response_model=schemas.ReplayOut, summary="复算抽取结果")
def replay(draw_id: int, session: Session = Depends(db)):
    r = svc.replay(session, draw_id)
    return schemas.ReplayOut(draw_id=r.draw_id, snapshot_intact=r.snapshot_intact, equal=r.equal)


@router.get(
    "/plans/{plan_id}/inspections", response_model=list[schemas.InspectionOut], summary="计划内检查任务"
)
def plan_inspections(plan_id: int, session: Session = Depends(db)):
    return svc.inspections(session, plan_id)


@router.post(
    "/inspections/{inspection_id}/events/{event}",
    response_model=schemas.InspectionOut,
    summary="推进检查任务",
)
def inspection_event(
    inspection_id: int, event: str, body: schemas.InspectionEventIn, session: Session = Depends(db)
):
    if event not in STEPS:
        raise InputError("UNKNOWN_EVENT", f"未知操作 {event}", f"unknown event {event}", "event")
    return STEPS[event](session, inspection_id, body)


@router.post("/flight-plans", status_code=201, summary="按风险排序制定飞行检查计划")
def create_flight_plan(body: schemas.FlightPlanIn, session: Session = Depends(db)) -> dict:
    plan = flight.create_plan(
        session,
        body.title,
        [(r.fixmedins_code, r.score, r.reasons) for r in body.risk],
        body.on,
        body.top_n,
        actor="api",
    )
    return {
        "id": plan.id,
        "status": plan.status,
        "targets": [
            {
                "rank": t.rank,
                "fixmedins_code": t.fixmedins_code,
                "risk_score": t.risk_score,
                "checklist": t.checklist,
            }
            for t in flight.targets(session, plan.id)
        ],
    }
