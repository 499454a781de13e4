"""A small table-driven state machine (状态机) shared by cases, problem items and tips.

Each transition names its event, the states it leaves from, the state it enters and the roles
allowed to fire it. Firing an event from any other state raises ``Conflict`` (HTTP 409) with a
Chinese message; an actor without one of the roles gets ``Forbidden``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fundguard.errors import Conflict, Forbidden

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name and the platform roles (domain.md §1.2) the web layer resolved."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    region: str = ""

    @classmethod
    def of(cls, name: str, *roles: str, region: str = "") -> Actor:
        return cls(name=name, roles=frozenset(roles), region=region)

    def has_any(self, roles: Iterable[str]) -> bool:
        return ADMIN_ROLE in self.roles or bool(self.roles & set(roles))


@dataclass(frozen=True)
class Transition:
    event: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    label: str


class Machine:
    def __init__(self, name: str, label: str, states: dict[str, str], transitions: list[Transition]):
        self.name = name
        self.label = label
        self.states = states
        self.transitions = {t.event: t for t in transitions}
        for t in transitions:
            unknown = {*t.sources, t.target} - states.keys()
            if unknown:
                raise ValueError(f"{name}.{t.event}: unknown states {unknown}")

    def allowed_events(self, state: str) -> list[str]:
        return [e for e, t in self.transitions.items() if state in t.sources]

    def check(self, state: str, event: str, actor: Actor | None = None) -> Transition:
        """The transition ``event`` from ``state``; ``Conflict`` if illegal, ``Forbidden`` if not the owner."""
        t = self.transitions.get(event)
        if t is None:
            raise Conflict("UNKNOWN_EVENT", f"{self.label}不支持操作“{event}”", f"unknown event {event}")
        if state not in t.sources:
            raise Conflict(
                "ILLEGAL_TRANSITION",
                f"{self.label}当前状态为“{self.states.get(state, state)}”，不能执行“{t.label}”",
                f"{self.name}: event {event} not allowed in state {state}",
            )
        if actor is not None and not actor.has_any(t.roles):
            raise Forbidden(
                "ROLE_REQUIRED",
                f"“{t.label}”须由以下角色办理：{'、'.join(t.roles)}",
                f"{self.name}.{event} requires one of the roles {', '.join(t.roles)}",
            )
        return t
