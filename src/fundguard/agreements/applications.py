"""定点申请 designation application: the admission workflow of domain.md §2b with its deadlines.

Every step's deadline is on the working-day calendar (``calendar_admin.service.calendar``) and
stored on the step (``ApplicationStep.due_on``); ``is_overdue`` flags a step still open after it.
Deadlines: missing-materials notice 5 wd after receipt; initial evaluation 20 wd after acceptance;
network test 20 wd after the test application; retest not before 10 wd after a failure; public
notice covers 5 working days from its first day; signing within 10 wd after the notice ends (the
clock stops while a complaint is verified); publication within 10 wd after signing.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.agreements import exclusions
from fundguard.agreements.models import Application, ApplicationStep, Complaint, Evaluation
from fundguard.agreements.states import APP_TRANSITIONS, APP_ZH, target_state
from fundguard.auth import service as audit
from fundguard.calendar_admin.service import calendar
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.profiles import get_profile

APP_TYPES = {
    "MEDICAL": "医疗机构",
    "PHARMACY": "零售药店",
    "INTERNET": "互联网医院（依托实体机构）",
    "THIRD_PARTY": "第三方服务机构",
}
CHANNELS = {"ONLINE": "线上", "OFFLINE": "线下"}


def _p(key: str):
    return get_profile()[f"agreement.{key}"]


def get(session: Session, application_id: int) -> Application:
    app = session.get(Application, application_id)
    if app is None:
        raise NotFound(
            "APPLICATION_NOT_FOUND",
            f"申请 {application_id} 不存在",
            f"application {application_id} not found",
        )
    return app


def _move(
    session: Session,
    app: Application,
    event: str,
    on: date,
    actor: str,
    due: date | None = None,
    note: str = "",
) -> Application:
    target = target_state(APP_TRANSITIONS, APP_ZH, app.status, event, "定点申请")
    open_step = session.scalars(
        select(ApplicationStep).where(
            ApplicationStep.application_id == app.id, ApplicationStep.left_on.is_(None)
        )
    ).first()
    if open_step is not None:
        open_step.left_on = on
    before = app.status
    app.status = target
    app.due_on = due
    session.add(
        ApplicationStep(
            application_id=app.id, status=target, entered_on=on, due_on=due, actor=actor, note=note
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        f"agreement.application.{event}",
        "agr_application",
        str(app.id),
        {
            "from": before,
            "to": target,
            "on": on.isoformat(),
            "due_on": due.isoformat() if due else None,
            "note": note,
        },
    )
    return app


def submit(
    session: Session,
    applicant_name: str,
    uscc: str,
    app_type: str,
    channel: str,
    persons: list[dict],
    materials: list[str],
    on: date,
    fixmedins_code: str | None = None,
    admdvs: str = "",
    actor: str = "system",
) -> Application:
    """Receive an application (SUBMITTED); excluded or locked applicants are refused (``Conflict``)."""
    if app_type not in APP_TYPES:
        raise InputError(
            "APPLICATION_TYPE", f"未知申请类型 {app_type}", f"unknown type {app_type}", "app_type"
        )
    if channel not in CHANNELS:
        raise InputError(
            "APPLICATION_CHANNEL", f"未知申请渠道 {channel}", f"unknown channel {channel}", "channel"
        )
    exclusions.check_can_apply(session, uscc, persons, on)
    due = calendar(session).add_working_days(on, int(_p("missing_materials_notice_wd")))
    app = Application(
        applicant_name=applicant_name,
        uscc=uscc,
        fixmedins_code=fixmedins_code,
        app_type=app_type,
        channel=channel,
        admdvs=admdvs,
        status="SUBMITTED",
        persons=persons,
        materials=materials,
        submitted_on=on,
        due_on=due,
        network_tests=0,
        reasons="",
    )
    session.add(app)
    session.flush()
    session.add(
        ApplicationStep(application_id=app.id, status="SUBMITTED", entered_on=on, due_on=due, actor=actor)
    )
    session.flush()
    audit.record(
        session, actor, "agreement.application.submit", "agr_application", str(app.id), {"uscc": uscc}
    )
    return app


def request_materials(
    session: Session, application_id: int, missing: list[str], on: date, actor: str = "system"
):
    """一次性告知: one notice listing everything missing."""
    if not missing:
        raise InputError("MATERIALS_EMPTY", "一次性告知须列明全部缺少的材料", "list the missing materials")
    return _move(
        session, get(session, application_id), "request_materials", on, actor, note="；".join(missing)
    )


def resubmit(session: Session, application_id: int, materials: list[str], on: date, actor: str = "system"):
    app = get(session, application_id)
    due = calendar(session).add_working_days(on, int(_p("missing_materials_notice_wd")))
    _move(session, app, "resubmit", on, actor, due)
    app.materials = list(app.materials) + list(materials)
    session.flush()
    return app


def accept(session: Session, application_id: int, on: date, actor: str = "system"):
    app = get(session, application_id)
    due = calendar(session).add_working_days(on, int(_p("initial_eval_max_wd")))
    _move(session, app, "accept", on, actor, due)
    app.accepted_on = on
    return app


def start_initial_evaluation(session: Session, application_id: int, on: date, actor: str = "system"):
    app = get(session, application_id)
    return _move(session, app, "start_initial_eval", on, actor, app.due_on)


def _evaluation(session, app, stage, attempt, passed, reasons, on, evaluator, mode) -> None:
    if not passed and not reasons.strip():
        raise InputError(
            "EVALUATION_REASONS", "评估不合格须说明理由", "a failed evaluation needs reasons", "reasons"
        )
    session.add(
        Evaluation(
            application_id=app.id,
            stage=stage,
            attempt_no=attempt,
            passed=passed,
            reasons=reasons,
            evaluator=evaluator,
            mode=mode,
            notified_on=on,
        )
    )
    app.reasons = reasons


def record_initial_result(
    session: Session,
    application_id: int,
    passed: bool,
    on: date,
    reasons: str = "",
    evaluator: str = "",
    mode: str = "WRITTEN",
    actor: str = "system",
) -> Application:
    """初次评估结果; a FAIL locks reapplication for ``agreement.reapply_lock_months``."""
    app = get(session, application_id)
    target_state(
        APP_TRANSITIONS, APP_ZH, app.status, "initial_pass" if passed else "initial_fail", "定点申请"
    )
    _evaluation(session, app, "INITIAL", 1, passed, reasons, on, evaluator, mode)
    if passed:
        return _move(session, app, "initial_pass", on, actor)
    app.reapply_allowed_on = on + relativedelta(months=int(_p("reapply_lock_months")))
    return _move(session, app, "initial_fail", on, actor, note=reasons)


def start_setup(session: Session, application_id: int, on: date, actor: str = "system"):
    return _move(session, get(session, application_id), "start_setup", on, actor)


def request_network_test(session: Session, application_id: int, on: date, actor: str = "system"):
    """联网测试申请; after a failure only from ``retest_allowed_on`` (``retest_wait_wd`` later)."""
    app = get(session, application_id)
    if app.status == "TEST_FAILED_1" and app.retest_allowed_on and on < app.retest_allowed_on:
        raise Conflict(
            "RETEST_LOCKED",
            f"联网测试未通过，{app.retest_allowed_on.isoformat()} 起方可再次申请测试",
            f"retest not before {app.retest_allowed_on}",
        )
    due = calendar(session).add_working_days(on, int(_p("network_test_max_wd")))
    return _move(session, app, "request_network_test", on, actor, due)


def start_network_test(session: Session, application_id: int, on: date, actor: str = "system"):
    app = get(session, application_id)
    return _move(session, app, "start_network_test", on, actor, app.due_on)


def record_network_test(
    session: Session,
    application_id: int,
    passed: bool,
    on: date,
    reasons: str = "",
    evaluator: str = "",
    actor: str = "system",
) -> Application:
    """Test result: PASS → QUALIFIED; FAIL with tests left → TEST_FAILED_1 (retest after
    ``retest_wait_wd``); FAIL at ``max_network_tests`` → TEST_FAILED_2 → EVAL_FAILED (reapply lock)."""
    app = get(session, application_id)
    attempt = app.network_tests + 1
    final = attempt >= int(_p("max_network_tests"))
    event = "test_pass" if passed else ("test_fail_final" if final else "test_fail_retry")
    target_state(APP_TRANSITIONS, APP_ZH, app.status, event, "定点申请")
    _evaluation(session, app, "NETWORK_TEST", attempt, passed, reasons, on, evaluator, "ON_SITE")
    app.network_tests = attempt
    if passed:
        return _move(session, app, "test_pass", on, actor)
    if not final:
        app.retest_allowed_on = calendar(session).add_working_days(on, int(_p("retest_wait_wd")))
        return _move(session, app, "test_fail_retry", on, actor, note=reasons)
    _move(session, app, "test_fail_final", on, actor, note=reasons)
    app.reapply_allowed_on = on + relativedelta(months=int(_p("reapply_lock_months")))
    return _move(session, app, "fail_evaluation", on, actor, note="第二次联网测试未通过，评估不合格")


def file_result(session: Session, application_id: int, on: date, actor: str = "system"):
    """备案: the qualified result is filed with the administrative department and the city agency."""
    return _move(session, get(session, application_id), "file", on, actor)


def notice_end(session: Session, start: date) -> date:
    """Last day of a notice covering ``public_notice_wd`` working days from ``start`` (inclusive)."""
    return calendar(session).add_working_days(start - timedelta(days=1), int(_p("public_notice_wd")))


def start_public_notice(session: Session, application_id: int, on: date, actor: str = "system"):
    app = get(session, application_id)
    end = notice_end(session, on)
    app.notice_start_on, app.notice_end_on = on, end
    return _move(session, app, "start_public_notice", on, actor, sign_due(session, app))


def receive_complaint(session: Session, application_id: int, content: str, on: date, actor: str = "system"):
    """公示期投诉: blocks signing until verified (``complaint_verification_max_wd``)."""
    app = get(session, application_id)
    if app.status == "PUBLIC_NOTICE" and app.notice_end_on and on > app.notice_end_on:
        raise Conflict(
            "NOTICE_ENDED", f"公示期已于 {app.notice_end_on.isoformat()} 结束", "public notice has ended"
        )
    due = calendar(session).add_working_days(on, int(_p("complaint_verification_max_wd")))
    _move(session, app, "receive_complaint", on, actor, due, note=content)
    complaint = Complaint(
        application_id=app.id, received_on=on, content=content, due_on=due, result="VERIFYING"
    )
    session.add(complaint)
    session.flush()
    return complaint


def resolve_complaint(
    session: Session, complaint_id: int, founded: bool | None, on: date, actor: str = "system"
) -> Application:
    """founded=True (属实) or None (无法核实) → NOT_SIGNED; False (不属实) → back to PUBLIC_NOTICE."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound("COMPLAINT_NOT_FOUND", f"投诉 {complaint_id} 不存在", "complaint not found")
    app = get(session, complaint.application_id)
    if complaint.result != "VERIFYING":
        raise Conflict("COMPLAINT_RESOLVED", "该投诉已有核实结论", "complaint already resolved")
    complaint.result = {True: "FOUNDED", False: "UNFOUNDED", None: "UNVERIFIABLE"}[founded]
    complaint.resolved_on = on
    if founded is False:
        session.flush()
        return _move(
            session, app, "clear_complaint", on, actor, sign_due(session, app), note="投诉经核实不属实"
        )
    return _move(session, app, "uphold_complaint", on, actor, note="投诉属实或无法核实，不予签约")


