"""Table-driven state transitions shared by the workflow domains (状态机).

A transition table maps ``event → (allowed from-states, to-state)``; an event from any other
state is refused with ``Conflict`` (HTTP 409) and a Chinese message naming both states.
"""

from __future__ import annotations

from fundguard.errors import Conflict


def target_state(transitions: dict, names_zh: dict[str, str], current: str, event: str, what: str) -> str:
    allowed, target = transitions[event]
    if current not in allowed:
        raise Conflict(
            "ILLEGAL_TRANSITION",
            f"{what}处于“{names_zh.get(current, current)}”状态，不能转为“{names_zh.get(target, target)}”",
            f"{what}: {event} is not allowed from {current}",
        )
    return target
