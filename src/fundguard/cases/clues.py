"""Clues (线索): from findings, analytics alerts, tips, 12345 work orders, other departments
(卫健、市场监管、公安) and other regions (川渝 etc.); merged when they concern the same party and
an overlapping subject; exchanged with partners as a JSON or Excel file (``CLUE_EXCHANGE.md``).

Merging: an OPEN clue of the same region (the actor's region prefix) with the same institution
(or, when neither names one, the same person), at least one common subject (violation category)
and overlapping periods (an open end overlaps everything) absorbs the new source. All sources are
kept (``clue_source``); subjects are united, the period widened and the amount is the larger of
the two (sources often describe the same money twice, so amounts are not added). A handler may
also merge two duplicates by hand (``merge``): the sources move, the absorbed clue is MERGED.

Sources from other departments (``department``: 卫健、市场监管、公安…) and other regions
(``region``: 川渝协查 etc.) name the partner; 12345 work orders (``hotline_12345``) carry the
work-order number as ``source_ref``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth.service import record
from fundguard.cases import service
from fundguard.cases.models import Case, Clue, ClueSource
from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.timeutil import now

SOURCE_TYPES = {
    "finding": "智能监控疑点",
    "alert": "监测预警",
    "tip": "举报",
    "hotline_12345": "12345工单",
    "department": "部门移送",
    "region": "跨区域协查",
    "inspection": "检查发现",
}
DEPARTMENTS = ("卫健", "市场监管", "公安", "药监", "审计", "税务", "纪检监察")
PARTNER_REQUIRED = {"department", "region"}
STATUSES = {"OPEN": "待处理", "CASE_OPENED": "已转案件", "DROPPED": "已终止", "MERGED": "已合并"}


def get(session: Session, clue_id: int) -> Clue:
    clue = session.get(Clue, clue_id)
    if clue is None:
        raise NotFound("CLUE_NOT_FOUND", f"线索不存在：{clue_id}", "clue not found")
    return clue


def sources(session: Session, clue_id: int) -> list[ClueSource]:
    return list(
        session.execute(
            select(ClueSource).where(ClueSource.clue_id == clue_id).order_by(ClueSource.id)
        ).scalars()
    )


def _overlaps(a_from, a_to, b_from, b_to) -> bool:
    return (a_from is None or b_to is None or a_from <= b_to) and (
        b_from is None or a_to is None or b_from <= a_to
    )


def _find_match(
    session: Session, region: str, institution_code, person_code, subjects, period_from, period_to
) -> Clue | None:
    q = select(Clue).where(Clue.status == "OPEN")
    if region:
        q = q.where(Clue.region.like(f"{region}%"))
    if institution_code:
        q = q.where(Clue.institution_code == institution_code)
    elif person_code:
        q = q.where(Clue.institution_code.is_(None), Clue.person_code == person_code)
    else:
        return None
    for clue in session.execute(q.order_by(Clue.id)).scalars():
        if set(clue.subjects) & set(subjects) and _overlaps(
            clue.period_from, clue.period_to, period_from, period_to
        ):
            return clue
    return None


def add(
    session: Session,
    actor: Actor,
    *,
    source_type: str,
    source_ref: str,
    subjects: list[str],
    institution_code: str | None = None,
    person_code: str | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    amount: Decimal = Decimal("0"),
    summary: str = "",
    partner: str = "",
    payload: dict | None = None,
) -> tuple[Clue, bool]:
    """Register one clue source; returns the clue and whether it was merged into an existing one."""
    if source_type not in SOURCE_TYPES:
        raise InputError("SOURCE_TYPE", f"线索来源须为：{'、'.join(SOURCE_TYPES)}", field="source_type")
    if not (institution_code or person_code):
        raise InputError("PARTY_REQUIRED", "线索须指明涉及的机构或个人", field="institution_code")
    if not subjects:
        raise InputError("SUBJECT_REQUIRED", "线索须注明问题类别", field="subjects")
    if not str(source_ref).strip():
        raise InputError("SOURCE_REF", "须提供来源编号（用于去重）", field="source_ref")
    existing = session.execute(
        select(ClueSource).where(
            ClueSource.source_type == source_type, ClueSource.source_ref == str(source_ref)
        )
    ).scalar_one_or_none()
    if existing is not None:
        return get(session, existing.clue_id), True
    if source_type in PARTNER_REQUIRED and not str(partner).strip():
        raise InputError(
            "PARTNER_REQUIRED",
            f"{SOURCE_TYPES[source_type]}线索须写明移送部门或协查地区",
            "partner required",
            field="partner",
        )
    amount = Decimal(str(amount))
    clue = _find_match(session, actor.region, institution_code, person_code, subjects, period_from, period_to)
    merged = clue is not None
    if clue is None:
        home = service.institution_region(session, institution_code)
        clue = Clue(
            clue_no=f"tmp-{source_type}-{source_ref}"[:40],
            region=home if home and home.startswith(actor.region) else actor.region,
            institution_code=institution_code,
            person_code=person_code,
            subjects=sorted(set(subjects)),
            period_from=period_from,
            period_to=period_to,
            amount=amount,
            summary=summary,
            status="OPEN",
            created_at=now(),
        )
        session.add(clue)
        session.flush()
        clue.clue_no = f"XS-{clue.created_at.year}-{clue.id:06d}"
    else:
        clue.subjects = sorted(set(clue.subjects) | set(subjects))
        clue.period_from = (
            None if None in (clue.period_from, period_from) else min(clue.period_from, period_from)
        )
        clue.period_to = None if None in (clue.period_to, period_to) else max(clue.period_to, period_to)
        clue.amount = max(clue.amount, amount)
        if summary and summary not in clue.summary:
            clue.summary = f"{clue.summary}\n{summary}".strip()
        if person_code and not clue.person_code:
            clue.person_code = person_code
    session.add(
        ClueSource(
            clue_id=clue.id,
            source_type=source_type,
            source_ref=str(source_ref),
            partner=partner,
            payload=payload or {},
            received_at=now(),
        )
    )
    session.flush()
    record(
        session, actor.name, "clue.merged" if merged else "clue.created", "clue", clue.clue_no,
        {"source_type": source_type, "source_ref": str(source_ref)}, region=clue.region,
    )  # fmt: skip
    return clue, merged


def from_findings(session: Session, actor: Actor, findings: list[dict]) -> list[Clue]:
    """Selected findings (data-contract columns) grouped per institution and category into clues."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for f in findings:
        for key in ("finding_id", "fixmedins_code", "category"):
            if not f.get(key):
                raise InputError("FINDING_FIELD", f"疑点缺少字段 {key}", field=key)
        groups[(f["fixmedins_code"], f["category"])].append(f)
    out: list[Clue] = []
    for (institution, category), rows in groups.items():
        for f in rows:
            clue, _ = add(
                session,
                actor,
                source_type="finding",
                source_ref=f["finding_id"],
                subjects=[category],
                institution_code=institution,
                amount=Decimal(str(f.get("amount") or "0")),
                summary=f.get("message", ""),
                payload={
                    k: f.get(k) for k in ("rule_code", "rule_version", "prac_psn_code", "setl_id", "amount")
                },
            )
        group_total = sum((Decimal(str(r.get("amount") or "0")) for r in rows), Decimal("0"))
        clue.amount = max(clue.amount, group_total)
        if clue not in out:
            out.append(clue)
    session.flush()
    return out


