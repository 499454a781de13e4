"""双随机 teams with 回避 (domain.md §2e.1, §4.3) and the inspection state machine
PLANNED → DRAWN → TEAM_ASSIGNED → ON_SITE → RECORDED → REPORTED → DISPOSED → PUBLISHED → CLOSED."""

from __future__ import annotations

from datetime import date

import pytest

from fundguard.credit import service as credit
from fundguard.disclosure import service as disclosure
from fundguard.errors import Conflict, InputError
from fundguard.inspections import service
from fundguard.inspections.states import INSPECTION_TRANSITIONS

ON = date(2026, 1, 5)


def _setup(session, inspectors=4, targets=3):
    for i in range(targets):
        service.add_target(session, f"H{i:04d}", f"医院{i}", "1", "3", "320400")
    ids = [
        service.add_inspector(session, f"I{i:03d}", f"检查员{i}", enforcement_cert=f"ZF{i}").id
        for i in range(inspectors)
    ]
    plan = service.create_plan(session, "2026Q1", ON)
    service.draw_targets(session, plan.id, ON, seed=11)
    return plan, ids


def test_teams_have_at_least_two_inspectors_drawn_reproducibly(session):
    plan, _ = _setup(session)
    row = service.assign_teams(session, plan.id, ON, seed=5)
    assert plan.status == "TEAM_ASSIGNED"
    assert all(
        len(i.team) == 2 and i.status == "TEAM_ASSIGNED" for i in service.inspections(session, plan.id)
    )
    assert service.replay(session, row.id).equal


def test_a_team_smaller_than_the_minimum_is_refused(session):
    plan, _ = _setup(session)
    with pytest.raises(InputError):
        service.assign_teams(session, plan.id, ON, team_size=1)


def test_inspector_who_worked_at_the_institution_within_three_years_is_not_sent(session):
    plan, ids = _setup(session, inspectors=3, targets=1)
    service.add_affiliation(session, ids[0], "H0000", date(2015, 1, 1), date(2023, 1, 6))
    service.add_affiliation(session, ids[1], "H0000", date(2010, 1, 1), date(2023, 1, 5))
    service.assign_teams(session, plan.id, ON, seed=1)
    (insp,) = service.inspections(session, plan.id)
    assert insp.team == ["I001", "I002"]


def test_inspector_with_a_declared_relation_or_current_post_is_not_sent(session):
    plan, ids = _setup(session, inspectors=4, targets=1)
    service.declare_relation(session, ids[0], "H0000", "配偶在该院任职", date(2025, 12, 1))
    service.add_affiliation(session, ids[1], "H0000", date(2025, 1, 1), None)
    service.assign_teams(session, plan.id, ON, seed=1)
    (insp,) = service.inspections(session, plan.id)
    assert insp.team == ["I002", "I003"]


def test_too_few_inspectors_after_conflict_exclusion_is_a_conflict(session):
    plan, ids = _setup(session, inspectors=2, targets=1)
    service.declare_relation(session, ids[0], "H0000", "近亲属在该院任职", date(2025, 12, 1))
    with pytest.raises(Conflict) as err:
        service.assign_teams(session, plan.id, ON)
    assert "回避" in err.value.message_zh


def _steps(session, insp_id):
    return {
        "start_on_site": lambda: service.start_on_site(session, insp_id, ON),
        "record": lambda: service.record(
            session, insp_id, "抽查病历30份，发现超范围用药", "院长 赵六", True, ON
        ),
        "report": lambda: service.report(session, insp_id, "存在超范围用药，建议限期整改", ON),
        "dispose": lambda: service.dispose(session, insp_id, "RECTIFICATION", ON),
        "publish": lambda: service.publish_result(session, insp_id, ON),
        "close": lambda: service.close(session, insp_id, ON),
    }


ORDER = ["start_on_site", "record", "report", "dispose", "publish", "close"]
STATES = ["TEAM_ASSIGNED", "ON_SITE", "RECORDED", "REPORTED", "DISPOSED", "PUBLISHED", "CLOSED"]


@pytest.mark.parametrize("event", ORDER)
def test_each_inspection_event_moves_only_from_its_allowed_state(session, event):
    allowed, target = INSPECTION_TRANSITIONS[event]
    for i in range(2):
        service.add_inspector(session, f"I{i}", f"检查员{i}")
    for n, state in enumerate(STATES):
        # One new target per plan: the ones drawn before are under redraw protection.
        service.add_target(session, f"H{n}", f"医院{n}", "1")
        plan = service.create_plan(session, "2026Q1", ON)
        service.draw_targets(session, plan.id, ON, seed=n)
        service.assign_teams(session, plan.id, ON, seed=n)
        (insp,) = service.inspections(session, plan.id)
        for step in ORDER[: STATES.index(state)]:
            _steps(session, insp.id)[step]()
        assert insp.status == state
        if state in allowed:
            _steps(session, insp.id)[event]()
            assert insp.status == target
        else:
            with pytest.raises(Conflict):
                _steps(session, insp.id)[event]()
            assert insp.status == state


def test_plan_events_out_of_order_are_refused_and_the_plan_closes_with_its_last_inspection(session):
    for i in range(2):
        service.add_target(session, f"H{i}", f"医院{i}", "1")
        service.add_inspector(session, f"I{i}", f"检查员{i}")
    plan = service.create_plan(session, "2026Q1", ON)
    with pytest.raises(Conflict):
        service.assign_teams(session, plan.id, ON)
    service.draw_targets(session, plan.id, ON, seed=1)
    service.assign_teams(session, plan.id, ON, seed=1)
    with pytest.raises(Conflict):
        service.assign_teams(session, plan.id, ON)
    (insp,) = service.inspections(session, plan.id)
    for step in ORDER:
        assert plan.status == "TEAM_ASSIGNED"
        _steps(session, insp.id)[step]()
    assert plan.status == "CLOSED"


def test_record_must_be_signed_by_the_institution(session):
    plan, _ = _setup(session, targets=1)
    service.assign_teams(session, plan.id, ON, seed=1)
    (insp,) = service.inspections(session, plan.id)
    service.start_on_site(session, insp.id, ON)
    with pytest.raises(InputError):
        service.record(session, insp.id, "记录", "", False, ON)


def test_published_result_is_a_publication_and_a_problem_is_a_credit_event(session):
    plan, _ = _setup(session, targets=1)
    service.assign_teams(session, plan.id, ON, seed=1)
    (insp,) = service.inspections(session, plan.id)
    for step in ORDER[:5]:
        _steps(session, insp.id)[step]()
    pub = disclosure.get(session, int(insp.publication_ref))
    assert pub.pub_type == "RANDOM_INSPECTION_RESULTS" and pub.status == "PUBLISHED"
    assert "限期整改" in pub.content
    lines = credit.explain(session, "INSTITUTION", insp.fixmedins_code, ON).lines
    assert [ln.event_type for ln in lines] == ["INSPECTION_PROBLEM"]
