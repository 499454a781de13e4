"""Clues (线索): from findings, analytics alerts, tips, 12345 work orders, other departments
(卫健、市场监管、公安) and other regions (川渝 etc.); merged when they concern the same party and
an overlapping subject; exchanged with partners as a JSON or Excel file (``CLUE_EXCHANGE.md``).

Merging: an OPEN clue with the same institution (or, when neither names one, the same person),
at least one common subject (violation category) and overlapping periods (an open end overlaps
everything) absorbs the new source. All sources are kept (``clue_source``); subjects are united,
the period widened and the amount is the larger of the two (sources often describe the same
money twice, so amounts are not added).
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
    session: Session, institution_code, person_code, subjects, period_from, period_to
) -> Clue | None:
    q = select(Clue).where(Clue.status == "OPEN")
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
    amount = Decimal(str(amount))
    clue = _find_match(session, institution_code, person_code, subjects, period_from, period_to)
    merged = clue is not None
    if clue is None:
        clue = Clue(
            clue_no=f"tmp-{source_type}-{source_ref}"[:40],
            region=actor.region,
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
