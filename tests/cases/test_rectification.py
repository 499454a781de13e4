"""问题销号 (domain.md §2g): numbered problems, deadlines, submissions, close-out, re-rectification, overdue."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from fundguard.cases import rectification as rect
from fundguard.cases.statemachine import Actor
from fundguard.db import session_scope
from fundguard.errors import Conflict, Forbidden, InputError

INSPECTOR = Actor.of("检查员赵", "inspector", region="320400")
UNIT = Actor.of("某医院医保办", "institution_user")
SYSTEM = Actor.of("system", "admin")
D0 = date(2026, 4, 1)

LEGAL = {
    ("REGISTERED", "notify"): "RECTIFYING",
    ("RECTIFYING", "submit"): "SUBMITTED",
    ("RE_RECTIFYING", "submit"): "SUBMITTED",
    ("OVERDUE", "submit"): "SUBMITTED",
    ("RECTIFYING", "mark_overdue"): "OVERDUE",
    ("RE_RECTIFYING", "mark_overdue"): "OVERDUE",
    ("SUBMITTED", "close"): "CLOSED",
    ("RE_RECTIFYING", "close"): "CLOSED",
    ("SUBMITTED", "reopen"): "RE_RECTIFYING",
}
PAIRS = [(s, e) for s in rect.STATES for e in rect.PROBLEM_MACHINE.transitions]


@pytest.mark.parametrize(("state", "event"), sorted(LEGAL))
def test_legal_problem_transition(state, event):
    assert rect.PROBLEM_MACHINE.check(state, event, SYSTEM).target == LEGAL[(state, event)]


@pytest.mark.parametrize(("state", "event"), [p for p in PAIRS if p not in LEGAL])
def test_illegal_problem_transition_is_a_conflict(state, event):
    with pytest.raises(Conflict):
        rect.PROBLEM_MACHINE.check(state, event, SYSTEM)


def register(session, institution="H32040100001", evidence=("整改报告",), today=D0):
    return rect.register(
        session,
        INSPECTOR,
        region="320400",
        institution_code=institution,
        description="住院病历书写不规范",
        source_type="inspection",
        source_id="JC-2026-01",
        required_evidence=list(evidence),
        today=today,
    )


def test_problem_numbers_run_per_region_and_year(session):
    a, b = register(session), register(session)
    c = register(session, today=date(2027, 1, 2))
    assert (a.problem_no, b.problem_no, c.problem_no) == (
        "320400-2026-0001",
        "320400-2026-0002",
        "320400-2027-0001",
    )


def test_notice_sets_a_thirty_day_deadline(session):
    item = register(session)
    rect.notify(session, item.id, INSPECTOR, today=D0)
    assert item.status == "RECTIFYING"
    assert item.deadline == date(2026, 5, 1)
    assert item.revisit_due == date(2026, 5, 1)


def test_submission_needs_every_required_evidence(session):
    item = register(session, evidence=("整改报告", "培训签到表"))
    rect.notify(session, item.id, INSPECTOR, today=D0)
    with pytest.raises(InputError) as err:
        rect.submit(session, item.id, UNIT, plan="加强培训", attachments=[("整改报告", "report.pdf", b"r")])
    assert "培训签到表" in err.value.message_zh


def test_institution_submits_and_inspector_closes(session):
    item = register(session)
    rect.notify(session, item.id, INSPECTOR, today=D0)
    sub = rect.submit(
        session,
        item.id,
        UNIT,
        plan="修订病历制度",
        attachments=[("整改报告", "report.pdf", b"report")],
        today=date(2026, 4, 20),
    )
    assert not sub.late
    assert rect.read_attachment(session, item.id, sub.attachments[0]["sha256"]) == b"report"
    rect.close(session, item.id, INSPECTOR, "回访：已全部整改")
    assert item.status == "CLOSED"
    assert item.closed_by == INSPECTOR.name
    assert rect.latest_submission(session, item.id).review == "CLOSED"


def test_partly_fixed_goes_back_with_a_fifteen_day_recheck(session):
    item = register(session)
    rect.notify(session, item.id, INSPECTOR, today=D0)
    rect.submit(session, item.id, UNIT, plan="p", attachments=[("整改报告", "r.pdf", b"r")])
    rect.reopen(session, item.id, INSPECTOR, "仍有病历缺页", today=date(2026, 5, 1))
    assert item.status == "RE_RECTIFYING"
    assert item.deadline == date(2026, 5, 16)
    assert item.round == 2
    rect.close(session, item.id, INSPECTOR, "复查：已全部整改")
    assert item.status == "CLOSED"


def test_only_the_institution_submits_and_only_inspectors_close(session):
    item = register(session)
    rect.notify(session, item.id, INSPECTOR, today=D0)
    with pytest.raises(Forbidden):
        rect.submit(session, item.id, INSPECTOR, plan="p", attachments=[("整改报告", "r.pdf", b"r")])
    rect.submit(session, item.id, UNIT, plan="p", attachments=[("整改报告", "r.pdf", b"r")])
    with pytest.raises(Forbidden):
        rect.close(session, item.id, UNIT, "自己销号")


def test_closing_a_problem_twice_is_a_conflict(session):
    item = register(session)
    rect.notify(session, item.id, INSPECTOR, today=D0)
    rect.submit(session, item.id, UNIT, plan="p", attachments=[("整改报告", "r.pdf", b"r")])
    rect.close(session, item.id, INSPECTOR, "ok")
    with pytest.raises(Conflict):
        rect.close(session, item.id, INSPECTOR, "ok")


def test_overdue_sweep_escalation_and_late_submission(session):
    late, done = register(session), register(session)
    for item in (late, done):
        rect.notify(session, item.id, INSPECTOR, today=D0)
    rect.submit(session, done.id, UNIT, plan="p", attachments=[("整改报告", "r.pdf", b"r")])
    assert rect.sweep_overdue(session, SYSTEM, today=date(2026, 5, 1)) == []
    assert [i.id for i in rect.sweep_overdue(session, SYSTEM, today=date(2026, 5, 2))] == [late.id]
    assert late.status == "OVERDUE"
    rect.escalate(session, late.id, INSPECTOR, "通报批评")
    with pytest.raises(InputError):
        rect.escalate(session, late.id, INSPECTOR, "罚款")
    with pytest.raises(Conflict):
        rect.escalate(session, done.id, INSPECTOR, "通报批评")
    sub = rect.submit(session, late.id, UNIT, plan="p", attachments=[("整改报告", "r.pdf", b"r")])
    assert sub.late
    assert late.escalations[0]["measure"] == "通报批评"


def test_board_counts_open_overdue_and_closed_per_institution(session):
    a1, a2, b1 = register(session, "H1"), register(session, "H1"), register(session, "H2")
    for item in (a1, a2, b1):
        rect.notify(session, item.id, INSPECTOR, today=D0)
    rect.submit(session, a1.id, UNIT, plan="p", attachments=[("整改报告", "r.pdf", b"r")])
    rect.close(session, a1.id, INSPECTOR, "ok")
    rect.sweep_overdue(session, SYSTEM, today=date(2026, 6, 1))
    board = {r["institution_code"]: r for r in rect.board(session)}
    assert board["H1"] == {"institution_code": "H1", "open": 1, "overdue": 1, "closed": 1, "closed_rate": 0.5}
    assert board["H2"]["overdue"] == 1 and board["H2"]["closed"] == 0


def test_concurrent_registration_never_reuses_a_number(store):
    numbers: list[str] = []
    errors: list[Exception] = []

    def worker():
        try:
            for _ in range(5):
                with session_scope() as s:
                    numbers.append(register(s).problem_no)
        except Exception as exc:  # noqa: BLE001 — surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == 20 and len(set(numbers)) == 20
