"""抽查计划 random plans of 双随机一公开 (domain.md §2e.1): plan → draw targets → draw teams →
per-target inspection workflow; every draw stored with seed, algorithm, snapshot and SHA-256 so
that ``replay`` can recompute it exactly."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import numpy as np
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.credit import service as credit
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.inspections import directory
from fundguard.inspections import draw as algo
from fundguard.inspections.models import Draw, RandomInspection, RandomPlan
from fundguard.inspections.states import (
    INSPECTION_TRANSITIONS,
    INSPECTION_ZH,
    PLAN_TRANSITIONS,
    PLAN_ZH,
    target_state,
)
from fundguard.profiles import get_profile
from fundguard.timeutil import now

DEFAULT_MATTERS = ["医保政策执行情况", "医疗服务规范性", "结算费用真实性"]
DISPOSITIONS = {
    "NONE": "未发现问题",
    "RECTIFICATION": "限期整改",
    "CASE": "立案调查",
    "TRANSFER": "移送司法机关",
}


@dataclass(frozen=True)
class ReplayResult:
    draw_id: int
    snapshot_intact: bool
    equal: bool
    stored: list
    recomputed: list


def get_plan(session: Session, plan_id: int) -> RandomPlan:
    plan = session.get(RandomPlan, plan_id)
    if plan is None:
        raise NotFound("PLAN_NOT_FOUND", f"抽查计划 {plan_id} 不存在", "plan not found")
    return plan


def get_inspection(session: Session, inspection_id: int) -> RandomInspection:
    row = session.get(RandomInspection, inspection_id)
    if row is None:
        raise NotFound("INSPECTION_NOT_FOUND", f"检查任务 {inspection_id} 不存在", "inspection not found")
    return row


def _plan_move(
    session: Session, plan: RandomPlan, event: str, actor: str, detail: dict | None = None
) -> None:
    before = plan.status
    plan.status = target_state(PLAN_TRANSITIONS, PLAN_ZH, plan.status, event, "抽查计划")
    session.flush()
    audit.record(
        session,
        actor,
        f"inspection.plan.{event}",
        "insp_random_plan",
        str(plan.id),
        {"from": before, "to": plan.status, **(detail or {})},
    )


def create_plan(
    session: Session,
    period: str,
    on: date,
    admdvs: str = "",
    matters: list[str] | None = None,
    actor: str = "system",
) -> RandomPlan:
    """A plan for one period (``inspection.random_plan_period``, e.g. ``2026Q1``)."""
    if get_profile()["inspection.random_plan_period"] == "quarter" and not (
        len(period) == 6 and period[:4].isdigit() and period[4] == "Q" and period[5] in "1234"
    ):
        raise InputError(
            "PLAN_PERIOD",
            f"抽查周期应为季度，如 2026Q1，收到 {period}",
            "period must look like 2026Q1",
            "period",
        )
    plan = RandomPlan(
        period=period, admdvs=admdvs, matters=matters or DEFAULT_MATTERS, status="PLANNED", planned_on=on
    )
    session.add(plan)
    session.flush()
    audit.record(
        session, actor, "inspection.plan.create", "insp_random_plan", str(plan.id), {"period": period}
    )
    return plan


def _protected_codes(session: Session, on: date) -> set[str]:
    months = int(get_profile()["inspection.redraw_protection_months"])
    cutoff = on - relativedelta(months=months)
    rows = session.scalars(select(RandomInspection.fixmedins_code).where(RandomInspection.drawn_on > cutoff))
    return set(rows)


def candidate_snapshot(session: Session, plan: RandomPlan, on: date, high_risk: set[str]) -> list[dict]:
    protected = _protected_codes(session, on) - high_risk
    rows = []
    for t in directory.targets(session, plan.admdvs):
        grade = credit.institution_grade(session, t.fixmedins_code, on)
        rows.append(
            {
                "code": t.fixmedins_code,
                "type": t.fixmedins_type,
                "grade": grade,
                "weight": credit.inspection_multiplier(grade),
                "protected": t.fixmedins_code in protected,
            }
        )
    return sorted(rows, key=lambda r: r["code"])


def _store_draw(session, plan, kind, seed, algorithm, params, snapshot, result, on) -> Draw:
    row = Draw(
        plan_id=plan.id,
        kind=kind,
        seed=str(seed),
        algorithm=algorithm,
        algorithm_version=algo.ALGORITHM_VERSION,
        params=params,
        snapshot=snapshot,
        snapshot_sha256=algo.sha256_of(snapshot),
        result=result,
        drawn_on=on,
        drawn_at=now(),
    )
    session.add(row)
    session.flush()
    return row


def draw_targets(
    session: Session,
    plan_id: int,
    on: date,
    seed: int | None = None,
    high_risk: set[str] | None = None,
    actor: str = "system",
) -> Draw:
    """Draw the targets (随机抽取检查对象); ``seed`` defaults to 63 random bits from ``secrets``."""
    plan = get_plan(session, plan_id)
    target_state(PLAN_TRANSITIONS, PLAN_ZH, plan.status, "draw", "抽查计划")
    seed = secrets.randbits(63) if seed is None else int(seed)
    ratio = float(get_profile()["inspection.random_ratio_min"])
    snapshot = candidate_snapshot(session, plan, on, set(high_risk or ()))
    if not snapshot:
        raise Conflict("NO_TARGETS", "检查对象名录库为空，无法抽取", "no inspection targets")
    result = algo.draw_targets(snapshot, seed, ratio)
    params = {
        "ratio": ratio,
        "population": len(snapshot),
        "minimum": algo.sample_size(ratio, len(snapshot)),
        "high_risk": sorted(high_risk or ()),
        "numpy": np.__version__,
    }
    row = _store_draw(session, plan, "TARGETS", seed, algo.ALGORITHM, params, snapshot, result, on)
    for r in result:
        session.add(
            RandomInspection(
                plan_id=plan.id,
                fixmedins_code=r["code"],
                stratum=r["stratum"],
                status="DRAWN",
                team=[],
                drawn_on=on,
            )
        )
    plan.draw_id = row.id
    _plan_move(
        session,
        plan,
        "draw",
        actor,
        {
            "draw_id": row.id,
            "seed": str(seed),
            "sha256": row.snapshot_sha256,
            "drawn": [r["code"] for r in result],
        },
    )
    return row


def inspections(session: Session, plan_id: int) -> list[RandomInspection]:
    return list(
        session.scalars(
            select(RandomInspection).where(RandomInspection.plan_id == plan_id).order_by(RandomInspection.id)
        )
    )


def assign_teams(
    session: Session,
    plan_id: int,
    on: date,
    seed: int | None = None,
    team_size: int | None = None,
    actor: str = "system",
) -> Draw:
    """随机选派执法检查人员 with 回避; teams of at least ``inspection.team_min_size``."""
    plan = get_plan(session, plan_id)
    target_state(PLAN_TRANSITIONS, PLAN_ZH, plan.status, "assign_teams", "抽查计划")
    minimum = int(get_profile()["inspection.team_min_size"])
    size = minimum if team_size is None else int(team_size)
    if size < minimum:
        raise InputError(
            "TEAM_TOO_SMALL",
            f"检查组不得少于 {minimum} 名执法人员",
            f"team size must be at least {minimum}",
            "team_size",
        )
    seed = secrets.randbits(63) if seed is None else int(seed)
    pool = directory.inspectors(session, plan.admdvs)
    avoid = directory.conflicts(session, on)
    snapshot = []
    for insp in inspections(session, plan.id):
        eligible = sorted(i.code for i in pool if insp.fixmedins_code not in avoid.get(i.id, set()))
        if len(eligible) < size:
            raise Conflict(
                "TEAM_SHORT",
                f"{insp.fixmedins_code} 回避后可选派执法人员仅 {len(eligible)} 名，少于 {size} 名",
                "not enough inspectors after conflict exclusion",
            )
        snapshot.append({"code": insp.fixmedins_code, "eligible": eligible})
    result = algo.draw_teams(snapshot, seed, size)
    row = _store_draw(
        session, plan, "TEAMS", seed, algo.TEAM_ALGORITHM, {"team_size": size}, snapshot, result, on
    )
    teams = {r["code"]: r["team"] for r in result}
    for insp in inspections(session, plan.id):
        _inspection_move(session, insp, "assign_team", on, actor, {"team": teams[insp.fixmedins_code]})
        insp.team = teams[insp.fixmedins_code]
    _plan_move(session, plan, "assign_teams", actor, {"draw_id": row.id, "seed": str(seed)})
    return row


def replay(session: Session, draw_id: int) -> ReplayResult:
    """Recompute a stored draw from its seed, parameters and snapshot; ``equal`` must be True."""
    row = session.get(Draw, draw_id)
    if row is None:
        raise NotFound("DRAW_NOT_FOUND", f"抽取记录 {draw_id} 不存在", "draw not found")
    intact = algo.sha256_of(row.snapshot) == row.snapshot_sha256
    if row.kind == "TARGETS":
        recomputed = algo.draw_targets(row.snapshot, int(row.seed), float(row.params["ratio"]))
    else:
        recomputed = algo.draw_teams(row.snapshot, int(row.seed), int(row.params["team_size"]))
    return ReplayResult(row.id, intact, intact and recomputed == row.result, row.result, recomputed)


def _inspection_move(
    session, insp: RandomInspection, event: str, on: date, actor: str, detail: dict | None = None
):
    before = insp.status
    insp.status = target_state(INSPECTION_TRANSITIONS, INSPECTION_ZH, insp.status, event, "检查任务")
    session.flush()
    audit.record(
        session,
        actor,
        f"inspection.random.{event}",
        "insp_random_inspection",
        str(insp.id),
        {"from": before, "to": insp.status, "on": on.isoformat(), **(detail or {})},
    )
    return insp


def start_on_site(session: Session, inspection_id: int, on: date, actor: str = "system"):
    return _inspection_move(session, get_inspection(session, inspection_id), "start_on_site", on, actor)


def record(
    session: Session,
    inspection_id: int,
    content: str,
    signed_by: str,
    problems_found: bool,
    on: date,
    actor: str = "system",
):
    """检查记录, signed by the inspected institution's head."""
    if not signed_by.strip():
        raise InputError(
            "RECORD_UNSIGNED", "检查记录须由被检查机构负责人签字", "the record must be signed", "signed_by"
        )
    insp = _inspection_move(session, get_inspection(session, inspection_id), "record", on, actor)
    insp.record, insp.signed_by, insp.problems_found = content, signed_by, problems_found
    return insp


