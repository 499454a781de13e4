"""Public API of the scoring domain (记分). Other domains, views and the CLI call only this module.

Every function takes the caller's session and never commits: one operation = one transaction,
so an error leaves nothing written. Importing this module registers the ``points`` ledger chain
with ``fundguard verify-log``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.masterdata.models import Practitioner
from fundguard.profiles import get_profile
from fundguard.scoring import (
    appeals,
    exports,
    external,
    ledger,
    notices,
    periods,
    proposals,
    reinstatement,
    repair,
)
from fundguard.scoring.emergency import is_emergency_visit, is_exempt
from fundguard.scoring.models import PersonFile, PointsEntry
from fundguard.scoring.status import Params, QualificationStatus, status_from_periods

__all__ = [
    "QualificationStatus",
    "append_external_points",
    "approve",
    "blocked_persons",
    "decide_appeal",
    "file_appeal",
    "is_emergency_visit",
    "is_exempt",
    "ledger_entries",
    "person_file",
    "propose",
    "reinstate",
    "repair_points",
    "reverse",
    "status_on",
    "stored_status_on",
    "suspension_periods",
]

append_external_points = external.append_external_points
propose = proposals.propose
approve = proposals.approve
reverse = proposals.reverse
file_appeal = appeals.file_appeal
decide_appeal = appeals.decide_appeal
repair_points = repair.repair
reinstate = reinstatement.reinstate
appeal_deadline = appeals.appeal_deadline
notification_rows = exports.notification_rows
blocked_rows = exports.blocked_rows
write_export = exports.write


@dataclass(frozen=True)
class BlockedPerson:
    prac_psn_code: str
    status: str  # suspended | terminated
    until: date | None
    barred_until: date | None


def status_on(session: Session, prac_psn_code: str, on: date) -> QualificationStatus:
    """The person's status on a date, derived from the ledger (active, 0 points for no entries)."""
    return ledger.derived_status(session, prac_psn_code, on)


def stored_status_on(session: Session, prac_psn_code: str, on: date) -> QualificationStatus:
    """The status read from the stored periods (what the rule engine and the pre-check see)."""
    year_points = ledger.derived_status(session, prac_psn_code, on).year_points
    return status_from_periods(periods.stored_periods(session, prac_psn_code), on, year_points)


def blocked_persons(session: Session, on: date) -> list[BlockedPerson]:
    """Persons suspended or terminated on ``on`` (one row each; termination wins), from stored status."""
    found: dict[str, BlockedPerson] = {}
    for p in periods.covering(session, on):
        if p.kind == "termination":
            found[p.prac_psn_code] = BlockedPerson(p.prac_psn_code, "terminated", None, p.barred_until)
        elif p.prac_psn_code not in found:
            found[p.prac_psn_code] = BlockedPerson(p.prac_psn_code, "suspended", p.end_date, None)
    return [found[code] for code in sorted(found)]


def suspension_periods(session: Session) -> list[tuple[str, date, date | None, str]]:
    """Every stored period ``(prac_psn_code, start, end (exclusive) or None, kind)`` for batch audit."""
    return [(p.prac_psn_code, p.start_date, p.end_date, p.kind) for p in periods.all_periods(session)]


def is_warning(status: QualificationStatus) -> bool:
    """Active, but the year's points reached the warning line (预警：约谈并重点监管)."""
    threshold = int(get_profile()["scoring.warning_threshold"])
    return status.status == "active" and status.year_points >= threshold


def warning_list(session: Session, on: date) -> list[dict]:
    """Practitioners on the warning line on ``on``: active with year points ≥ the warning threshold."""
    codes = session.execute(select(PointsEntry.prac_psn_code).distinct()).scalars()
    out = []
    for code in sorted(codes):
        st = status_on(session, code, on)
        if is_warning(st):
            out.append({"prac_psn_code": code, "year_points": st.year_points})
    return out


def ledger_entries(
    session: Session, prac_psn_code: str | None = None, limit: int = 1000
) -> list[PointsEntry]:
    query = select(PointsEntry).order_by(PointsEntry.seq).limit(limit)
    if prac_psn_code:
        query = query.where(PointsEntry.prac_psn_code == prac_psn_code)
    return list(session.execute(query).scalars())


def person_file(session: Session, prac_psn_code: str, on: date) -> dict:
    """一人一档: identity, registrations in every region, entries, periods, appeals and notices."""
    master = session.get(Practitioner, prac_psn_code)
    file = session.get(PersonFile, prac_psn_code)
    registrations = [
        {
            "fixmedins_code": r.fixmedins_code,
            "dept_codg": r.dept_codg,
            "begn_date": r.begn_date.isoformat() if r.begn_date else None,
            "end_date": r.end_date.isoformat() if r.end_date else None,
        }
        for r in (master.registrations if master else [])
    ]
    return {
        "prac_psn_code": prac_psn_code,
        "name": master.prac_psn_name if master else (file.name if file else ledger.UNKNOWN_NAME),
        "prac_psn_type": master.prac_psn_type if master else None,
        "in_master_data": master is not None,
        "registrations": registrations,
        "status": status_on(session, prac_psn_code, on).as_contract(),
        "entries": [ledger.payload(e) for e in ledger.entries_of(session, prac_psn_code)],
        "periods": [
            {
                "kind": p.kind,
                "start": p.start.isoformat(),
                "end": p.end.isoformat() if p.end else None,
                "barred_until": p.barred_until.isoformat() if p.barred_until else None,
                "trigger_total": p.trigger_total,
                "one_time": p.one_time,
            }
            for p in periods.stored_periods(session, prac_psn_code)
        ],
        "appeals": [
            {
                "id": a.id,
                "entry_seq": a.entry_seq,
                "filed_on": a.filed_on.isoformat(),
                "deadline": a.deadline.isoformat(),
                "decide_by": a.decide_by.isoformat(),
                "status": a.status,
            }
            for a in appeals.appeals_of(session, prac_psn_code)
        ],
        "notices": [
            {"kind": n.kind, "recipient": n.recipient, "recipient_code": n.recipient_code, "text": n.text}
            for n in notices.notices_of(session, prac_psn_code)
        ],
    }


def params() -> Params:
    return Params.from_profile(get_profile())


__all__ += ["BlockedPerson", "params"]