def sign_due(session: Session, app: Application) -> date:
    """Notice end + ``sign_within_wd``, plus the working days spent verifying cleared complaints."""
    cal = calendar(session)
    stopped = sum(
        cal.working_days_between(c.received_on, c.resolved_on)
        for c in session.scalars(select(Complaint).where(Complaint.application_id == app.id))
        if c.resolved_on is not None
    )
    return cal.add_working_days(app.notice_end_on, int(_p("sign_within_wd")) + stopped)


def start_negotiation(session: Session, application_id: int, on: date, actor: str = "system"):
    app = get(session, application_id)
    target_state(APP_TRANSITIONS, APP_ZH, app.status, "start_negotiation", "定点申请")
    if on <= app.notice_end_on:
        raise Conflict(
            "NOTICE_NOT_ENDED",
            f"公示期至 {app.notice_end_on.isoformat()} 结束，期满后方可协商签约",
            "notice not ended",
        )
    return _move(session, app, "start_negotiation", on, actor, sign_due(session, app))


def mark_signed(session: Session, application_id: int, agreement_id: int, on: date, actor: str = "system"):
    app = get(session, application_id)
    due = calendar(session).add_working_days(on, int(_p("publish_within_wd")))
    _move(session, app, "sign", on, actor, due)
    app.signed_on, app.agreement_id = on, agreement_id
    session.flush()
    return app


def waive(session: Session, application_id: int, on: date, reason: str = "", actor: str = "system"):
    """视同自动放弃: not signed in time through the institution's own fault."""
    return _move(session, get(session, application_id), "waive", on, actor, note=reason)


def publish(session: Session, application_id: int, on: date, actor: str = "system"):
    return _move(session, get(session, application_id), "publish", on, actor)


def is_overdue(app: Application, on: date) -> bool:
    """True while the current step is open after its deadline."""
    return app.due_on is not None and on > app.due_on


def overdue(session: Session, on: date) -> list[Application]:
    rows = session.scalars(
        select(Application).where(Application.due_on.is_not(None), Application.due_on < on)
    )
    return list(rows)


def steps(session: Session, application_id: int) -> list[ApplicationStep]:
    return list(
        session.scalars(
            select(ApplicationStep)
            .where(ApplicationStep.application_id == application_id)
            .order_by(ApplicationStep.id)
        )
    )
