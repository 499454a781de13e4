"""Processes that cross domains: publishing random-inspection results (disclosure) and turning
inspection problems into credit events."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy.orm import Session

from fundguard.credit import service as credit
from fundguard.disclosure import service as disclosure
from fundguard.inspections import random_plans, self_check
from fundguard.inspections.directory import region_of
from fundguard.inspections.models import RandomInspection, SelfCheckTask
from fundguard.timeutil import TZ


def publish_result(session: Session, inspection_id: int, on: date, actor: str = "system") -> RandomInspection:
    """一公开: publish the result and its handling; a problem found also becomes a credit event."""
    insp = random_plans.get_inspection(session, inspection_id)
    plan = random_plans.get_plan(session, insp.plan_id)
    outcome = random_plans.DISPOSITIONS.get(insp.disposition, insp.disposition)
    content = (
        f"{plan.period} 双随机抽查：{insp.fixmedins_code}，"
        f"{'发现问题' if insp.problems_found else '未发现问题'}；处理：{outcome}。{insp.report}"
    )
    pub = disclosure.create(
        session,
        "RANDOM_INSPECTION_RESULTS",
        f"{plan.period} 双随机抽查结果（{insp.fixmedins_code}）",
        content,
        source_type="random_inspection",
        source_id=str(insp.id),
        actor=actor,
        admdvs=region_of(session, insp.fixmedins_code) or plan.admdvs,
    )
    disclosure.approve(session, pub.id, actor)
    disclosure.publish(session, pub.id, datetime.combine(on, time(9, 0), TZ), actor)
    random_plans.mark_published(session, inspection_id, str(pub.id), on, actor)
    if insp.problems_found:
        credit.add_event(
            session,
            "INSTITUTION",
            insp.fixmedins_code,
            "INSPECTION_PROBLEM",
            on,
            f"{plan.period} 双随机抽查发现问题：{insp.report or insp.record}",
            source_type="random_inspection",
            source_id=str(insp.id),
            actor=actor,
        )
    return insp


def flag_overdue_self_checks(session: Session, on: date, actor: str = "system") -> list[SelfCheckTask]:
    """自查报告逾期: mark overdue tasks and record a SELF_CHECK_OVERDUE credit event for each."""
    tasks = self_check.mark_overdue(session, on, actor)
    for task in tasks:
        credit.add_event(
            session,
            "INSTITUTION",
            task.fixmedins_code,
            "SELF_CHECK_OVERDUE",
            on,
            f"{task.period} 自查自纠报告逾期未提交（应于 {task.due_on.isoformat()} 前提交）",
            source_type="self_check",
            source_id=str(task.id),
            actor=actor,
        )
    return tasks
