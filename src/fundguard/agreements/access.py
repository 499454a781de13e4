"""Who may see and change what in the institutions domains (协议管理、监督检查、信用管理、信息公开).

Roles (``auth.service.ROLES``): the staff who decide (``DECIDERS``: admin, supervisor, auditor,
inspector) act on records of their region; the leader (领导) only reads; institution users
(定点机构用户) read their own institution's records and take the few steps that are theirs
(补正材料、申请联网测试、申请续签、申请恢复、信息变更申报、提交自查报告).

Scope: a record belongs to an institution and to a 医保区划 (admdvs). The region of an institution
comes from the master data, then the inspection-target directory (``directory.region_of``); an
application also carries its own ``admdvs``. ``auth.service.check_access`` then answers 403 for a
record outside the user's scope; the caller answers 404 for one that does not exist.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundguard.agreements.flows import agreement_region
from fundguard.agreements.models import Agreement, Application
from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.errors import Forbidden
from fundguard.inspections.directory import region_expr, region_of

DECIDERS = ("admin", "supervisor", "auditor", "inspector")
STAFF = (*DECIDERS, "leader")
READERS = (*STAFF, "institution")
INSTITUTION_APPLICATION_EVENTS = frozenset({"resubmit", "start_setup", "request_network_test"})
INSTITUTION_AGREEMENT_EVENTS = frozenset({"apply_renewal", "request_resume"})


def may_decide(user: User) -> bool:
    return user.role in DECIDERS


def require_decider(user: User) -> None:
    if not may_decide(user):
        raise Forbidden("ROLE_FORBIDDEN", "当前角色无权执行此操作", f"role {user.role} may not do this")


def require_event(user: User, event: str, institution_events: frozenset[str] = frozenset()) -> None:
    """Deciders may fire any event; an institution user only ``institution_events``; others none."""
    if user.role == "institution" and event in institution_events:
        return
    require_decider(user)


def allowed_events(user: User, events, institution_events: frozenset[str] = frozenset()) -> list:
    if may_decide(user):
        return list(events)
    if user.role == "institution":
        return [e for e in events if (e[0] if isinstance(e, tuple) else e) in institution_events]
    return []


def check_institution(session: Session, user: User, fixmedins_code: str | None) -> None:
    auth.check_access(user, fixmedins_code, region_of(session, fixmedins_code))


def check_region(user: User, admdvs: str | None) -> None:
    """Staff may only create records inside their region (institution users: never by region)."""
    if user.role == "institution":
        raise Forbidden("ROLE_FORBIDDEN", "当前角色无权执行此操作", "institution users may not do this")
    auth.check_access(user, None, admdvs)


# --- applications and agreements --------------------------------------------------------------


def application_region(session: Session, app: Application) -> str | None:
    return app.admdvs or region_of(session, app.fixmedins_code)


def application_region_expr():
    return func.coalesce(func.nullif(Application.admdvs, ""), region_expr(Application.fixmedins_code))


def check_application(session: Session, user: User, app: Application) -> None:
    auth.check_access(user, app.fixmedins_code, application_region(session, app))


def applications_scope(user: User):
    return auth.scope_filter(user, Application.fixmedins_code, application_region_expr())


def agreement_region_expr():
    return func.coalesce(
        region_expr(Agreement.fixmedins_code),
        select(func.nullif(Application.admdvs, ""))
        .where(Application.id == Agreement.application_id)
        .scalar_subquery(),
    )


def check_agreement(session: Session, user: User, agr: Agreement) -> None:
    auth.check_access(user, agr.fixmedins_code, agreement_region(session, agr))


def agreements_scope(user: User):
    return auth.scope_filter(user, Agreement.fixmedins_code, agreement_region_expr())
