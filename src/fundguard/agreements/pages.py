"""Web pages of 协议管理: applications and agreements lists, the application workflow with each
step's working-day due date and overdue state, the agreement lifecycle (续签、中止、暂停、解除、终止
with reasons, 中止/暂停 periods, history) and the annual assessments.

Every action goes through the same authorisation and dispatch as the JSON API
(``views.run_application_event`` / ``views.run_agreement_event``); institution users see only
their own institution and only the steps that are theirs.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundguard.agreements import access, exclusions, schemas, supervision
from fundguard.agreements import service as svc
from fundguard.agreements import views as api
from fundguard.agreements.applications import APP_TYPES, CHANNELS
from fundguard.agreements.models import Agreement, AnnualAssessment, Application, Complaint, Evaluation
from fundguard.agreements.states import AGR_ZH, APP_ZH
from fundguard.auth import service as auth
from fundguard.auth.models import AuditEvent, User
from fundguard.auth.privacy import mask_certno, mask_name
from fundguard.calendar_admin.service import calendar
from fundguard.db import session_scope
from fundguard.errors import Conflict, FundguardError, InputError
from fundguard.masterdata.models import Institution
from fundguard.profiles import get_profile
from fundguard.timeutil import today
from fundguard.web.security import require_roles
from fundguard.web.templating import Page, render

router = APIRouter()
PAGE_SIZE = 50
READER = require_roles(*access.READERS)
PAGE_ERRORS = (Conflict, InputError)

# Application actions: (event, label, states it applies in, form fields).
APPLICATION_ACTIONS = [
    ("request_materials", "一次性告知补正材料", {"SUBMITTED"}, ["missing"]),
    ("accept", "受理", {"SUBMITTED"}, []),
    ("resubmit", "补正材料后重新提交", {"MATERIALS_REQUESTED"}, ["materials"]),
    ("start_initial_eval", "开始初次评估", {"ACCEPTED"}, []),
    ("initial_result", "录入初次评估结果", {"INITIAL_EVAL"}, ["passed", "reasons"]),
    ("start_setup", "开始联网准备（PSAM卡、专网备案）", {"INITIAL_PASSED"}, []),
    ("request_network_test", "申请联网测试", {"SETUP", "TEST_FAILED_1"}, []),
    ("start_network_test", "开始联网测试", {"NETWORK_TEST_REQUESTED"}, []),
    ("network_test_result", "录入联网测试结果", {"NETWORK_TEST"}, ["passed", "reasons"]),
    ("file", "备案", {"QUALIFIED"}, []),
    ("start_public_notice", "开始公示", {"FILED"}, []),
    ("complaint", "登记公示期投诉", {"PUBLIC_NOTICE"}, ["content"]),
    ("start_negotiation", "公示期满，开始协商谈判", {"PUBLIC_NOTICE"}, []),
    ("resolve_complaint", "投诉核实结论", {"COMPLAINT_VERIFYING"}, ["complaint_id", "founded"]),
    ("sign", "签订服务协议", {"NEGOTIATING"}, ["fixmedins_code", "template_version", "service_scope"]),
    ("waive", "视同自动放弃", {"NEGOTIATING"}, ["reasons"]),
    ("publish", "公布结果", {"SIGNED"}, []),
]
AGREEMENT_ACTIONS = [
    ("apply_renewal", "申请续签", {"ACTIVE"}, []),
    ("conclude_renewal", "续签协商结果", {"RENEWAL_NEGOTIATION"}, ["passed", "grade", "reasons"]),
    ("pause", "中止服务协议（机构书面申请）", {"ACTIVE"}, ["reasons"]),
    ("suspend", "暂停服务协议", {"ACTIVE"}, ["reasons", "until"]),
    ("request_resume", "申请恢复（重新评估）", {"PAUSED", "SUSPENDED"}, []),
    ("conclude_re_evaluation", "重新评估结论", {"RE_EVALUATION"}, ["passed", "reasons"]),
    ("rescind", "解除服务协议", {"ACTIVE", "SUSPENDED"}, ["reasons"]),
    ("terminate", "终止服务协议（撤销、关闭）", {"ACTIVE"}, ["reasons"]),
]
INTERRUPTION_ZH = {"PAUSE": "中止", "SUSPENSION": "暂停"}
EVENT_ZH = {
    "apply_renewal": "申请续签",
    "renew": "续签",
    "refuse_renewal": "不再续签",
    "expire": "期满退出",
    "pause": "中止",
    "auto_terminate": "中止超期自动终止",
    "request_resume": "申请恢复",
    "change_re_evaluation": "信息变更重新评估",
    "resume": "恢复",
    "refuse_resume_paused": "重新评估不合格（仍中止）",
    "refuse_resume_suspended": "重新评估不合格（暂停）",
    "suspend": "暂停",
    "rescind": "解除",
    "terminate": "终止",
}
ASSESSMENT_ZH = {
    "conduct": "履约行为",
    "service_quality": "服务质量",
    "cost_control": "费用控制",
    "fund_risk_control": "基金风险防控",
}


def _lines(value: str) -> list[str]:
    return [x.strip() for x in (value or "").replace("；", "\n").splitlines() if x.strip()]


def _date(value: str | None, field: str = "on") -> date:
    if not value:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("BAD_DATE", f"日期格式应为 YYYY-MM-DD：{value}", "bad date", field) from None


def event_from_form(form) -> schemas.EventIn:
    """The JSON API's event body from an HTML form."""
    passed = form.get("passed")
    founded = {"true": True, "false": False}.get(form.get("founded") or "")
    complaint = form.get("complaint_id") or ""
    return schemas.EventIn(
        on=_date(form.get("on")),
        passed=None if passed in (None, "") else passed == "true",
        founded=founded,
        reasons=form.get("reasons") or "",
        missing=_lines(form.get("missing") or ""),
        materials=_lines(form.get("materials") or ""),
        content=form.get("content") or "",
        complaint_id=int(complaint) if complaint.isdigit() else None,
        fixmedins_code=(form.get("fixmedins_code") or "").strip() or None,
        template_version=form.get("template_version") or "",
        service_scope=_lines(form.get("service_scope") or ""),
        grade=form.get("grade") or "",
        until=_date(form.get("until"), "until") if form.get("until") else None,
    )


