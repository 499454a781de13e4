"""Demo workflows (演示业务数据): a bureau's first weeks of work on the audited synthetic city.

``fundguard demo`` audits a synthetic city and scores its risk; without this step every other
page (clues, cases, tips, agreements, inspections, credit, disclosure, points) would be empty.
``seed(city_dir)`` plays, for region 3204 (常州), what a bureau does next — through the domains'
service functions only (no HTTP, no web code), every change written to the audit log with the
actor ``demo``:

- 复核 reviewer verdicts: the biggest hits of the two institutions with the highest suspect amount
  are confirmed, one small hit is rejected with a reason;
- 线索 clues: one from the confirmed findings of the institution with the highest suspect amount,
  one from a 12345 work order;
- 案件 cases: one opened from the first clue and advanced to 调查取证 (its decision deadline runs);
  one carried through to decision and service — points for the responsible practitioner
  (proposed by the case, approved in scoring), a credit event, a published typical case and a
  rectification item notified to the institution;
- 举报 an anonymous online tip, triaged against the data and accepted;
- 协议 an active service agreement for every institution of the region, and a pharmacy's
  designation application in initial evaluation;
- 监督检查 the target directory and inspectors, a 双随机 plan with a seeded (replayable) draw of
  targets and teams, a flight inspection plan ranked by the latest risk scores, and the quarter's
  self-inspection tasks (one answered);
- 信用 the year's credit evaluation (score and grade) of every institution of the region.

Determinism: everything is chosen from the data (ordered by amount, then code) and dated on the
working-day calendar after the data's last visit day (never "now", where a service takes a
date); draw seeds are derived from the plan period. Same city → same result. The call is
idempotent: the summary is stored with the audit event ``demo.workflows`` and a second call on
the same store returns it without acting again.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

ACTOR = "demo"
REGION = "3204"  # 常州
MARKER = "demo.workflows"

# Violation category → behaviour code of the points catalogue (domain.md §2d, column "Category").
BEHAVIOUR = {
    "BED_HANGING": "V-2",
    "SPLIT_ADMISSION": "V-4",
    "DURATION": "V-5",
    "PHANTOM": "V-6",
    "SWAP": "V-8",
    "DUPLICATE": "V-9",
    "EXCLUSIVE": "V-10",
    "ADD_ON": "V-10",
    "PRICE": "V-11",
    "OVERUSE": "V-12",
    "INDICATION": "V-13",
    "QUANTITY": "V-14",
    "IMPERSONATION": "V-15",
    "TRACE_CODE": "V-20",
    "STOCK": "V-21",
    "SUSPENDED_PERSON": "V-22",
}
DEFAULT_BEHAVIOUR = "V-14"  # 不合理用药、检查指征不明确 (doctor-level unreasonable charging)
FRAUD_CATEGORIES = {"PHANTOM", "IMPERSONATION"}

INSPECTORS = [
    ("ZF3204001", "周建华"),
    ("ZF3204002", "吴晓燕"),
    ("ZF3204003", "钱立新"),
    ("ZF3204004", "孙海峰"),
    ("ZF3204005", "李静怡"),
    ("ZF3204006", "郑国栋"),
]


@dataclass(frozen=True)
class Timeline:
    """Working days after the data's last visit day (the bureau starts work once the year is in)."""

    first: date
    last: date
    cal: object

    def wd(self, n: int) -> date:
        return self.cal.add_working_days(self.last, n)


def _data_period(city_dir: Path) -> tuple[date, date]:
    """First and last visit day of the city (``mdtrt.begntime``), from its parquet or CSV file."""
    import duckdb

    for name, reader in (("mdtrt.parquet", "read_parquet"), ("mdtrt.csv", "read_csv_auto")):
        path = Path(city_dir) / name
        if path.exists():
            con = duckdb.connect()
            try:
                lo, hi = con.execute(
                    f"SELECT min(CAST(begntime AS DATE)), max(CAST(begntime AS DATE)) FROM {reader}(?)",
                    [str(path)],
                ).fetchone()
            finally:
                con.close()
            if lo is not None:
                return lo, hi
    from fundguard.errors import InputError

    raise InputError("DEMO_CITY", f"{city_dir} 中没有就诊数据（mdtrt）", "no mdtrt table in the city folder")


