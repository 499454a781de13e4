"""定点申请 workflow (domain.md §2b): every legal transition, every illegal one refused with Conflict."""

from __future__ import annotations

import pytest

from fundguard.agreements.states import APP_TRANSITIONS
from fundguard.errors import Conflict

from .helpers import PATHS, drive, fire, next_on

RESTING_STATES = [s for s in PATHS if s != "NETWORK_TEST_2"]
# Events that the tests fire directly; TEST_FAILED_2 → EVAL_FAILED happens inside the second
# failure, and complaint resolution acts on a complaint (tested in test_public_notice).
FIRED = {
    "test_fail_retry": "test_fail",
    "test_fail_final": "test_fail",
}
LEGAL_FROM = {
    "test_fail_final": ["NETWORK_TEST_2"],
    "test_fail_retry": ["NETWORK_TEST"],
}
EVENTS = [e for e in APP_TRANSITIONS if e not in {"fail_evaluation", "clear_complaint", "uphold_complaint"}]


@pytest.mark.parametrize("event", EVENTS)
def test_each_application_event_moves_only_from_its_allowed_states(session, event):
    allowed, target = APP_TRANSITIONS[event]
    fired = FIRED.get(event, event)
    for state in LEGAL_FROM.get(event, sorted(allowed)):
        app, on = drive(session, state)
        fire(session, app.id, fired, next_on(fired, on))
        expected = "EVAL_FAILED" if event == "test_fail_final" else target
        assert app.status == expected, (event, state)
    for state in RESTING_STATES:
        if state in allowed:
            continue
        app, on = drive(session, state)
        with pytest.raises(Conflict) as err:
            fire(session, app.id, fired, next_on(fired, on))
        assert "不能转为" in err.value.message_zh, (event, state)
        assert app.status == state


def test_second_network_test_failure_passes_through_test_failed_2_to_eval_failed(session):
    from fundguard.agreements import service

    app, on = drive(session, "EVAL_FAILED")
    states = [s.status for s in service.steps(session, app.id)]
    assert states[-2:] == ["TEST_FAILED_2", "EVAL_FAILED"]
    assert app.network_tests == 2
