"""The points ledger (记分台账): append-only, hash-chained as chain ``points``.

Entry kinds: ``decision`` (记分决定), ``external`` (外地/历史已决定记分), ``reversal`` (更正冲销),
``appeal_filed`` (申诉受理, 0 points), ``appeal_outcome`` (申诉决定: 0 / −reduction / −all),
``repair`` (修复, negative points), ``reinstatement`` (重新登记备案, 0 points).
Nothing here updates or deletes an entry; ``verify_ledger`` finds any row changed or removed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard import hashchain
from fundguard.auth import service as audit
from fundguard.masterdata.models import Practitioner
from fundguard.scoring import periods
from fundguard.scoring.models import PersonFile, PointsEntry
from fundguard.scoring.status import Entry
from fundguard.timeutil import format_time, now

CHAIN = "points"
KINDS = ("decision", "external", "reversal", "appeal_filed", "appeal_outcome", "repair", "reinstatement")
UNKNOWN_NAME = "未知"


def payload(entry: PointsEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "prac_psn_code": entry.prac_psn_code,
        "kind": entry.kind,
        "points": entry.points,
        "behaviour_code": entry.behaviour_code,
        "facts": entry.facts,
        "legal_basis": entry.legal_basis,
        "case_ref": entry.case_ref,
        "fixmedins_code": entry.fixmedins_code,
        "admdvs": entry.admdvs,
        "agency": entry.agency,
        "decision_date": entry.decision_date,
        "effective_date": entry.effective_date,
        "operator": entry.operator,
        "target_seq": entry.target_seq,
        "outcome": entry.outcome,
        "suspend_months": entry.suspend_months,
        "batch_id": entry.batch_id,
        "dedup_key": entry.dedup_key,
        "recorded_at": format_time(entry.recorded_at),
    }


def ensure_person(session: Session, prac_psn_code: str) -> PersonFile:
    """The person's file (一人一档), created on first use with what master data knows."""
    person = session.get(PersonFile, prac_psn_code)
    if person is None:
        master = session.get(Practitioner, prac_psn_code)
        person = PersonFile(
            prac_psn_code=prac_psn_code,
            name=master.prac_psn_name if master and master.prac_psn_name else UNKNOWN_NAME,
            origin="masterdata" if master else "external",
            created_at=now().replace(microsecond=0),
        )
        session.add(person)
        session.flush()
    return person


def is_known_person(session: Session, prac_psn_code: str) -> bool:
    return (
        session.get(PersonFile, prac_psn_code) is not None
        or session.get(Practitioner, prac_psn_code) is not None
    )


def append(
    session: Session,
    *,
    prac_psn_code: str,
    kind: str,
    points: int,
    decision_date: date,
    effective_date: date,
    operator: str,
    refresh: bool = True,
    **fields: Any,
) -> PointsEntry:
    """Append one entry in the caller's transaction and refresh the person's stored status."""
    if kind not in KINDS:
        raise ValueError(f"unknown entry kind {kind!r}")
    ensure_person(session, prac_psn_code)
    head = audit.lock_chain(session, CHAIN)
    entry = PointsEntry(
        seq=head.last_seq + 1,
        prac_psn_code=prac_psn_code,
        kind=kind,
        points=int(points),
        behaviour_code=fields.pop("behaviour_code", "") or "",
        facts=fields.pop("facts", "") or "",
        legal_basis=fields.pop("legal_basis", "") or "",
        case_ref=fields.pop("case_ref", "") or "",
        fixmedins_code=fields.pop("fixmedins_code", "") or "",
        admdvs=fields.pop("admdvs", "") or "",
        agency=fields.pop("agency", "") or "",
        decision_date=decision_date,
        effective_date=effective_date,
        operator=operator,
        target_seq=fields.pop("target_seq", None),
        outcome=fields.pop("outcome", "") or "",
        suspend_months=fields.pop("suspend_months", None),
        batch_id=fields.pop("batch_id", "") or "",
        dedup_key=fields.pop("dedup_key", None),
        recorded_at=now().replace(microsecond=0),
        prev_hash=head.last_hash,
        hash="",
    )
    if fields:
        raise TypeError(f"unknown entry fields {sorted(fields)}")
    entry.hash = hashchain.link_hash(entry.prev_hash, payload(entry))
    session.add(entry)
    head.last_seq = entry.seq
    head.last_hash = entry.hash
    session.flush()
    if refresh:
        periods.refresh(session, prac_psn_code, pure_entries(session, prac_psn_code))
    return entry


def entries_of(session: Session, prac_psn_code: str) -> list[PointsEntry]:
    return list(
        session.execute(
            select(PointsEntry).where(PointsEntry.prac_psn_code == prac_psn_code).order_by(PointsEntry.seq)
        ).scalars()
    )


def to_pure(entry: PointsEntry) -> Entry:
    return Entry(
        seq=entry.seq,
        kind=entry.kind,
        points=entry.points,
        decision_date=entry.decision_date,
        effective_date=entry.effective_date,
        target_seq=entry.target_seq,
        outcome=entry.outcome,
        suspend_months=entry.suspend_months,
    )


def pure_entries(session: Session, prac_psn_code: str) -> list[Entry]:
    return [to_pure(e) for e in entries_of(session, prac_psn_code)]


def get_entry(session: Session, seq: int) -> PointsEntry | None:
    return session.execute(select(PointsEntry).where(PointsEntry.seq == seq)).scalar_one_or_none()


def verify_ledger(session: Session) -> list[hashchain.Break]:
    rows = session.execute(select(PointsEntry).order_by(PointsEntry.seq)).scalars()
    breaks = hashchain.verify(CHAIN, ((e.seq, e.prev_hash, e.hash, payload(e)) for e in rows))
    stored_head = session.get(audit.ChainHead, CHAIN)
    last = session.execute(select(PointsEntry).order_by(PointsEntry.seq.desc()).limit(1)).scalar_one_or_none()
    if (
        stored_head is not None
        and stored_head.last_seq
        and (last is None or last.seq != stored_head.last_seq or last.hash != stored_head.last_hash)
    ):
        breaks.append(hashchain.Break(CHAIN, stored_head.last_seq, "链尾记录缺失（末尾记录被删除）"))
    return breaks


audit.CHAIN_VERIFIERS[CHAIN] = verify_ledger


def derived_status(session: Session, prac_psn_code: str, on: date):
    """The status derived from the ledger (authoritative), see ``status.status_on``."""
    from fundguard.profiles import get_profile
    from fundguard.scoring.status import Params, status_on

    return status_on(pure_entries(session, prac_psn_code), Params.from_profile(get_profile()), on)


def triggered_periods(session: Session, entry: PointsEntry):
    """Stored periods that this entry started (for suspension/termination notices)."""
    return [p for p in periods.stored_periods(session, entry.prac_psn_code) if p.trigger_seq == entry.seq]