def _actor():
    from fundguard.cases.machine import COLLECTIVE, HANDLER, LEGAL
    from fundguard.cases.rectification import SUPERVISORS
    from fundguard.cases.statemachine import Actor
    from fundguard.tips.machine import OFFICER

    return Actor.of(ACTOR, HANDLER, LEGAL, COLLECTIVE, OFFICER, *SUPERVISORS, region=REGION)


def seed(city_dir: Path, progress: Callable[[str], None] | None = None) -> dict:
    """Create the demo's workflow records for the audited city; returns counts per domain."""
    import fundguard.all_models  # noqa: F401
    from fundguard.auth.models import AuditEvent
    from fundguard.calendar_admin.service import calendar
    from fundguard.db import session_scope

    tick = progress or (lambda message: None)
    first, last = _data_period(Path(city_dir))
    with session_scope() as session:
        done = session.scalars(
            select(AuditEvent).where(AuditEvent.action == MARKER).order_by(AuditEvent.id.desc())
        ).first()
        if done is not None:
            return dict(done.detail)
    with session_scope() as session:
        days = Timeline(first, last, calendar(session))
        world = _World.load(session)
        counts: dict[str, int] = {}
        actor = _actor()
        tick("复核规则命中 reviewing findings")
        counts.update(_review(session, world))
        tick("线索与案件 clues and cases")
        counts.update(_clues_and_cases(session, world, actor, days))
        tick("举报 tips")
        counts.update(_tip(session, world, actor, days))
        tick("协议 agreements")
        counts.update(_agreements(session, world, days))
        tick("监督检查 inspections")
        counts.update(_inspections(session, world, days))
        tick("信用评价 credit")
        counts.update(_credit(session, world, days))
        from fundguard.auth.service import record

        record(session, ACTOR, MARKER, "demo", Path(city_dir).name, counts, region=REGION)
    return counts


# ------------------------------------------------------------------ what the data says


@dataclass
class _World:
    """Institutions of the region and their findings, ordered by suspect amount (then code)."""

    names: dict[str, str]
    types: dict[str, str]
    ranked: list[str]  # institution codes by suspect amount, highest first
    findings: dict[str, list]  # code → findings, highest amount first

    @classmethod
    def load(cls, session: Session) -> _World:
        from fundguard.masterdata.models import Institution
        from fundguard.rules.models import Finding

        insts = session.scalars(
            select(Institution)
            .where(Institution.admdvs.like(f"{REGION}%"))
            .order_by(Institution.fixmedins_code)
        ).all()
        names = {i.fixmedins_code: i.fixmedins_name for i in insts}
        types = {i.fixmedins_code: i.fixmedins_type for i in insts}
        totals = session.execute(
            select(Finding.fixmedins_code, func.sum(Finding.amount))
            .where(Finding.fixmedins_code.in_(list(names)))
            .group_by(Finding.fixmedins_code)
        ).all()
        ranked = [code for code, _ in sorted(totals, key=lambda r: (-Decimal(str(r[1] or 0)), r[0]))]
        findings: dict[str, list] = {}
        for f in session.scalars(
            select(Finding)
            .where(Finding.fixmedins_code.in_(ranked))
            .order_by(Finding.amount.desc(), Finding.finding_id)
        ):
            findings.setdefault(f.fixmedins_code, []).append(f)
        if len(ranked) < 3:
            from fundguard.errors import Conflict

            raise Conflict(
                "DEMO_TOO_SMALL",
                f"{REGION} 有规则命中的机构不足 3 家，无法生成演示业务数据",
                "need findings at three institutions",
            )
        return cls(names, types, ranked, findings)

    def top(self, code: str, n: int) -> list:
        return self.findings.get(code, [])[:n]

    def improper_use(self, code: str, n: int) -> list:
        """The biggest hits that are 违规使用 (Art. 38), not fraud; the biggest hits when all are."""
        rows = [f for f in self.findings.get(code, []) if f.category not in FRAUD_CATEGORIES]
        return rows[:n] or self.top(code, n)


