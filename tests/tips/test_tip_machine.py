"""Tip handling state machine (domain.md §2h): every legal transition, every illegal one refused (409)."""

from __future__ import annotations

import pytest

from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict
from fundguard.tips.machine import STATES, TIP_MACHINE

LEGAL = {
    ("RECEIVED", "accept"): "ACCEPTED",
    ("RECEIVED", "reject"): "NOT_ACCEPTED",
    ("ACCEPTED", "investigate"): "INVESTIGATING",
    ("INVESTIGATING", "find_unfounded"): "UNFOUNDED",
    ("INVESTIGATING", "substantiate"): "SUBSTANTIATED",
    ("UNFOUNDED", "send_feedback"): "FEEDBACK_SENT",
    ("SUBSTANTIATED", "send_feedback"): "FEEDBACK_SENT",
    ("FEEDBACK_SENT", "compute_reward"): "REWARD_COMPUTED",
    ("REWARD_COMPUTED", "approve_reward"): "REWARD_APPROVED",
    ("REWARD_APPROVED", "pay_reward"): "REWARD_PAID",
    ("NOT_ACCEPTED", "close"): "CLOSED",
    ("FEEDBACK_SENT", "close"): "CLOSED",
    ("REWARD_PAID", "close"): "CLOSED",
}
ADMIN = Actor.of("admin", "admin")


@pytest.mark.parametrize(("state", "event"), sorted(LEGAL))
def test_legal_tip_transition(state, event):
    assert TIP_MACHINE.check(state, event, ADMIN).target == LEGAL[(state, event)]


@pytest.mark.parametrize(
    ("state", "event"), [(s, e) for s in STATES for e in TIP_MACHINE.transitions if (s, e) not in LEGAL]
)
def test_illegal_tip_transition_is_a_conflict(state, event):
    with pytest.raises(Conflict):
        TIP_MACHINE.check(state, event, ADMIN)
