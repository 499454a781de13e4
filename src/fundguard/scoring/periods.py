"""Stored status (存储的资格状态): the derived periods kept in ``qualification_period``.

The rule engine and the pre-check read these rows (``blocked_persons``) instead of deriving the
status from the ledger on every claim. They are rewritten for a person, in the same transaction,
whenever that person's ledger changes, so they never disagree with ``status.derive``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from fundguard.profiles import get_profile
from fundguard.scoring.models import QualificationPeriod
from fundguard.scoring.status import Entry, Params, Period, derive


def refresh(session: Session, prac_psn_code: str, entries: list[Entry]) -> list[Period]:
    timeline = derive(entries, Params.from_profile(get_profile()))
    session.execute(delete(QualificationPeriod).where(QualificationPeriod.prac_psn_code == prac_psn_code))
    for p in timeline.periods:
        session.add(
            QualificationPeriod(
                prac_psn_code=prac_psn_code,
                kind=p.kind,
                start_date=p.start,
                end_date=p.end,
                barred_until=p.barred_until,
                trigger_seq=p.trigger_seq,
                trigger_total=p.trigger_total,
                one_time=p.one_time,
            )
        )
    session.flush()
    return list(timeline.periods)


def to_period(row: QualificationPeriod) -> Period:
    return Period(
        row.kind,
        row.start_date,
        row.end_date,
        row.barred_until,
        row.trigger_seq,
        row.trigger_total,
        row.one_time,
    )


def stored_periods(session: Session, prac_psn_code: str) -> list[Period]:
    rows = session.execute(
        select(QualificationPeriod)
        .where(QualificationPeriod.prac_psn_code == prac_psn_code)
        .order_by(QualificationPeriod.start_date, QualificationPeriod.id)
    ).scalars()
    return [to_period(r) for r in rows]


def covering(session: Session, on: date) -> list[QualificationPeriod]:
    """Stored periods in force on ``on`` (start ≤ on < end, or open)."""
    return list(
        session.execute(
            select(QualificationPeriod)
            .where(
                QualificationPeriod.start_date <= on,
                or_(QualificationPeriod.end_date.is_(None), QualificationPeriod.end_date > on),
            )
            .order_by(QualificationPeriod.prac_psn_code, QualificationPeriod.start_date)
        ).scalars()
    )


def all_periods(session: Session) -> list[QualificationPeriod]:
    return list(
        session.execute(
            select(QualificationPeriod).order_by(
                QualificationPeriod.prac_psn_code, QualificationPeriod.start_date
            )
        ).scalars()
    )