def _finding_row(f) -> dict:
    return {
        "finding_id": f.finding_id,
        "fixmedins_code": f.fixmedins_code,
        "category": f.category,
        "amount": str(f.amount),
        "message": f.message,
        "rule_code": f.rule_code,
        "rule_version": f.rule_version,
        "prac_psn_code": f.prac_psn_code,
        "setl_id": f.setl_id,
    }


def _zh(category: str) -> str:
    from fundguard.contract import VIOLATION_CATEGORIES

    return VIOLATION_CATEGORIES.get(category, category)


# ------------------------------------------------------------------ 复核


CONFIRM_FIRST, CONFIRM_SECOND = 3, 2


def _review(session: Session, world: _World) -> dict:
    """Confirm the biggest hits of the two institutions with the highest suspect amount (of the second,
    those of 违规使用 for its Art. 38 case); reject the smallest hit of the first."""
    from fundguard.rules import service as rules

    confirmed = world.top(world.ranked[0], CONFIRM_FIRST) + world.improper_use(
        world.ranked[1], CONFIRM_SECOND
    )
    for f in confirmed:
        rules.record_verdict(session, f.finding_id, "confirmed", "调阅病历与结算清单，确认违规", actor=ACTOR)
    n = len(confirmed)
    rest = world.findings[world.ranked[0]][CONFIRM_FIRST:]
    if rest:
        rules.record_verdict(
            session,
            rest[-1].finding_id,
            "rejected",
            "经调阅病历，诊疗有明确指征且医嘱完整，不构成违规",
            actor=ACTOR,
        )
        n += 1
    return {"verdicts": n}


# ------------------------------------------------------------------ 线索、案件


def _clues_and_cases(session: Session, world: _World, actor, days: Timeline) -> dict:
    from fundguard.cases import clues

    first, second = world.ranked[0], world.ranked[1]
    # Clue 1: the confirmed findings of the institution with the highest suspect amount (one
    # clue per category at first: the handler merges them into one, keeping every source).
    found = clues.from_findings(session, actor, [_finding_row(f) for f in world.top(first, CONFIRM_FIRST)])
    clue = found[0]
    for other in found[1:]:
        clue = clues.merge(session, clue.id, other.id, actor)
    # Clue 2: a 12345 work order about a third institution (a pharmacy when one has hits).
    third = _third(world)
    hit = world.top(third, 1)[0]
    clues.add(
        session,
        actor,
        source_type="hotline_12345",
        source_ref=f"12345-{days.wd(2).year}-{zlib.crc32(third.encode()) % 1000000:06d}",
        subjects=[hit.category],
        institution_code=third,
        period_from=days.first,
        period_to=days.last,
        summary=f"12345热线工单：市民反映{world.names[third]}在就医购药结算中存在“{_zh(hit.category)}”问题，请核查。",
        partner="12345政务服务便民热线",
        payload={"received_on": days.wd(2).isoformat(), "channel": "电话"},
    )
    _case_in_investigation(session, world, actor, days, clue.id, first)
    downstream = _case_decided(session, world, actor, days, second)
    return {"clues": 2, "cases": 2, "evidence": 2, **downstream}


def _third(world: _World) -> str:
    rest = world.ranked[2:]
    pharmacies = [c for c in rest if world.types.get(c) == "2"]
    return (pharmacies or rest)[0]


def _case_in_investigation(session, world: _World, actor, days: Timeline, clue_id: int, code: str) -> None:
    """Case 1: from clue 1 to 调查取证; its decision deadline (立案后 90 日) is the visible step deadline."""
    from fundguard.cases import clues
    from fundguard.cases import service as cases

    cats = sorted({f.category for f in world.top(code, CONFIRM_FIRST)})
    title = f"{world.names[code]}涉嫌{'、'.join(_zh(c) for c in cats)}违规使用医保基金"
    case = clues.open_case(session, clue_id, actor, title)
    cases.update_facts(
        session, case.id, actor, kind="fraud" if set(cats) & FRAUD_CATEGORIES else "improper_use"
    )
    cases.assign_verification(session, case.id, actor, "稽核一科", today=days.wd(4))
    cases.file_case(
        session, case.id, actor, "初步核实：疑点经复核确认，涉嫌违法事实清楚，达到立案标准", today=days.wd(8)
    )
    cases.start_investigation(session, case.id, actor, today=days.wd(9))
    cases.add_evidence(
        session, case.id, actor, kind="电子数据", filename="智能监控疑点明细.csv",
        data=_findings_csv(world.top(code, CONFIRM_FIRST)), source="智能监控系统导出",
    )  # fmt: skip


