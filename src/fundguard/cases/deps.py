"""Request dependencies shared by the case, rectification and tip routers.

The platform's login roles (auth: admin, supervisor, auditor, inspector, institution, leader)
are coarser than the duties of domain.md §1.2 that the state machines check; ``DUTIES`` maps
one to the other until auth stores duties per user. A user whose role already is a duty name
keeps it.
"""

from __future__ import annotations

from fastapi import Request

from fundguard.cases.statemachine import Actor
from fundguard.db import request_session

DUTIES: dict[str, frozenset[str]] = {
    "admin": frozenset({"admin"}),
    "supervisor": frozenset(
        {
            "case_handler",
            "legal_reviewer",
            "collective_discussion_member",
            "supervision_team",
            "whistleblower_officer",
            "reward_approver",
        }
    ),
    "inspector": frozenset({"case_handler", "inspector", "supervision_team"}),
    "auditor": frozenset({"auditor", "payment_officer"}),
    "institution": frozenset({"institution_user"}),
    "leader": frozenset(),
}


def actor_for(username: str, role: str, region: str = "") -> Actor:
    return Actor(name=username, roles=DUTIES.get(role, frozenset({role})), region=region or "")


def current_actor(request: Request) -> Actor:
    """The logged-in user as an ``Actor`` (401 through the web shell when nobody is logged in)."""
    from fundguard.web.security import current_user

    user = current_user(request)
    return actor_for(user.username, user.role, user.region)


db = request_session  # per-request session dependency (fundguard.db)
