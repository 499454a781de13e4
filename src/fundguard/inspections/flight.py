"""飞行检查 flight inspections (domain.md §2e.2): targets ranked by a risk input, focus departments
(``inspection.flight_focus_departments``), checklists, on-site records, findings handed off as clues.

Risk input: rows ``(fixmedins_code, score, reasons)`` from analytics (risk_scores.csv); higher
score ranks first, ties by code. The plan follows the 7 steps of ``states.FLIGHT_TRANSITIONS``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.errors import InputError, NotFound
from fundguard.inspections.clues import hand_off_clue
from fundguard.inspections.models import ClueRequest, FlightPlan, FlightRecord, FlightTarget
from fundguard.inspections.states import FLIGHT_TRANSITIONS, FLIGHT_ZH, target_state
from fundguard.profiles import get_profile

MATERIALS = ["病历", "检查报告", "用药记录", "手术记录", "护理记录", "费用清单"]
DEPARTMENT_CHECKS = {
    "麻醉": ["麻醉记录与手术记录、手术室排班表、药品领用记录核对", "麻醉项目分解计费"],
    "重症医学": ["在床患者与系统登记核对", "超适应症收住ICU", "监控录像调取"],
    "肿瘤": ["抗肿瘤药实际用量与结算剂量核对"],
    "精神": ["挂床住院", "住院天数与病情"],
    "透析": ["透析次数与机器运行记录核对"],
    "康复": ["康复项目虚记", "康复周期延长"],
}


def checklist(departments: list[str]) -> list[str]:
    items = [f"调取{m}，核对真实性与完整性" for m in MATERIALS]
    items += ["诊疗必要性与合规性", "费用合理性与真实性"]
    for d in departments:
        items += [f"{d}：{c}" for c in DEPARTMENT_CHECKS.get(d, [])]
    return items


def rank(risk_rows: Iterable[tuple[str, float, list[str]]]) -> list[tuple[str, float, list[str]]]:
    return sorted(((c, float(s), list(r)) for c, s, r in risk_rows), key=lambda x: (-x[1], x[0]))


def create_plan(
    session: Session,
    title: str,
    risk_rows: Iterable[tuple[str, float, list[str]]],
    on: date,
    top_n: int | None = None,
    actor: str = "system",
    admdvs: str = "",
) -> FlightPlan:
    """确定检查对象: the ``top_n`` riskiest institutions, each with focus departments and a checklist.
    ``admdvs`` is the 医保区划 of the organising agency (scopes who sees the plan)."""
    ranked = rank(risk_rows)[: top_n or None]
    if not ranked:
        raise InputError("FLIGHT_NO_TARGETS", "风险名单为空，无法确定检查对象", "no risk rows", "risk_rows")
    plan = FlightPlan(
        title=title, admdvs=admdvs or "", created_on=on, status="TARGET_SELECTED", team=[], scheme=""
    )
    session.add(plan)
    session.flush()
    focus = list(get_profile()["inspection.flight_focus_departments"])
    for i, (code, score, reasons) in enumerate(ranked, start=1):
        session.add(
            FlightTarget(
                plan_id=plan.id,
                fixmedins_code=code,
                rank=i,
                risk_score=score,
                reasons=reasons,
                focus_departments=focus,
                checklist=checklist(focus),
            )
        )
    session.flush()
    audit.record(
        session,
        actor,
        "inspection.flight.create",
        "insp_flight_plan",
        str(plan.id),
        {"targets": [c for c, _, _ in ranked]},
    )
    return plan


def get_plan(session: Session, plan_id: int) -> FlightPlan:
    plan = session.get(FlightPlan, plan_id)
    if plan is None:
        raise NotFound("FLIGHT_PLAN_NOT_FOUND", f"飞行检查计划 {plan_id} 不存在", "flight plan not found")
    return plan


def targets(session: Session, plan_id: int) -> list[FlightTarget]:
    return list(
        session.scalars(
            select(FlightTarget).where(FlightTarget.plan_id == plan_id).order_by(FlightTarget.rank)
        )
    )


def advance(
    session: Session,
    plan_id: int,
    event: str,
    on: date,
    actor: str = "system",
    team: list[str] | None = None,
    scheme: str = "",
) -> FlightPlan:
    """Move the plan one step (form_team, make_scheme, enter_site, check_materials, report, handle)."""
    plan = get_plan(session, plan_id)
    if event not in FLIGHT_TRANSITIONS:
        raise InputError("FLIGHT_EVENT", f"未知步骤 {event}", f"unknown step {event}", "event")
    target = target_state(FLIGHT_TRANSITIONS, FLIGHT_ZH, plan.status, event, "飞行检查")
    if event == "form_team":
        minimum = int(get_profile()["inspection.team_min_size"])
        if len(set(team or [])) < minimum:
            raise InputError(
                "TEAM_TOO_SMALL", f"检查组不得少于 {minimum} 名执法人员", "team too small", "team"
            )
        plan.team = sorted(set(team or []))
    if event == "make_scheme":
        if not scheme.strip():
            raise InputError("FLIGHT_SCHEME", "须制定检查方案", "a scheme is required", "scheme")
        plan.scheme = scheme
    before, plan.status = plan.status, target
    session.flush()
    audit.record(
        session,
        actor,
        f"inspection.flight.{event}",
        "insp_flight_plan",
        str(plan.id),
        {"from": before, "to": target, "on": on.isoformat()},
    )
    return plan


def records(session: Session, plan_id: int) -> list[FlightRecord]:
    return list(
        session.scalars(
            select(FlightRecord)
            .join(FlightTarget, FlightTarget.id == FlightRecord.target_id)
            .where(FlightTarget.plan_id == plan_id)
            .order_by(FlightRecord.id)
        )
    )


def add_record(
    session: Session,
    target_id: int,
    department: str,
    content: str,
    on: date,
    evidence: list[str] | None = None,
    actor: str = "system",
) -> FlightRecord:
    """现场记录 (取证固定: evidence references are kept with the record)."""
    target = session.get(FlightTarget, target_id)
    if target is None:
        raise NotFound("FLIGHT_TARGET_NOT_FOUND", f"检查对象 {target_id} 不存在", "target not found")
    plan = get_plan(session, target.plan_id)
    if plan.status not in {"ON_SITE", "MATERIALS_CHECKED"}:
        target_state(FLIGHT_TRANSITIONS, FLIGHT_ZH, plan.status, "check_materials", "飞行检查")
    row = FlightRecord(
        target_id=target_id,
        recorded_on=on,
        department=department,
        content=content,
        evidence=list(evidence or []),
        recorded_by=actor,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "inspection.flight.record",
        "insp_flight_record",
        str(row.id),
        {"target_id": target_id},
    )
    return row


def record_finding(
    session: Session,
    target_id: int,
    summary: str,
    amount: Decimal,
    on: date,
    category: str = "OTHER",
    evidence: list[str] | None = None,
    actor: str = "system",
) -> ClueRequest:
    """A finding of the flight inspection, handed to the cases domain as a clue."""
    target = session.get(FlightTarget, target_id)
    if target is None:
        raise NotFound("FLIGHT_TARGET_NOT_FOUND", f"检查对象 {target_id} 不存在", "target not found")
    return hand_off_clue(
        session,
        "flight_inspection",
        str(target_id),
        target.fixmedins_code,
        summary,
        amount,
        on,
        category=category,
        evidence=evidence,
        actor=actor,
    )