def open_case(session: Session, clue_id: int, actor: Actor, title: str, actor_type: str = "unit") -> Case:
    """立案前的线索转案件: the case starts at CLUE with the clue's party, amount and findings."""
    clue = get(session, clue_id)
    if clue.status != "OPEN":
        raise Conflict("CLUE_NOT_OPEN", f"线索 {clue.clue_no} 已转案件或已终止", "clue is not open")
    srcs = sources(session, clue.id)
    practitioners = sorted({s.payload.get("prac_psn_code") for s in srcs if s.payload.get("prac_psn_code")})
    case = service.create(
        session,
        actor,
        region=clue.region or None,
        title=title,
        actor_type=actor_type,
        amount=clue.amount,
        institution_code=clue.institution_code,
        person_code=clue.person_code,
        facts={"clue_no": clue.clue_no, "subjects": clue.subjects, "summary": clue.summary},
        finding_ids=[s.source_ref for s in srcs if s.source_type == "finding"],
        practitioner_codes=practitioners,
    )
    clue.status, clue.case_id = "CASE_OPENED", case.id
    record(
        session,
        actor.name,
        "clue.case_opened",
        "clue",
        clue.clue_no,
        {"case_no": case.case_no},
        region=clue.region,
    )
    session.flush()
    return case


def drop(session: Session, clue_id: int, actor: Actor, reason: str) -> Clue:
    clue = get(session, clue_id)
    if clue.status != "OPEN":
        raise Conflict("CLUE_NOT_OPEN", f"线索 {clue.clue_no} 已转案件或已终止", "clue is not open")
    if not reason.strip():
        raise InputError("REQUIRED", "须说明终止理由", field="reason")
    clue.status = "DROPPED"
    record(session, actor.name, "clue.dropped", "clue", clue.clue_no, {"reason": reason}, region=clue.region)
    session.flush()
    return clue


