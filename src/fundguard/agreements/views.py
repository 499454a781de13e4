"""HTTP routes /api/v1/agreements/…: thin wrappers over ``agreements.service``.

Roles and scope (``agreements.access``): deciders act on the records of their region, the leader
reads, institution users read their own institution's applications and agreements and take their
own steps. The logged-in user's username is the actor of every change.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.agreements import access, schemas
from fundguard.agreements import service as svc
from fundguard.agreements.models import Agreement, Application, Complaint
from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.db import request_session
from fundguard.errors import Forbidden, InputError, NotFound
from fundguard.inspections.directory import region_of
from fundguard.timeutil import today
from fundguard.web.security import require_roles

router = APIRouter(prefix="/api/v1/agreements", tags=["agreements 协议管理"])

db = request_session  # per-request session dependency (fundguard.db)
READER = require_roles(*access.READERS)
ADMIN = require_roles("admin")
PAGE_LIMIT = 500


def app_out(app, on: date | None = None) -> schemas.ApplicationOut:
    out = schemas.ApplicationOut.model_validate(app)
    out.overdue = svc.is_overdue(app, on or today())
    return out


def agreement_out(session: Session, agr) -> schemas.AgreementOut:
    out = schemas.AgreementOut.model_validate(agr)
    out.renewal_deadline = svc.renewal_deadline(session, agr)
    out.renewal_due_on = svc.renewal_due_on(session, agr)
    return out


def _complaint(s: Session, application_id: int, b: schemas.EventIn) -> Complaint:
    complaint = s.get(Complaint, b.complaint_id) if b.complaint_id is not None else None
    if complaint is None or complaint.application_id != application_id:
        raise NotFound(
            "COMPLAINT_NOT_FOUND",
            f"该申请没有编号为 {b.complaint_id} 的投诉",
            "complaint not found",
            "complaint_id",
        )
    return complaint


def _sign(s: Session, i: int, b: schemas.EventIn, a: str, user: User):
    code = (b.fixmedins_code or "").strip()
    if not code:
        raise InputError(
            "FIXMEDINS_CODE", "签订协议须填写定点机构编码", "fixmedins_code required", "fixmedins_code"
        )
    app = svc.get_application(s, i)
    auth.check_access(user, None, region_of(s, code) or access.application_region(s, app))
    return svc.sign(s, i, code, b.on, b.template_version, b.service_scope, actor=a)


# event → call(session, id, body, actor, user)
APPLICATION_EVENTS = {
    "request_materials": lambda s, i, b, a, u: svc.request_materials(s, i, b.missing, b.on, actor=a),
    "resubmit": lambda s, i, b, a, u: svc.resubmit(s, i, b.materials, b.on, actor=a),
    "accept": lambda s, i, b, a, u: svc.accept(s, i, b.on, actor=a),
    "start_initial_eval": lambda s, i, b, a, u: svc.start_initial_evaluation(s, i, b.on, actor=a),
    "initial_result": lambda s, i, b, a, u: svc.record_initial_result(
        s, i, bool(b.passed), b.on, b.reasons, evaluator=a, actor=a
    ),
    "start_setup": lambda s, i, b, a, u: svc.start_setup(s, i, b.on, actor=a),
    "request_network_test": lambda s, i, b, a, u: svc.request_network_test(s, i, b.on, actor=a),
    "start_network_test": lambda s, i, b, a, u: svc.start_network_test(s, i, b.on, actor=a),
    "network_test_result": lambda s, i, b, a, u: svc.record_network_test(
        s, i, bool(b.passed), b.on, b.reasons, evaluator=a, actor=a
    ),
    "file": lambda s, i, b, a, u: svc.file_result(s, i, b.on, actor=a),
    "start_public_notice": lambda s, i, b, a, u: svc.start_public_notice(s, i, b.on, actor=a),
    "complaint": lambda s, i, b, a, u: svc.receive_complaint(s, i, b.content, b.on, actor=a),
    "resolve_complaint": lambda s, i, b, a, u: svc.resolve_complaint(
        s, _complaint(s, i, b).id, b.founded, b.on, actor=a
    ),
    "start_negotiation": lambda s, i, b, a, u: svc.start_negotiation(s, i, b.on, actor=a),
    "sign": _sign,
    "waive": lambda s, i, b, a, u: svc.waive(s, i, b.on, b.reasons, actor=a),
    "publish": lambda s, i, b, a, u: svc.publish(s, i, b.on, actor=a),
}
AGREEMENT_EVENTS = {
    "apply_renewal": lambda s, i, b, a: svc.apply_renewal(s, i, b.on, actor=a),
    "conclude_renewal": lambda s, i, b, a: svc.conclude_renewal(
        s, i, bool(b.passed), b.on, b.grade or svc.get_agreement(s, i).credit_grade, b.reasons, actor=a
    ),
    "pause": lambda s, i, b, a: svc.pause(s, i, b.on, b.reasons, actor=a),
    "suspend": lambda s, i, b, a: svc.suspend(s, i, b.on, b.reasons, actor=a, until=b.until),
    "request_resume": lambda s, i, b, a: svc.request_resume(s, i, b.on, actor=a),
    "conclude_re_evaluation": lambda s, i, b, a: svc.conclude_re_evaluation(
        s, i, bool(b.passed), b.on, b.reasons, actor=a
    ),
    "rescind": lambda s, i, b, a: svc.rescind(s, i, b.on, b.reasons, actor=a),
    "terminate": lambda s, i, b, a: svc.terminate(s, i, b.on, b.reasons, actor=a),
}


def scoped_application(session: Session, user: User, application_id: int) -> Application:
    app = svc.get_application(session, application_id)
    access.check_application(session, user, app)
    return app


def scoped_agreement(session: Session, user: User, agreement_id: int) -> Agreement:
    agr = svc.get_agreement(session, agreement_id)
    access.check_agreement(session, user, agr)
    return agr


def run_application_event(session: Session, user: User, application_id: int, event: str, body) -> Application:
    """Authorise (role, scope) and fire one workflow event; shared with the HTML pages."""
    if event not in APPLICATION_EVENTS:
        raise InputError("UNKNOWN_EVENT", f"未知操作 {event}", f"unknown event {event}", "event")
    scoped_application(session, user, application_id)
    access.require_event(user, event, access.INSTITUTION_APPLICATION_EVENTS)
    APPLICATION_EVENTS[event](session, application_id, body, user.username, user)
    return svc.get_application(session, application_id)


def run_agreement_event(session: Session, user: User, agreement_id: int, event: str, body) -> Agreement:
    if event not in AGREEMENT_EVENTS:
        raise InputError("UNKNOWN_EVENT", f"未知操作 {event}", f"unknown event {event}", "event")
    scoped_agreement(session, user, agreement_id)
    access.require_event(user, event, access.INSTITUTION_AGREEMENT_EVENTS)
    return AGREEMENT_EVENTS[event](session, agreement_id, body, user.username)


def submit_for(session: Session, user: User, body: schemas.ApplicationIn) -> Application:
    """Deciders submit for their region; an institution user only for its own institution."""
    code = body.fixmedins_code or None
    if user.role == "institution":
        if code not in (None, user.fixmedins_code):
            raise Forbidden("OUT_OF_SCOPE", "无权为其他定点机构提交申请", "another institution")
        code = user.fixmedins_code
        admdvs = region_of(session, code) or body.admdvs
    else:
        access.require_decider(user)
        admdvs = body.admdvs or region_of(session, code) or user.region or ""
        access.check_region(user, admdvs)
    return svc.submit(
        session,
        body.applicant_name,
        body.uscc,
        body.app_type,
        body.channel,
        [p.model_dump() for p in body.persons],
        body.materials,
        body.on,
        code,
        admdvs,
        actor=user.username,
    )


@router.post("/applications", response_model=schemas.ApplicationOut, status_code=201, summary="提交定点申请")
def submit_application(
    body: schemas.ApplicationIn, session: Session = Depends(db), user: User = Depends(READER)
):
    return app_out(submit_for(session, user, body), body.on)


@router.get(
    "/applications", response_model=list[schemas.ApplicationOut], summary="定点申请列表（本辖区/本机构）"
)
def list_applications(
    status: str | None = None,
    on: date | None = None,
    limit: int = Query(100, ge=1, le=PAGE_LIMIT),
    offset: int = Query(0, ge=0),
    session: Session = Depends(db),
    user: User = Depends(READER),
):
    stmt = select(Application).where(access.applications_scope(user))
    if status:
        stmt = stmt.where(Application.status == status)
    rows = session.scalars(stmt.order_by(Application.id.desc()).offset(offset).limit(limit))
    return [app_out(a, on) for a in rows]


@router.get(
    "/applications/{application_id}",
    response_model=schemas.ApplicationOut,
    summary="查看定点申请（含逾期标记）",
)
def get_application(
    application_id: int, on: date | None = None, session: Session = Depends(db), user: User = Depends(READER)
):
    return app_out(scoped_application(session, user, application_id), on)


@router.get(
    "/applications/{application_id}/steps", response_model=list[schemas.StepOut], summary="申请各环节及期限"
)
def application_steps(application_id: int, session: Session = Depends(db), user: User = Depends(READER)):
    scoped_application(session, user, application_id)
    return svc.steps(session, application_id)


@router.post(
    "/applications/{application_id}/events/{event}",
    response_model=schemas.ApplicationOut,
    summary="推进定点申请流程",
)
def application_event(
    application_id: int,
    event: str,
    body: schemas.EventIn,
    session: Session = Depends(db),
    user: User = Depends(READER),
):
    return app_out(run_application_event(session, user, application_id, event, body), body.on)


@router.get("/agreements", response_model=list[schemas.AgreementOut], summary="服务协议列表（本辖区/本机构）")
def list_agreements(
    status: str | None = None,
    limit: int = Query(100, ge=1, le=PAGE_LIMIT),
    offset: int = Query(0, ge=0),
    session: Session = Depends(db),
    user: User = Depends(READER),
):
    stmt = select(Agreement).where(access.agreements_scope(user))
    if status:
        stmt = stmt.where(Agreement.status == status)
    rows = session.scalars(stmt.order_by(Agreement.id.desc()).offset(offset).limit(limit))
    return [agreement_out(session, a) for a in rows]


@router.get("/agreements/{agreement_id}", response_model=schemas.AgreementOut, summary="查看服务协议")
def get_agreement(agreement_id: int, session: Session = Depends(db), user: User = Depends(READER)):
    return agreement_out(session, scoped_agreement(session, user, agreement_id))


@router.post(
    "/agreements/{agreement_id}/events/{event}",
    response_model=schemas.AgreementOut,
    summary="服务协议状态变更",
)
def agreement_event(
    agreement_id: int,
    event: str,
    body: schemas.EventIn,
    session: Session = Depends(db),
    user: User = Depends(READER),
):
    return agreement_out(session, run_agreement_event(session, user, agreement_id, event, body))


@router.post(
    "/run-due-transitions",
    response_model=list[schemas.TransitionOut],
    summary="执行到期自动变更（中止超期终止、到期退出；仅系统管理员）",
)
def run_due(on: date | None = None, session: Session = Depends(db), user: User = Depends(ADMIN)):
    changes = svc.run_due_transitions(session, on or today(), actor=user.username)
    return [schemas.TransitionOut(agreement_id=i, from_status=a, to_status=b) for i, a, b in changes]


@router.put("/institutions/{fixmedins_code}/investigation", status_code=204, summary="设置机构被调查状态")
def set_investigation(
    fixmedins_code: str,
    body: schemas.InvestigationIn,
    session: Session = Depends(db),
    user: User = Depends(READER),
) -> None:
    access.require_decider(user)
    access.check_institution(session, user, fixmedins_code)
    svc.set_under_investigation(session, fixmedins_code, body.under_investigation, actor=user.username)


@router.post("/institutions/{fixmedins_code}/changes", status_code=201, summary="信息变更申报")
def request_change(
    fixmedins_code: str, body: schemas.ChangeIn, session: Session = Depends(db), user: User = Depends(READER)
) -> dict:
    if user.role != "institution":
        access.require_decider(user)
    access.check_institution(session, user, fixmedins_code)
    row = svc.request_change(
        session, fixmedins_code, body.field, body.new_value, body.changed_on, body.on, actor=user.username
    )
    return {"id": row.id, "needs_re_evaluation": row.needs_re_evaluation, "late": row.late}


@router.post("/institutions/{fixmedins_code}/assessments", status_code=201, summary="年度综合考核")
def record_assessment(
    fixmedins_code: str,
    body: schemas.AssessmentIn,
    session: Session = Depends(db),
    user: User = Depends(READER),
) -> dict:
    access.require_decider(user)
    access.check_institution(session, user, fixmedins_code)
    row = svc.record_annual_assessment(
        session, fixmedins_code, body.year, body.scores, body.on, actor=user.username
    )
    return {"id": row.id, "total": str(row.total), "credit_event_id": row.credit_event_id}
