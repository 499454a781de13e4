"""飞行检查 (domain.md §2e.2): targets ranked by risk, focus departments, checklist, the 7 steps,
on-site records and findings handed to the cases domain as clue requests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fundguard.errors import Conflict, InputError
from fundguard.inspections import clues, flight
from fundguard.inspections.states import FLIGHT_TRANSITIONS

ON = date(2026, 3, 2)
RISK = [
    ("H3", 0.62, ["骨科住院率高于同级同类"]),
    ("H1", 0.91, ["ICU在床人数与登记不符"]),
    ("H2", 0.91, ["超声检查率异常"]),
    ("H4", 0.10, []),
]


def test_plan_ranks_targets_by_risk_with_focus_departments_and_checklist(session):
    plan = flight.create_plan(session, "2026年第一批飞行检查", RISK, ON, top_n=3)
    targets = flight.targets(session, plan.id)
    assert [(t.fixmedins_code, t.rank) for t in targets] == [("H1", 1), ("H2", 2), ("H3", 3)]
    assert targets[0].focus_departments == ["麻醉", "重症医学", "肿瘤", "精神", "透析", "康复"]
    assert any("重症医学" in item for item in targets[0].checklist)
    assert targets[0].reasons == ["ICU在床人数与登记不符"]


def test_an_empty_risk_list_gives_no_plan(session):
    with pytest.raises(InputError):
        flight.create_plan(session, "空", [], ON)


STEPS = ["form_team", "make_scheme", "enter_site", "check_materials", "report", "handle"]
STATES = [
    "TARGET_SELECTED",
    "TEAM_FORMED",
    "PLAN_MADE",
    "ON_SITE",
    "MATERIALS_CHECKED",
    "REPORTED",
    "HANDLED",
]


def _advance(session, plan_id, event):
    return flight.advance(session, plan_id, event, ON, team=["I1", "I2"], scheme="四不两直，直奔ICU")


@pytest.mark.parametrize("event", STEPS)
def test_each_flight_step_moves_only_from_the_previous_step(session, event):
    allowed, target = FLIGHT_TRANSITIONS[event]
    for state in STATES:
        plan = flight.create_plan(session, "飞检", RISK, ON)
        for step in STEPS[: STATES.index(state)]:
            _advance(session, plan.id, step)
        if state in allowed:
            assert _advance(session, plan.id, event).status == target
        else:
            with pytest.raises(Conflict):
                _advance(session, plan.id, event)


def test_flight_team_needs_two_inspectors(session):
    plan = flight.create_plan(session, "飞检", RISK, ON)
    with pytest.raises(InputError):
        flight.advance(session, plan.id, "form_team", ON, team=["I1"])


def test_on_site_records_and_findings_become_clue_requests(session):
    plan = flight.create_plan(session, "飞检", RISK, ON, top_n=1)
    (target,) = flight.targets(session, plan.id)
    with pytest.raises(Conflict):
        flight.add_record(session, target.id, "重症医学", "在床核对", ON)
    for step in STEPS[:3]:
        _advance(session, plan.id, step)
    flight.add_record(
        session, target.id, "重症医学", "在床12人，系统登记18人", ON, evidence=["监控录像 2026-03-02 09:00"]
    )
    clue = flight.record_finding(
        session,
        target.id,
        "虚记ICU住院6人次",
        Decimal("86000.50"),
        ON,
        category="PHANTOM",
        evidence=["病历复印件"],
    )
    assert (clue.source_type, clue.fixmedins_code, clue.amount, clue.status) == (
        "flight_inspection",
        "H1",
        Decimal("86000.50"),
        "PENDING",
    )
    assert clues.pending_clues(session) == [clue]
    clues.mark_taken(session, clue.id, "CLUE-2026-001")
    assert clues.pending_clues(session) == []
    with pytest.raises(Conflict):
        clues.mark_taken(session, clue.id, "CLUE-2026-002")
