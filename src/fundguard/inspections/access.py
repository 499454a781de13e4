"""Roles and 医保区划 scope of inspection records (see ``agreements.access`` for the rules).

双随机 plans, draws and their inspections, and flight plans are staff records: the region of a
plan is its ``admdvs`` (its targets are drawn inside it); institution users do not see them (the
results reach them through 信息公开). Self-inspection tasks belong to their institution: the
institution sees and answers its own; staff see the tasks of institutions in their region.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from fundguard.agreements.access import DECIDERS, STAFF, require_decider  # noqa: F401
from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.errors import Forbidden, NotFound
from fundguard.inspections import flight, random_plans, self_check
from fundguard.inspections.directory import region_expr, region_of
from fundguard.inspections.models import Draw, FlightPlan, RandomInspection, RandomPlan, SelfCheckTask


def require_staff(user: User) -> None:
    if user.role not in STAFF:
        raise Forbidden(
            "ROLE_FORBIDDEN", "当前角色无权访问监督检查计划", f"role {user.role} may not see plans"
        )


def plan(session: Session, user: User, plan_id: int) -> RandomPlan:
    row = random_plans.get_plan(session, plan_id)
    require_staff(user)
    auth.check_access(user, None, row.admdvs)
    return row


def draw(session: Session, user: User, draw_id: int) -> Draw:
    row = session.get(Draw, draw_id)
    if row is None:
        raise NotFound("DRAW_NOT_FOUND", f"抽取记录 {draw_id} 不存在", "draw not found")
    plan(session, user, row.plan_id)
    return row


def inspection(session: Session, user: User, inspection_id: int) -> RandomInspection:
    row = random_plans.get_inspection(session, inspection_id)
    plan(session, user, row.plan_id)
    return row


def flight_plan(session: Session, user: User, plan_id: int) -> FlightPlan:
    row = flight.get_plan(session, plan_id)
    require_staff(user)
    auth.check_access(user, None, row.admdvs)
    return row


def plans_scope(user: User):
    return auth.scope_filter(user, None, RandomPlan.admdvs)


def flight_scope(user: User):
    return auth.scope_filter(user, None, FlightPlan.admdvs)


def task(session: Session, user: User, task_id: int) -> SelfCheckTask:
    row = self_check.get_task(session, task_id)
    auth.check_access(user, row.fixmedins_code, region_of(session, row.fixmedins_code))
    return row


def tasks_scope(user: User):
    return auth.scope_filter(user, SelfCheckTask.fixmedins_code, region_expr(SelfCheckTask.fixmedins_code))