def _findings_csv(findings) -> bytes:
    lines = ["finding_id,rule_code,category,mdtrt_id,prac_psn_code,amount"]
    lines += [
        f"{f.finding_id},{f.rule_code},{f.category},{f.mdtrt_id},{f.prac_psn_code or ''},{f.amount}"
        for f in findings
    ]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _responsible(findings) -> str | None:
    """The practitioner behind the largest confirmed amount (ties: smallest code)."""
    totals: dict[str, Decimal] = {}
    for f in findings:
        if f.prac_psn_code:
            totals[f.prac_psn_code] = totals.get(f.prac_psn_code, Decimal("0")) + Decimal(str(f.amount))
    return min(totals, key=lambda c: (-totals[c], c)) if totals else None


def _points_for(category: str) -> tuple[str, int]:
    """Behaviour code and points: the top of the behaviour's band, capped at the suspension line
    (but never below the band)."""
    from fundguard.profiles import get_profile

    profile = get_profile()
    behaviour = BEHAVIOUR.get(category, DEFAULT_BEHAVIOUR)
    for band in profile["scoring.points_matrix"].values():
        if behaviour in band["behaviours"]:
            low, high = (int(x) for x in band["band"])
            return behaviour, max(low, min(high, int(profile["scoring.suspend_threshold"])))
    return DEFAULT_BEHAVIOUR, int(profile["scoring.min_points"])


def _case_decided(session, world: _World, actor, days: Timeline, code: str) -> dict:
    """Case 2: filed, investigated, notified, heard, reviewed, decided (Art. 38) and served; the
    decision proposes points (approved here), a credit event, a disclosure and a rectification."""
    from fundguard.cases import flows, rectification
    from fundguard.cases import service as cases
    from fundguard.cases.models import ProblemItem
    from fundguard.credit.models import CreditEvent
    from fundguard.disclosure import service as disclosure
    from fundguard.scoring import proposals
    from fundguard.scoring import service as scoring
    from fundguard.timeutil import TZ

    found = world.improper_use(code, CONFIRM_SECOND)
    prac = _responsible(found)
    main = found[0].category
    amount = sum((Decimal(str(f.amount)) for f in found), Decimal("0"))
    plan = {}
    if prac:
        behaviour, points = _points_for(next(f.category for f in found if f.prac_psn_code == prac))
        plan = {prac: {"behaviour_code": behaviour, "points": points}}
    case = cases.create(
        session,
        actor,
        title=f"{world.names[code]}{_zh(main)}等违规使用医保基金案",
        actor_type="unit",
        amount=amount,
        institution_code=code,
        facts={"kind": "improper_use", "source": "智能监控疑点（复核确认）", "points": plan},
        finding_ids=[f.finding_id for f in found],
        practitioner_codes=[prac] if prac else [],
    )
    cases.assign_verification(session, case.id, actor, "稽核二科", today=days.wd(4))
    cases.file_case(session, case.id, actor, "疑点经复核确认，达到立案标准", today=days.wd(6))
    cases.start_investigation(session, case.id, actor, today=days.wd(7))
    cases.add_evidence(
        session, case.id, actor, kind="电子数据", filename="智能监控疑点明细.csv",
        data=_findings_csv(found), source="智能监控系统导出",
    )  # fmt: skip
    prop = cases.propose_penalty(session, case.id)
    measures = [m for m in prop.measures if m in ("责令改正", "追回", "罚款", "限期整改")]
    cases.draft_decision(
        session,
        case.id,
        actor,
        fine_amount=prop.fine_suggested,
        measures=measures,
        basis="；".join(prop.basis),
    )
    cases.notify(session, case.id, actor, today=days.wd(12))
    cases.record_statement(
        session, case.id, actor, "当事人书面陈述：对违规事实无异议，已开展内部整改，请求从轻处理。"
    )
    cases.hear_defence(session, case.id, actor, today=days.wd(15))
    cases.legal_review(
        session,
        case.id,
        actor,
        "事实清楚，证据确凿，适用条款正确，程序合法，同意拟处理意见。",
        today=days.wd(17),
    )
    decided = days.wd(19)
    flows.decide_case(session, case.id, actor, "；".join(prop.basis), today=decided)
    served = days.wd(20)
    cases.serve(session, case.id, actor, "直接送达", today=served)

    approved = 0
    for p in proposals.proposals_of(session, prac, status="proposed") if prac else []:
        if p.case_ref == case.case_no:
            scoring.approve(session, p.id, reviewer=ACTOR, decision_date=decided, notified_on=served)
            approved += 1

    item = session.scalars(
        select(ProblemItem).where(ProblemItem.source_type == "case", ProblemItem.source_id == case.case_no)
    ).first()
    problems = 0
    if item is not None:
        rectification.notify(session, item.id, actor, today=served)
        problems = 1

    decision = cases.get_decision(session, case.id)
    published = days.wd(25)
    pub = disclosure.create(
        session,
        "TYPICAL_CASE",
        f"典型案例：{world.names[code]}{_zh(main)}违规使用医保基金被查处",
        f"经智能监控发现并立案调查，{world.names[code]}（机构编码 {code}）存在{_zh(main)}等违规使用医保基金行为，"
        f"涉及金额 {case.amount} 元。医疗保障部门依据《医疗保障基金使用监督管理条例》第{decision.article}条，"
        f"责令其改正，追回医保基金 {decision.recover_amount} 元，处罚款 {decision.fine_amount} 元，并责令限期整改。",
        source_type="case",
        source_id=case.case_no,
        actor=ACTOR,
        admdvs=case.region,
    )
    disclosure.approve(session, pub.id, ACTOR)
    disclosure.publish(session, pub.id, datetime.combine(published, time(9, 0), TZ), ACTOR)
    events = session.scalar(
        select(func.count()).select_from(CreditEvent).where(CreditEvent.source_id == case.case_no)
    )
    return {"points": approved, "problems": problems, "publications": 1, "credit_events": int(events or 0)}


