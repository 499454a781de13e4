"""Credit tables.

信用主体 credit subject (``subject_type`` INSTITUTION 定点医药机构 / PRACTITIONER 医保支付资格人员 /
INSURED 参保人, ``subject_id`` = fixmedins_code, prac_psn_code or psn_no);
信用事件 credit event; 信用评价 credit evaluation; 信用名单 credit list entry (INCENTIVE 守信联合激励 /
PUNISHMENT 失信联合惩戒 / BLACKLIST 欺诈骗保黑名单).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fundguard.db import Base


class CreditEvent(Base):
    __tablename__ = "credit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    # 医保区划 of the event (persons have no master-data region; institutions use master data).
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="", server_default="")
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False)
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    explanation: Mapped[str] = mapped_column(Text, nullable=False)
    source_type: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    source_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    expires_on: Mapped[date | None] = mapped_column(Date)
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class CreditEvaluation(Base):
    __tablename__ = "credit_evaluation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    period: Mapped[str] = mapped_column(String(16), nullable=False)
    evaluated_on: Mapped[date] = mapped_column(Date, nullable=False)
    score: Mapped[int] = mapped_column(Integer, nullable=False)
    grade: Mapped[str] = mapped_column(String(4), nullable=False)
    method_version: Mapped[str] = mapped_column(String(40), nullable=False)
    explanation: Mapped[list] = mapped_column(JSON, nullable=False)


class CreditListEntry(Base):
    __tablename__ = "credit_list_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_type: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    subject_type: Mapped[str] = mapped_column(String(16), nullable=False)
    subject_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    subject_name: Mapped[str] = mapped_column(String(200), nullable=False)
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="", server_default="", index=True)
    id_number: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    start_on: Mapped[date] = mapped_column(Date, nullable=False)
    end_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