def _institution_names(session: Session, codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    rows = session.execute(
        select(Institution.fixmedins_code, Institution.fixmedins_name).where(
            Institution.fixmedins_code.in_(codes)
        )
    )
    return dict(rows.all())


def _ended_states() -> frozenset[str]:
    """Application states no transition leaves (已公布, 不予受理, …): nothing is pending there."""
    from fundguard.agreements.states import APP_TRANSITIONS

    sources = set().union(*(src for src, _ in APP_TRANSITIONS.values()))
    targets = {target for _, target in APP_TRANSITIONS.values()}
    return frozenset(targets - sources)


ENDED_STATES = _ended_states()


def step_state(cal, due: date | None, left: date | None, on: date, ended: bool = False) -> tuple[str, str]:
    """(label, css class) of one step against its due date on the working-day calendar."""
    if due is None:
        if ended and left is None:
            return ("已办结", "ok")
        return ("无时限" if left else "机构自行推进", "")
    if left is not None:
        return ("逾期完成", "bad") if left > due else ("按期完成", "ok")
    if on > due:
        return (f"已逾期 {cal.working_days_between(due, on)} 个工作日", "bad")
    return (f"进行中，剩余 {cal.working_days_between(on, due)} 个工作日", "ok")


def _actions(user: User, status: str, table, institution_events) -> list[dict]:
    rows = [a for a in table if status in a[2]]
    return [
        {"event": e, "label": label, "fields": fields}
        for e, label, _, fields in access.allowed_events(user, rows, institution_events)
    ]


# --- lists -------------------------------------------------------------------------------------


@router.get("/agreements", response_class=HTMLResponse, include_in_schema=False)
def index(
    request: Request,
    tab: str = "applications",
    status: str = "",
    page: int = Query(1, ge=1),
    user: User = Depends(READER),
):
    on = today()
    tab = "agreements" if tab == "agreements" else "applications"
    with session_scope() as session:
        if tab == "applications":
            query = select(Application).where(access.applications_scope(user))
            if status:
                query = query.where(Application.status == status)
            total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            pg = Page.of(total, page, PAGE_SIZE)
            apps = session.scalars(
                query.order_by(Application.id.desc()).offset(pg.offset).limit(pg.size)
            ).all()
            rows = [
                {
                    "id": a.id,
                    "applicant_name": a.applicant_name,
                    "uscc": a.uscc,
                    "type": APP_TYPES.get(a.app_type, a.app_type),
                    "fixmedins_code": a.fixmedins_code or "",
                    "status": a.status,
                    "status_zh": APP_ZH.get(a.status, a.status),
                    "submitted_on": a.submitted_on,
                    "due_on": a.due_on,
                    "overdue": svc.is_overdue(a, on),
                }
                for a in apps
            ]
            statuses = APP_ZH
        else:
            query = select(Agreement).where(access.agreements_scope(user))
            if status:
                query = query.where(Agreement.status == status)
            total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            pg = Page.of(total, page, PAGE_SIZE)
            agrs = session.scalars(query.order_by(Agreement.id.desc()).offset(pg.offset).limit(pg.size)).all()
            names = _institution_names(session, [a.fixmedins_code for a in agrs])
            rows = [
                {
                    "id": a.id,
                    "fixmedins_code": a.fixmedins_code,
                    "name": names.get(a.fixmedins_code, ""),
                    "status": a.status,
                    "status_zh": AGR_ZH.get(a.status, a.status),
                    "start_on": a.start_on,
                    "end_on": a.end_on,
                    "grade": a.credit_grade,
                    "renewal_deadline": svc.renewal_deadline(session, a),
                    "renewal_due_on": svc.renewal_due_on(session, a),
                    "renewal_overdue": svc.renewal_overdue(session, a, on),
                }
                for a in agrs
            ]
            statuses = AGR_ZH
    return render(
        request,
        "agreements/index.html",
        {
            "tab": tab,
            "rows": rows,
            "page": pg,
            "status": status,
            "statuses": statuses,
            "on": on,
            "may_submit": access.may_decide(user) or user.role == "institution",
            "app_types": APP_TYPES,
            "channels": CHANNELS,
        },
        active="agreements",
    )


@router.post("/agreements/applications", include_in_schema=False)
async def submit(request: Request, user: User = Depends(READER)):
    form = await request.form()
    persons = []
    if (form.get("legal_rep_name") or "").strip():
        persons.append(
            {
                "role": "LEGAL_REP",
                "name": form.get("legal_rep_name").strip(),
                "certno": (form.get("legal_rep_certno") or "").strip(),
            }
        )
    body = schemas.ApplicationIn(
        applicant_name=(form.get("applicant_name") or "").strip(),
        uscc=(form.get("uscc") or "").strip(),
        app_type=form.get("app_type") or "MEDICAL",
        channel=form.get("channel") or "ONLINE",
        persons=persons,
        materials=_lines(form.get("materials") or ""),
        on=_date(form.get("on")),
        fixmedins_code=(form.get("fixmedins_code") or "").strip() or None,
        admdvs=(form.get("admdvs") or "").strip(),
    )
    if not body.applicant_name or not body.uscc:
        raise InputError("APPLICATION_FIELDS", "请填写申请人名称和统一社会信用代码", "name and uscc required")
    with session_scope() as session:
        app = api.submit_for(session, user, body)
        app_id = app.id
    return RedirectResponse(f"/agreements/applications/{app_id}?saved=1", status_code=303)


# --- application detail ------------------------------------------------------------------------


def _application_context(session: Session, user: User, app: Application) -> dict:
    on = today()
    cal = calendar(session)
    masked = not auth.sees_identifiers(user)
    steps = []
    for s in svc.steps(session, app.id):
        label, css = step_state(cal, s.due_on, s.left_on, on, ended=s.status in ENDED_STATES)
        steps.append(
            {
                "status": s.status,
                "status_zh": APP_ZH.get(s.status, s.status),
                "entered_on": s.entered_on,
                "due_on": s.due_on,
                "left_on": s.left_on,
                "state": label,
                "css": css,
                "actor": s.actor,
                "note": s.note,
            }
        )
    persons = [
        {
            "role": exclusions.ROLE_ZH.get(p.get("role", ""), p.get("role", "")),
            "name": mask_name(p.get("name")) if masked else p.get("name", ""),
            "certno": mask_certno(p.get("certno")) if masked else p.get("certno", ""),
        }
        for p in app.persons
    ]
    evaluations = session.scalars(
        select(Evaluation).where(Evaluation.application_id == app.id).order_by(Evaluation.id)
    ).all()
    complaints = session.scalars(
        select(Complaint).where(Complaint.application_id == app.id).order_by(Complaint.id)
    ).all()
    current_label, current_css = step_state(cal, app.due_on, None, on)
    return {
        "app": app,
        "status_zh": APP_ZH.get(app.status, app.status),
        "type_zh": APP_TYPES.get(app.app_type, app.app_type),
        "channel_zh": CHANNELS.get(app.channel, app.channel),
        "steps": steps,
        "current_state": current_label if app.due_on else "",
        "current_css": current_css,
        "overdue": svc.is_overdue(app, on),
        "persons": persons,
        "evaluations": evaluations,
        "complaints": complaints,
        "open_complaints": [c for c in complaints if c.result == "VERIFYING"],
        "actions": _actions(user, app.status, APPLICATION_ACTIONS, access.INSTITUTION_APPLICATION_EVENTS),
        "on": on,
        "result_zh": {
            "VERIFYING": "核实中",
            "FOUNDED": "属实",
            "UNFOUNDED": "不属实",
            "UNVERIFIABLE": "无法核实",
        },
    }


@router.get("/agreements/applications/{application_id}", response_class=HTMLResponse, include_in_schema=False)
def application_page(request: Request, application_id: int, user: User = Depends(READER)):
    with session_scope() as session:
        app = api.scoped_application(session, user, application_id)
        ctx = _application_context(session, user, app)
        return render(request, "agreements/application.html", ctx, active="agreements")


@router.post(
    "/agreements/applications/{application_id}/events/{event}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def application_action(request: Request, application_id: int, event: str, user: User = Depends(READER)):
    form = await request.form()
    try:
        with session_scope() as session:
            api.run_application_event(session, user, application_id, event, event_from_form(form))
    except PAGE_ERRORS as exc:
        return _application_error(request, user, application_id, exc)
    return RedirectResponse(f"/agreements/applications/{application_id}?saved={event}", status_code=303)


def _application_error(request: Request, user: User, application_id: int, exc: FundguardError):
    with session_scope() as session:
        app = api.scoped_application(session, user, application_id)
        ctx = {**_application_context(session, user, app), "error": exc.message_zh}
        return render(
            request, "agreements/application.html", ctx, status_code=exc.http_status, active="agreements"
        )


# --- agreement detail --------------------------------------------------------------------------


def _history(session: Session, agreement_id: int) -> list[dict]:
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "agr_agreement", AuditEvent.entity_id == str(agreement_id))
        .order_by(AuditEvent.seq)
    )
    out = []
    for ev in rows:
        event = ev.action.removeprefix("agreement.")
        d = ev.detail or {}
        out.append(
            {
                "at": ev.occurred_at,
                "actor": ev.actor,
                "event": "签订服务协议" if event == "create" else EVENT_ZH.get(event, event),
                "change": (
                    f"{AGR_ZH.get(d.get('from'), d.get('from'))} → {AGR_ZH.get(d.get('to'), d.get('to'))}"
                    if d.get("to")
                    else f"{d.get('start_on', '')} 至 {d.get('end_on', '')}"
                ),
                "on": d.get("on", ""),
                "reason": d.get("reason", ""),
            }
        )
    return out