# ------------------------------------------------------------------ 举报


def _tip(session: Session, world: _World, actor, days: Timeline) -> dict:
    from fundguard.tips import service as tips

    code = next((c for c in world.ranked[2:] if c != _third(world)), _third(world))
    hit = world.top(code, 1)[0]
    tip, _ = tips.submit(
        session,
        channel="online",
        content=f"我在{world.names[code]}就诊时，结算单上出现了没有做过的项目，怀疑存在“{_zh(hit.category)}”问题，请医保部门核查。",
        accused_institution=code,
        category=hit.category,
        received_by=ACTOR,
        today=days.wd(5),
    )
    tips.triage(session, tip.id, actor, tips.data_signals(session, tip))
    tips.accept(session, tip.id, actor)
    return {"tips": 1}


# ------------------------------------------------------------------ 协议


def _agreements(session: Session, world: _World, days: Timeline) -> dict:
    from fundguard.agreements import service as agreements
    from fundguard.credit import service as credit
    from fundguard.inspections.directory import region_of

    codes = sorted(world.names)
    for code in codes:
        grade = credit.institution_grade(session, code, days.first)
        agreements.create_agreement(session, code, days.first, grade, template_version="2025版", actor=ACTOR)
    admdvs = region_of(session, world.ranked[0]) or REGION
    app = agreements.submit(
        session,
        "常州市康宁大药房有限公司",
        "91320402MA27KN2026",
        "PHARMACY",
        "ONLINE",
        [{"role": "LEGAL_REP", "name": "陈志强", "certno": "320402198203150417"}],
        ["定点申请表", "营业执照", "药品经营许可证", "执业药师注册证", "医保管理制度", "信息系统安全承诺书"],
        days.wd(10),
        admdvs=admdvs,
        actor=ACTOR,
    )
    agreements.accept(session, app.id, days.wd(12), actor=ACTOR)
    agreements.start_initial_evaluation(session, app.id, days.wd(13), actor=ACTOR)
    return {"agreements": len(codes), "applications": 1}