def merge(session: Session, keep_id: int, other_id: int, actor: Actor) -> Clue:
    """合并重复线索 by hand: ``other``'s sources move to ``keep`` (all kept); ``other`` becomes MERGED."""
    keep, other = get(session, keep_id), get(session, other_id)
    if keep.id == other.id:
        raise InputError("MERGE_SELF", "不能把线索与自身合并", field="other_id")
    for c in (keep, other):
        if c.status != "OPEN":
            raise Conflict("CLUE_NOT_OPEN", f"线索 {c.clue_no} 已转案件、已终止或已合并", "clue is not open")
    same_inst = keep.institution_code and keep.institution_code == other.institution_code
    same_person = (
        not (keep.institution_code and other.institution_code)
        and keep.person_code
        and keep.person_code == other.person_code
    )
    if not (same_inst or same_person):
        raise Conflict(
            "MERGE_PARTY", "只能合并涉及同一机构（或同一人员）的重复线索", "clues concern different parties"
        )
    moved = 0
    for src in sources(session, other.id):
        src.clue_id = keep.id
        moved += 1
    keep.subjects = sorted(set(keep.subjects) | set(other.subjects))
    keep.period_from = (
        None if None in (keep.period_from, other.period_from) else min(keep.period_from, other.period_from)
    )
    keep.period_to = (
        None if None in (keep.period_to, other.period_to) else max(keep.period_to, other.period_to)
    )
    keep.amount = max(keep.amount, other.amount)
    if other.summary and other.summary not in keep.summary:
        keep.summary = f"{keep.summary}\n{other.summary}".strip()
    if other.person_code and not keep.person_code:
        keep.person_code = other.person_code
    other.status, other.merged_into = "MERGED", keep.id
    detail = {"kept": keep.clue_no, "absorbed": other.clue_no, "sources_moved": moved}
    record(session, actor.name, "clue.merged_by_hand", "clue", keep.clue_no, detail, region=keep.region)
    record(session, actor.name, "clue.absorbed", "clue", other.clue_no, detail, region=other.region)
    session.flush()
    return keep


def pending_inspection_handoffs(session: Session, in_scope=None) -> list:
    """Inspection findings handed over by the inspections domain (线索移交) and not taken yet."""
    try:
        from fundguard.inspections import clues as handoff
    except ModuleNotFoundError:
        return []
    return [r for r in handoff.pending_clues(session) if in_scope is None or in_scope(r.fixmedins_code)]


def take_inspection_handoffs(session: Session, actor: Actor, in_scope=None) -> list[Clue]:
    """Register every pending inspection hand-off (in scope) as a clue source and mark it taken."""
    from fundguard.inspections import clues as handoff

    out: list[Clue] = []
    for req in pending_inspection_handoffs(session, in_scope):
        clue, _ = add(
            session,
            actor,
            source_type="inspection",
            source_ref=f"{req.source_type}:{req.source_id}",
            subjects=[req.category],
            institution_code=req.fixmedins_code,
            amount=req.amount,
            summary=req.summary,
            partner="监督检查",
            payload={"request_id": req.id, "found_on": req.found_on.isoformat(), "evidence": req.evidence},
        )
        handoff.mark_taken(session, req.id, clue.clue_no, actor=actor.name)
        if clue not in out:
            out.append(clue)
    return out