def _agreement_context(session: Session, user: User, agr: Agreement) -> dict:
    on = today()
    deadline = svc.renewal_deadline(session, agr)
    periods = [
        {
            "kind": INTERRUPTION_ZH.get(p.kind, p.kind),
            "start_on": p.start_on,
            "scheduled_end": p.scheduled_end,
            "ended_on": p.ended_on,
            "reason": p.reason,
            "end_reason": p.end_reason,
            "covers_end": p.start_on <= agr.end_on and (p.ended_on is None or agr.end_on < p.ended_on),
        }
        for p in svc.interruptions(session, agr.id)
    ]
    assessments = session.scalars(
        select(AnnualAssessment)
        .where(AnnualAssessment.fixmedins_code == agr.fixmedins_code)
        .order_by(AnnualAssessment.year.desc())
    ).all()
    name = _institution_names(session, [agr.fixmedins_code]).get(agr.fixmedins_code, "")
    return {
        "agr": agr,
        "name": name,
        "status_zh": AGR_ZH.get(agr.status, agr.status),
        "renewal_deadline": deadline,
        "renewal_moved": deadline != agr.end_on,
        "renewal_due_on": svc.renewal_due_on(session, agr),
        "renewal_overdue": svc.renewal_overdue(session, agr, on),
        "lead_months": get_profile()["agreement.renewal_apply_lead_months"],
        "periods": periods,
        "history": _history(session, agr.id),
        "assessments": assessments,
        "assessment_zh": ASSESSMENT_ZH,
        "dimensions": list(get_profile()["agreement.assessment_weights"]),
        "under_investigation": supervision.is_under_investigation(session, agr.fixmedins_code),
        "actions": _actions(user, agr.status, AGREEMENT_ACTIONS, access.INSTITUTION_AGREEMENT_EVENTS),
        "may_decide": access.may_decide(user),
        "on": on,
    }


