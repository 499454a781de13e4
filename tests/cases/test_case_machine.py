"""The case procedure (domain.md §2f): every legal transition fires, every other one is refused (409)."""

from __future__ import annotations

import pytest

from fundguard.cases.machine import CASE_MACHINE, OWNER_ROLE, STATES
from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict, Forbidden

LEGAL = {
    ("CLUE", "assign_verification"): "PRELIM_VERIFYING",
    ("PRELIM_VERIFYING", "close_no_case"): "CLOSED_NO_CASE",
    ("PRELIM_VERIFYING", "file"): "FILED",
    ("FILED", "start_investigation"): "INVESTIGATING",
    ("INVESTIGATING", "transfer_criminal"): "TRANSFERRED_CRIMINAL",
    ("TRANSFERRED_CRIMINAL", "resume"): "INVESTIGATING",
    ("TRANSFERRED_CRIMINAL", "archive"): "CLOSED_ARCHIVED",
    ("INVESTIGATING", "notify"): "NOTIFIED",
    ("NOTIFIED", "hear_defence"): "DEFENCE_HEARD",
    ("DEFENCE_HEARD", "legal_review"): "LEGAL_REVIEWED",
    ("DEFENCE_HEARD", "decide"): "DECIDED",
    ("LEGAL_REVIEWED", "decide"): "DECIDED",
    ("DECIDED", "serve"): "SERVED",
    ("SERVED", "execute"): "EXECUTED",
    ("EXECUTED", "archive"): "CLOSED_ARCHIVED",
}
ALL_PAIRS = [(s, e) for s in STATES for e in CASE_MACHINE.transitions]
ADMIN = Actor.of("admin", "admin")


@pytest.mark.parametrize(("state", "event"), sorted(LEGAL))
def test_legal_transition_reaches_its_target(state, event):
    assert CASE_MACHINE.check(state, event, ADMIN).target == LEGAL[(state, event)]


@pytest.mark.parametrize(("state", "event"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_illegal_transition_is_refused_with_conflict(state, event):
    with pytest.raises(Conflict) as err:
        CASE_MACHINE.check(state, event, ADMIN)
    assert err.value.http_status == 409
    assert "不能执行" in err.value.message_zh


def test_the_table_has_exactly_the_documented_transitions():
    legal = {(s, e) for s, e in ALL_PAIRS if s in CASE_MACHINE.transitions[e].sources}
    assert legal == set(LEGAL)


def test_closed_cases_accept_no_event():
    assert CASE_MACHINE.allowed_events("CLOSED_ARCHIVED") == []
    assert CASE_MACHINE.allowed_events("CLOSED_NO_CASE") == []


def test_only_a_legal_reviewer_may_do_the_legal_review():
    with pytest.raises(Forbidden):
        CASE_MACHINE.check("DEFENCE_HEARD", "legal_review", Actor.of("zhang", "case_handler"))
    assert CASE_MACHINE.check("DEFENCE_HEARD", "legal_review", Actor.of("li", "legal_reviewer"))


def test_every_state_has_an_owner_role():
    assert set(OWNER_ROLE) == set(STATES)


def test_unknown_event_is_a_conflict():
    with pytest.raises(Conflict):
        CASE_MACHINE.check("CLUE", "teleport", ADMIN)