def report(session: Session, inspection_id: int, text: str, on: date, actor: str = "system"):
    insp = _inspection_move(session, get_inspection(session, inspection_id), "report", on, actor)
    insp.report = text
    return insp


def dispose(session: Session, inspection_id: int, disposition: str, on: date, actor: str = "system"):
    if disposition not in DISPOSITIONS:
        raise InputError(
            "DISPOSITION", f"未知处理方式 {disposition}", f"unknown disposition {disposition}", "disposition"
        )
    insp = _inspection_move(
        session, get_inspection(session, inspection_id), "dispose", on, actor, {"disposition": disposition}
    )
    insp.disposition = disposition
    return insp


def mark_published(
    session: Session, inspection_id: int, publication_ref: str, on: date, actor: str = "system"
):
    insp = _inspection_move(
        session,
        get_inspection(session, inspection_id),
        "publish",
        on,
        actor,
        {"publication": publication_ref},
    )
    insp.publication_ref = publication_ref
    return insp


def close(session: Session, inspection_id: int, on: date, actor: str = "system"):
    """Close one inspection; the plan closes when all its inspections are closed."""
    insp = _inspection_move(session, get_inspection(session, inspection_id), "close", on, actor)
    plan = get_plan(session, insp.plan_id)
    if all(i.status == "CLOSED" for i in inspections(session, plan.id)):
        _plan_move(session, plan, "close", actor)
    return insp


def coverage(session: Session, period: str, admdvs: str = "") -> dict:
    """Drawn targets of a period against ``ceil(random_ratio_min × N)``."""
    ratio = float(get_profile()["inspection.random_ratio_min"])
    population = len(directory.targets(session, admdvs))
    plan_ids = session.scalars(
        select(RandomPlan.id).where(RandomPlan.period == period, RandomPlan.admdvs == admdvs)
    ).all()
    drawn = {i.fixmedins_code for pid in plan_ids for i in inspections(session, pid)}
    required = algo.sample_size(ratio, population)
    return {
        "period": period,
        "population": population,
        "required": required,
        "drawn": len(drawn),
        "met": len(drawn) >= required,
    }
