"""Drive a designation application into any state of the §2b workflow (for the transition tests)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from fundguard.agreements import service
from fundguard.agreements.models import Complaint

PERSONS = [{"role": "LEGAL_REP", "name": "王建国", "certno": "320401197001011234"}]

# Path from a fresh submission to each resting state (event names of ``states.APP_TRANSITIONS``).
_BASE = ["accept", "start_initial_eval"]
_TEST = [*_BASE, "initial_pass", "start_setup", "request_network_test", "start_network_test"]
_QUAL = [*_TEST, "test_pass", "file", "start_public_notice"]
PATHS: dict[str, list[str]] = {
    "SUBMITTED": [],
    "MATERIALS_REQUESTED": ["request_materials"],
    "ACCEPTED": ["accept"],
    "INITIAL_EVAL": _BASE,
    "INITIAL_FAILED": [*_BASE, "initial_fail"],
    "INITIAL_PASSED": [*_BASE, "initial_pass"],
    "SETUP": [*_BASE, "initial_pass", "start_setup"],
    "NETWORK_TEST_REQUESTED": _TEST[:-1],
    "NETWORK_TEST": _TEST,
    "TEST_FAILED_1": [*_TEST, "test_fail"],
    "NETWORK_TEST_2": [*_TEST, "test_fail", "request_network_test", "start_network_test"],
    "EVAL_FAILED": [*_TEST, "test_fail", "request_network_test", "start_network_test", "test_fail"],
    "QUALIFIED": [*_TEST, "test_pass"],
    "FILED": [*_TEST, "test_pass", "file"],
    "PUBLIC_NOTICE": _QUAL,
    "COMPLAINT_VERIFYING": [*_QUAL, "receive_complaint"],
    "NOT_SIGNED": [*_QUAL, "receive_complaint", "uphold_complaint"],
    "NEGOTIATING": [*_QUAL, "start_negotiation"],
    "SIGNED": [*_QUAL, "start_negotiation", "sign"],
    "WAIVED": [*_QUAL, "start_negotiation", "waive"],
    "PUBLISHED": [*_QUAL, "start_negotiation", "sign", "publish"],
}
STEP = timedelta(days=15)


def fire(session, app_id: int, event: str, on: date):
    """Call the service function behind one workflow event."""
    s = service
    if event in {"clear_complaint", "uphold_complaint"}:
        complaint = session.scalars(
            select(Complaint).where(Complaint.application_id == app_id).order_by(Complaint.id.desc())
        ).first()
        return s.resolve_complaint(session, complaint.id, event == "uphold_complaint", on)
    calls = {
        "request_materials": lambda: s.request_materials(session, app_id, ["医疗机构执业许可证副本"], on),
        "resubmit": lambda: s.resubmit(session, app_id, ["医疗机构执业许可证副本"], on),
        "accept": lambda: s.accept(session, app_id, on),
        "start_initial_eval": lambda: s.start_initial_evaluation(session, app_id, on),
        "initial_pass": lambda: s.record_initial_result(session, app_id, True, on),
        "initial_fail": lambda: s.record_initial_result(
            session, app_id, False, on, reasons="科室设置不符合评估细则"
        ),
        "start_setup": lambda: s.start_setup(session, app_id, on),
        "request_network_test": lambda: s.request_network_test(session, app_id, on),
        "start_network_test": lambda: s.start_network_test(session, app_id, on),
        "test_pass": lambda: s.record_network_test(session, app_id, True, on),
        "test_fail": lambda: s.record_network_test(
            session, app_id, False, on, reasons="结算接口报文校验失败"
        ),
        "file": lambda: s.file_result(session, app_id, on),
        "start_public_notice": lambda: s.start_public_notice(session, app_id, on),
        "receive_complaint": lambda: s.receive_complaint(session, app_id, "群众反映该机构无执业医师坐诊", on),
        "start_negotiation": lambda: s.start_negotiation(session, app_id, on),
        "sign": lambda: s.sign(session, app_id, f"H{app_id:05d}", on),
        "waive": lambda: s.waive(session, app_id, on, "逾期未签订"),
        "publish": lambda: s.publish(session, app_id, on),
    }
    return calls[event]()


_counter = iter(range(1, 10**6))


def new_application(session, on: date, uscc: str | None = None):
    n = next(_counter)
    return service.submit(
        session, f"测试诊所{n}", uscc or f"91320400MA{n:08d}", "MEDICAL", "ONLINE", PERSONS, ["申请表"], on
    )


def next_on(event: str, last: date) -> date:
    """When a test fires ``event`` after the step on ``last`` (complaints arrive during the notice)."""
    return last if event == "receive_complaint" else last + STEP


def drive(session, state: str, start: date = date(2026, 3, 2)):
    """A new application brought to ``state``; returns (application, date of its last step)."""
    app = new_application(session, start)
    on = start
    for event in PATHS[state]:
        on = next_on(event, on)
        fire(session, app.id, event, on)
    return app, on
