"""HTTP routes /api/v1/agreements/…: thin wrappers over ``agreements.service``."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from fundguard.agreements import schemas
from fundguard.agreements import service as svc
from fundguard.db import request_session
from fundguard.errors import InputError
from fundguard.timeutil import today

router = APIRouter(prefix="/api/v1/agreements", tags=["agreements 协议管理"])


db = request_session  # per-request session dependency (fundguard.db)


def _app_out(app, on: date | None = None) -> schemas.ApplicationOut:
    out = schemas.ApplicationOut.model_validate(app)
    out.overdue = svc.is_overdue(app, on or today())
    return out


APPLICATION_EVENTS = {
    "request_materials": lambda s, i, b: svc.request_materials(s, i, b.missing, b.on),
    "resubmit": lambda s, i, b: svc.resubmit(s, i, b.materials, b.on),
    "accept": lambda s, i, b: svc.accept(s, i, b.on),
    "start_initial_eval": lambda s, i, b: svc.start_initial_evaluation(s, i, b.on),
    "initial_result": lambda s, i, b: svc.record_initial_result(s, i, bool(b.passed), b.on, b.reasons),
    "start_setup": lambda s, i, b: svc.start_setup(s, i, b.on),
    "request_network_test": lambda s, i, b: svc.request_network_test(s, i, b.on),
    "start_network_test": lambda s, i, b: svc.start_network_test(s, i, b.on),
    "network_test_result": lambda s, i, b: svc.record_network_test(s, i, bool(b.passed), b.on, b.reasons),
    "file": lambda s, i, b: svc.file_result(s, i, b.on),
    "start_public_notice": lambda s, i, b: svc.start_public_notice(s, i, b.on),
    "complaint": lambda s, i, b: svc.receive_complaint(s, i, b.content, b.on),
    "resolve_complaint": lambda s, i, b: svc.resolve_complaint(s, b.complaint_id, b.founded, b.on),
    "start_negotiation": lambda s, i, b: svc.start_negotiation(s, i, b.on),
    "sign": lambda s, i, b: svc.sign(s, i, b.fixmedins_code or "", b.on, b.template_version, b.service_scope),
    "waive": lambda s, i, b: svc.waive(s, i, b.on, b.reasons),
    "publish": lambda s, i, b: svc.publish(s, i, b.on),
}
AGREEMENT_EVENTS = {
    "apply_renewal": lambda s, i, b: svc.apply_renewal(s, i, b.on),
    "conclude_renewal": lambda s, i, b: svc.conclude_renewal(s, i, bool(b.passed), b.on, b.grade, b.reasons),
    "pause": lambda s, i, b: svc.pause(s, i, b.on, b.reasons),
    "suspend": lambda s, i, b: svc.suspend(s, i, b.on, b.reasons),
    "request_resume": lambda s, i, b: svc.request_resume(s, i, b.on),
    "conclude_re_evaluation": lambda s, i, b: svc.conclude_re_evaluation(
        s, i, bool(b.passed), b.on, b.reasons
    ),
    "rescind": lambda s, i, b: svc.rescind(s, i, b.on, b.reasons),
    "terminate": lambda s, i, b: svc.terminate(s, i, b.on, b.reasons),
}


@router.post("/applications", response_model=schemas.ApplicationOut, status_code=201, summary="提交定点申请")
def submit_application(body: schemas.ApplicationIn, session: Session = Depends(db)):
    app = svc.submit(
        session,
        body.applicant_name,
        body.uscc,
        body.app_type,
        body.channel,
        [p.model_dump() for p in body.persons],
        body.materials,
        body.on,
        body.fixmedins_code,
        body.admdvs,
        actor="api",
    )
    return _app_out(app, body.on)


@router.get(
    "/applications/{application_id}",
    response_model=schemas.ApplicationOut,
    summary="查看定点申请（含逾期标记）",
)
def get_application(application_id: int, on: date | None = None, session: Session = Depends(db)):
    return _app_out(svc.get_application(session, application_id), on)


@router.get(
    "/applications/{application_id}/steps", response_model=list[schemas.StepOut], summary="申请各环节及期限"
)
def application_steps(application_id: int, session: Session = Depends(db)):
    return svc.steps(session, application_id)


@router.post(
    "/applications/{application_id}/events/{event}",
    response_model=schemas.ApplicationOut,
    summary="推进定点申请流程",
)
def application_event(application_id: int, event: str, body: schemas.EventIn, session: Session = Depends(db)):
    if event not in APPLICATION_EVENTS:
        raise InputError("UNKNOWN_EVENT", f"未知操作 {event}", f"unknown event {event}", "event")
    APPLICATION_EVENTS[event](session, application_id, body)
    return _app_out(svc.get_application(session, application_id), body.on)


@router.get("/agreements/{agreement_id}", response_model=schemas.AgreementOut, summary="查看服务协议")
def get_agreement(agreement_id: int, session: Session = Depends(db)):
    return svc.get_agreement(session, agreement_id)


@router.post(
    "/agreements/{agreement_id}/events/{event}",
    response_model=schemas.AgreementOut,
    summary="服务协议状态变更",
)
def agreement_event(agreement_id: int, event: str, body: schemas.EventIn, session: Session = Depends(db)):
    if event not in AGREEMENT_EVENTS:
        raise InputError("UNKNOWN_EVENT", f"未知操作 {event}", f"unknown event {event}", "event")
    return AGREEMENT_EVENTS[event](session, agreement_id, body)


@router.post(
    "/run-due-transitions",
    response_model=list[schemas.TransitionOut],
    summary="执行到期自动变更（中止超期终止、到期退出）",
)
def run_due(on: date | None = None, session: Session = Depends(db)):
    changes = svc.run_due_transitions(session, on or today(), actor="api")
    return [schemas.TransitionOut(agreement_id=i, from_status=a, to_status=b) for i, a, b in changes]


@router.put("/institutions/{fixmedins_code}/investigation", status_code=204, summary="设置机构被调查状态")
def set_investigation(
    fixmedins_code: str, body: schemas.InvestigationIn, session: Session = Depends(db)
) -> None:
    svc.set_under_investigation(session, fixmedins_code, body.under_investigation, actor="api")


@router.post("/institutions/{fixmedins_code}/changes", status_code=201, summary="信息变更申报")
def request_change(fixmedins_code: str, body: schemas.ChangeIn, session: Session = Depends(db)) -> dict:
    row = svc.request_change(
        session, fixmedins_code, body.field, body.new_value, body.changed_on, body.on, actor="api"
    )
    return {"id": row.id, "needs_re_evaluation": row.needs_re_evaluation, "late": row.late}


@router.post("/institutions/{fixmedins_code}/assessments", status_code=201, summary="年度综合考核")
def record_assessment(
    fixmedins_code: str, body: schemas.AssessmentIn, session: Session = Depends(db)
) -> dict:
    row = svc.record_annual_assessment(session, fixmedins_code, body.year, body.scores, body.on, actor="api")
    return {"id": row.id, "total": str(row.total), "credit_event_id": row.credit_event_id}