# ------------------------------------------------------------------ 监督检查


def _quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _inspections(session: Session, world: _World, days: Timeline) -> dict:
    from fundguard.inspections import flight, self_check
    from fundguard.inspections import service as inspections

    inspections.sync_targets(session, actor=ACTOR)
    ids = []
    for code, name in INSPECTORS:
        ids.append(
            inspections.add_inspector(
                session, code, name, enforcement_cert=f"苏医保执{code[-3:]}", admdvs=REGION, actor=ACTOR
            ).id
        )
    # 回避: the first inspector worked at the institution with the highest suspect amount until last year.
    inspections.add_affiliation(
        session, ids[0], world.ranked[0], date(2016, 7, 1), date(days.first.year - 1, 6, 30)
    )

    period = _quarter(days.wd(10))
    plan = inspections.create_plan(session, period, days.wd(10), admdvs=REGION, actor=ACTOR)
    seed = zlib.crc32(f"{REGION}:{period}:targets".encode())
    inspections.draw_targets(session, plan.id, days.wd(11), seed=seed, actor=ACTOR)
    inspections.assign_teams(
        session, plan.id, days.wd(11), seed=zlib.crc32(f"{REGION}:{period}:teams".encode()), actor=ACTOR
    )

    rows = _risk_rows(session, world)
    fplan = flight.create_plan(
        session,
        f"{period} 飞行检查（风险排名前列机构）",
        rows,
        days.wd(15),
        top_n=3,
        actor=ACTOR,
        admdvs=REGION,
    )
    flight.advance(
        session, fplan.id, "form_team", days.wd(16), actor=ACTOR, team=[c for c, _ in INSPECTORS[1:4]]
    )
    flight.advance(
        session, fplan.id, "make_scheme", days.wd(17), actor=ACTOR,
        scheme="不打招呼、直奔现场：调取住院病历与费用清单，重点核查重症医学、麻醉、康复等科室。",
    )  # fmt: skip

    quarter = _quarter(days.last)
    tasks = self_check.create_tasks(session, quarter, sorted(world.names), actor=ACTOR)
    code = world.ranked[2]
    task = next(t for t in tasks if t.fixmedins_code == code)
    hit = world.top(code, 1)[0]
    self_check.submit_report(
        session,
        task.id,
        scope=f"{quarter} 住院及门诊结算费用",
        method="对照智能监控规则逐项自查，抽查病历",
        problems=[
            {
                "category": hit.category,
                "description": f"自查发现{_zh(hit.category)}问题 1 例，已完成整改",
                "amount": str(hit.amount),
                "refund_amount": str(hit.amount),
                "finding_refs": [hit.finding_id],
                "owner": "医保办",
            }
        ],
        on=days.wd(7),
        actor=ACTOR,
    )
    return {"inspectors": len(INSPECTORS), "random_plans": 1, "flight_plans": 1, "self_checks": len(tasks)}


def _risk_rows(session: Session, world: _World) -> list[tuple[str, float, list[str]]]:
    """Institution risk scores of the latest analytics run; without one, the suspect amounts."""
    from fundguard.analytics import service as analytics
    from fundguard.analytics.models import RiskScore

    run = analytics.latest_run(session)
    rows = []
    if run is not None:
        for s in session.scalars(
            select(RiskScore)
            .where(RiskScore.run_id == run.id, RiskScore.entity_type == "institution")
            .order_by(RiskScore.entity_id)
        ):
            if s.entity_id in world.names:
                rows.append((s.entity_id, float(s.score), [str(r) for r in (s.reasons or [])]))
    if rows:
        return rows
    totals = {c: sum((Decimal(str(f.amount)) for f in world.findings[c]), Decimal("0")) for c in world.ranked}
    return [(c, float(totals[c]), [f"规则命中金额 {totals[c]} 元"]) for c in world.ranked]


# ------------------------------------------------------------------ 信用


def _credit(session: Session, world: _World, days: Timeline) -> dict:
    from fundguard.credit import service as credit

    on = days.wd(25)
    for code in sorted(world.names):
        credit.evaluate(session, "INSTITUTION", code, str(days.last.year), on, actor=ACTOR)
    return {"credit_evaluations": len(world.names)}
