"""The procedure timeline shown on the case page, the case's region and the calculator's case facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fundguard.calendar_admin import service as calendar_admin
from fundguard.cases import machine as m
from fundguard.cases import procedure, service
from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict, Forbidden, InputError
from fundguard.masterdata.models import Institution

HANDLER = Actor.of("办案员王", "case_handler", region="3204")
MON = date(2026, 3, 2)


def new_case(session, institution="H32040100001", actor=HANDLER):
    return service.create(
        session, actor, title="虚构诊疗", actor_type="unit", amount=Decimal("20000"),
        institution_code=institution, facts={"kind": "fraud"},
    )  # fmt: skip


def by_key(case, session, major=None, on=MON):
    return {s.key: s for s in procedure.timeline(case, service.steps(session, case.id), major, on)}


def test_timeline_marks_done_current_and_overdue_steps_with_their_deadlines(session):
    case = new_case(session)
    steps = by_key(case, session)
    assert steps["register"].state == "done" and steps["verify"].state == "current"
    assert steps["file"].due is None and steps["legal_review"].state == "pending"
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    steps = by_key(case, session)
    assert steps["verify"].state == "done" and steps["verify"].done_by == "办案员王"
    assert steps["file"].state == "current" and steps["file"].due == case.step_deadline == date(2026, 3, 23)
    assert steps["file"].owner == "办案人员（王）" and "15个工作日" in steps["file"].due_rule
    late = by_key(case, session, on=date(2026, 3, 24))["file"]
    assert late.overdue
    assert not by_key(case, session, on=date(2026, 3, 23))["file"].overdue
    service.file_case(session, case.id, HANDLER, "达到立案标准", today=MON)
    steps = by_key(case, session, major=False)
    assert steps["investigate"].due == case.decision_due == date(2026, 5, 31)
    assert steps["legal_review"].state == steps["discussion"].state == "skipped"  # not a major decision


def test_no_case_skips_the_rest_of_the_procedure(session):
    case = new_case(session)
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    service.close_no_case(session, case.id, HANDLER, "证据不足", today=MON)
    steps = by_key(case, session)
    assert steps["file"].state == "skipped" and steps["archive"].state == "skipped"


def test_prelim_deadline_honours_the_administrators_calendar_overrides(session):
    calendar_admin.set_override(session, date(2026, 3, 3), False, "临时调休")
    case = new_case(session)
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    assert case.step_deadline == date(2026, 3, 24)  # one working day less in the week
    assert m.prelim_deadline(MON) == date(2026, 3, 23)  # the package calendar alone


def test_case_region_comes_from_the_institution_and_must_lie_in_the_actors_region(session):
    session.add(
        Institution(fixmedins_code="H32040001", fixmedins_name="一院", fixmedins_type="1", admdvs="320402")
    )
    session.add(
        Institution(fixmedins_code="H32050001", fixmedins_name="苏州", fixmedins_type="1", admdvs="320502")
    )
    session.flush()
    assert new_case(session, "H32040001").region == "320402"
    assert new_case(session, "H99999999").region == "3204"  # not on file: the actor's region
    with pytest.raises(Forbidden):
        new_case(session, "H32050001")


def test_case_facts_feed_the_calculator_until_the_decision(session):
    case = new_case(session)
    service.update_facts(session, case.id, HANDLER, kind="improper_use", repeat_offence=True)
    proposal = service.propose_penalty(session, case.id)
    assert proposal.article == 38 and proposal.fine_suggested == Decimal("40000.00")
    with pytest.raises(InputError):
        service.update_facts(session, case.id, HANDLER, kind="rumour")
    with pytest.raises(InputError):
        service.update_facts(session, case.id, HANDLER, amount="1")
    case.status = "DECIDED"
    with pytest.raises(Conflict):
        service.update_facts(session, case.id, HANDLER, kind="fraud")
