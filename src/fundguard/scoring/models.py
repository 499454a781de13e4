"""Tables of the scoring domain (记分).

- ``points_person``  一人一档 header: one row per national code, created on the first entry.
- ``points_entry``   记分台账: append-only, hash-chained (chain ``points``); never updated or deleted.
- ``points_proposal`` 拟记分 → 审核 workflow (mutable process state, audited).
- ``points_appeal``  申诉 workflow (mutable process state; filing and outcome are also ledger entries).
- ``points_notice``  generated Chinese notices (告知书) for the person and the institution.
- ``qualification_period`` stored status (暂停/终止 periods) derived from the ledger, for fast reads.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fundguard.db import Base


class PersonFile(Base):
    __tablename__ = "points_person"

    prac_psn_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    origin: Mapped[str] = mapped_column(String(16), nullable=False)  # masterdata | external
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PointsEntry(Base):
    __tablename__ = "points_entry"
    __table_args__ = (UniqueConstraint("seq"), UniqueConstraint("dedup_key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    prac_psn_code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    behaviour_code: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    facts: Mapped[str] = mapped_column(Text, nullable=False, default="")
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    case_ref: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    agency: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    decision_date: Mapped[date] = mapped_column(Date, nullable=False)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    operator: Mapped[str] = mapped_column(String(128), nullable=False)
    target_seq: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    suspend_months: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    dedup_key: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class Proposal(Base):
    __tablename__ = "points_proposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prac_psn_code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    behaviour_code: Mapped[str] = mapped_column(String(32), nullable=False)
    proposed_points: Mapped[int] = mapped_column(Integer, nullable=False)
    approved_points: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # proposed | approved
    facts: Mapped[str] = mapped_column(Text, nullable=False, default="")
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    case_ref: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False)
    agency: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    proposed_by: Mapped[str] = mapped_column(String(128), nullable=False)
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    reviewed_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    review_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decision_date: Mapped[date | None] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)
    entry_seq: Mapped[int | None] = mapped_column(Integer)


class Appeal(Base):
    __tablename__ = "points_appeal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prac_psn_code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    entry_seq: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    filed_on: Mapped[date] = mapped_column(Date, nullable=False)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    decide_by: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # pending | upheld | reduced | revoked
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    decision_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    filed_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    outcome_seq: Mapped[int | None] = mapped_column(Integer)


class Notice(Base):
    __tablename__ = "points_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prac_psn_code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    entry_seq: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    recipient: Mapped[str] = mapped_column(String(16), nullable=False)  # person | institution
    recipient_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False)
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)


class QualificationPeriod(Base):
    """Stored status: periods derived from the ledger, rewritten for a person on every append."""

    __tablename__ = "qualification_period"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prac_psn_code: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # suspension | termination
    start_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    end_date: Mapped[date | None] = mapped_column(Date)
    barred_until: Mapped[date | None] = mapped_column(Date)
    trigger_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    trigger_total: Mapped[int] = mapped_column(Integer, nullable=False)
    one_time: Mapped[bool] = mapped_column(nullable=False, default=False)
