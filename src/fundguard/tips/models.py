"""Tables of whistleblower tips (举报): 举报 Tip, 举报人身份 TipIdentity (encrypted, separate table),
附件 TipAttachment, 处理记录 TipStep, 奖励 TipReward (计算、审批、发放)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fundguard.db import Base, Money


class Tip(Base):
    __tablename__ = "tip"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tip_no: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    region: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    channel: Mapped[str] = mapped_column(String(24), nullable=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False)
    retrieval_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    accused_institution: Mapped[str | None] = mapped_column(String(32), index=True)
    accused_person: Mapped[str | None] = mapped_column(String(40), index=True)
    category: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    content: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    step_deadline: Mapped[date | None] = mapped_column(Date, index=True)
    triage_score: Mapped[int | None] = mapped_column(Integer)
    route: Mapped[str | None] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(Integer)
    extended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    verified_amount: Mapped[Decimal | None] = mapped_column(Money)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class TipIdentity(Base):
    """The reporter's identity, Fernet-encrypted; read only through ``service.reveal_identity``."""

    __tablename__ = "tip_identity"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), primary_key=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class TipAttachment(Base):
    __tablename__ = "tip_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), index=True, nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)


class TipStep(Base):
    __tablename__ = "tip_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), index=True, nullable=False)
    event: Mapped[str] = mapped_column(String(40), nullable=False)
    from_status: Mapped[str] = mapped_column(String(20), nullable=False)
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class TipReward(Base):
    __tablename__ = "tip_reward"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tip.id"), primary_key=True)
    basis_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    rate: Mapped[str] = mapped_column(String(12), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    calculation: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    computed_by: Mapped[str] = mapped_column(String(128), nullable=False)
    approved_by: Mapped[str | None] = mapped_column(String(128))
    approved_on: Mapped[date | None] = mapped_column(Date)
    pay_due: Mapped[date | None] = mapped_column(Date)
    payment_method: Mapped[str | None] = mapped_column(String(40))
    payment_ref: Mapped[str | None] = mapped_column(String(100))
    paid_by: Mapped[str | None] = mapped_column(String(128))
    paid_on: Mapped[date | None] = mapped_column(Date)