@router.get("/agreements/{agreement_id}", response_class=HTMLResponse, include_in_schema=False)
def agreement_page(request: Request, agreement_id: int, user: User = Depends(READER)):
    with session_scope() as session:
        agr = api.scoped_agreement(session, user, agreement_id)
        return render(
            request, "agreements/agreement.html", _agreement_context(session, user, agr), active="agreements"
        )


def _agreement_error(request: Request, user: User, agreement_id: int, exc: FundguardError):
    with session_scope() as session:
        agr = api.scoped_agreement(session, user, agreement_id)
        ctx = {**_agreement_context(session, user, agr), "error": exc.message_zh}
        return render(
            request, "agreements/agreement.html", ctx, status_code=exc.http_status, active="agreements"
        )


@router.post(
    "/agreements/{agreement_id}/events/{event}", response_class=HTMLResponse, include_in_schema=False
)
async def agreement_action(request: Request, agreement_id: int, event: str, user: User = Depends(READER)):
    form = await request.form()
    try:
        with session_scope() as session:
            api.run_agreement_event(session, user, agreement_id, event, event_from_form(form))
    except PAGE_ERRORS as exc:
        return _agreement_error(request, user, agreement_id, exc)
    return RedirectResponse(f"/agreements/{agreement_id}?saved={event}", status_code=303)


@router.post("/agreements/{agreement_id}/assessments", response_class=HTMLResponse, include_in_schema=False)
async def assessment_action(request: Request, agreement_id: int, user: User = Depends(READER)):
    form = await request.form()
    try:
        with session_scope() as session:
            agr = api.scoped_agreement(session, user, agreement_id)
            access.require_decider(user)
            year = form.get("year") or ""
            if not year.isdigit():
                raise InputError("ASSESSMENT_YEAR", "请填写考核年度", "year required", "year")
            scores = {}
            for key in get_profile()["agreement.assessment_weights"]:
                try:
                    scores[key] = float(form.get(key) or "")
                except ValueError:
                    label = ASSESSMENT_ZH.get(key, key)
                    raise InputError(
                        "ASSESSMENT_SCORE", f"请填写“{label}”得分", "score required", key
                    ) from None
            svc.record_annual_assessment(
                session, agr.fixmedins_code, int(year), scores, _date(form.get("on")), actor=user.username
            )
    except PAGE_ERRORS as exc:
        return _agreement_error(request, user, agreement_id, exc)
    return RedirectResponse(f"/agreements/{agreement_id}?saved=assessment", status_code=303)
