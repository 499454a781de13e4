"""Tables of case handling (案件查办), rectification (问题销号) and clues (线索).

案件 Case · 证据 CaseEvidence · 处罚决定 PenaltyDecision · 步骤记录 CaseStep · 文书 CaseDocument ·
文号序列 DocumentNumber · 下游建议 DownstreamProposal · 疑点判定 FindingVerdict ·
整改问题 ProblemItem · 整改提交 ProblemSubmission · 线索 Clue · 线索来源 ClueSource.
Institution and person codes are plain strings (clues from other regions name institutions
that are not in our master data).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fundguard.db import Base, Money


class Case(Base):
    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    region: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    institution_code: Mapped[str | None] = mapped_column(String(32), index=True)
    person_code: Mapped[str | None] = mapped_column(String(40), index=True)
    actor_type: Mapped[str] = mapped_column(String(12), nullable=False)  # unit / individual
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    status: Mapped[str] = mapped_column(String(24), nullable=False, index=True)
    owner_role: Mapped[str] = mapped_column(String(40), nullable=False)
    assignee: Mapped[str | None] = mapped_column(String(128))
    step_deadline: Mapped[date | None] = mapped_column(Date, index=True)
    filed_on: Mapped[date | None] = mapped_column(Date)
    decision_due: Mapped[date | None] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)
    defence_due: Mapped[date | None] = mapped_column(Date)
    hearing_request_due: Mapped[date | None] = mapped_column(Date)
    defence_received: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    legal_review_opinion: Mapped[str | None] = mapped_column(Text)
    collective_discussion: Mapped[str | None] = mapped_column(Text)
    criminal_referral_suggested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    served_on: Mapped[date | None] = mapped_column(Date)
    fine_due: Mapped[date | None] = mapped_column(Date)
    facts: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    finding_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    practitioner_codes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class CaseStep(Base):
    """One transition of a case: who did what, when, with which note (执法全过程记录)."""

    __tablename__ = "case_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True, nullable=False)
    event: Mapped[str] = mapped_column(String(40), nullable=False)
    from_status: Mapped[str] = mapped_column(String(24), nullable=False)
    to_status: Mapped[str] = mapped_column(String(24), nullable=False)
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class CaseEvidence(Base):
    __tablename__ = "case_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    collector: Mapped[str] = mapped_column(String(128), nullable=False)
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    custody: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class PenaltyDecision(Base):
    """What a person decided (not what the calculator proposed), with the recorded basis."""

    __tablename__ = "penalty_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), unique=True, nullable=False)
    stage: Mapped[str] = mapped_column(String(12), nullable=False)  # draft (告知) / final (决定)
    article: Mapped[int] = mapped_column(Integer, nullable=False)
    recover_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    fine_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    suspension_months: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    legal_rep_ban_years: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    measures: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    basis: Mapped[str] = mapped_column(Text, nullable=False)
    proposal: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    major: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    drafted_by: Mapped[str] = mapped_column(String(128), nullable=False)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DocumentNumber(Base):
    """Per agency and year, the last used document sequence (文号) — locked while incremented."""

    __tablename__ = "case_doc_number"

    agency: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class CaseDocument(Base):
    __tablename__ = "case_document"
    __table_args__ = (UniqueConstraint("doc_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"), index=True)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problem_item.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    doc_no: Mapped[str] = mapped_column(String(60), nullable=False)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # The same document as PDF (reportlab, embedded CJK font), same number and template.
    pdf_path: Mapped[str | None] = mapped_column(String(500))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class DownstreamProposal(Base):
    """A proposal sent (or waiting to be sent) to another domain when a case is decided."""

    __tablename__ = "case_downstream"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)  # points / credit / disclosure
    target: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # PROPOSED / DELIVERED
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class FindingVerdict(Base):
    """The case's verdict on a rule-engine finding (the finding table belongs to the rules domain)."""

    __tablename__ = "case_finding_verdict"

    finding_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True, nullable=False)
    verdict: Mapped[str] = mapped_column(String(16), nullable=False)  # CONFIRMED / REJECTED
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ProblemItem(Base):
    __tablename__ = "problem_item"
    __table_args__ = (UniqueConstraint("region", "year", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    problem_no: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    region: Mapped[str] = mapped_column(String(12), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    source_type: Mapped[str] = mapped_column(String(24), nullable=False)
    source_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    institution_code: Mapped[str] = mapped_column(String(32), index=True, nullable=False)
    department: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, nullable=False)
    basis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    severity: Mapped[str] = mapped_column(String(16), nullable=False, default="general")
    owner_person: Mapped[str | None] = mapped_column(String(100))
    required_evidence: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    revisit_due: Mapped[date | None] = mapped_column(Date)
    round: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    escalations: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    created_by: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(128))


class ProblemSubmission(Base):
    __tablename__ = "problem_submission"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem_item.id"), index=True, nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    plan: Mapped[str] = mapped_column(Text, nullable=False)
    attachments: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    submitted_by: Mapped[str] = mapped_column(String(128), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    review: Mapped[str | None] = mapped_column(String(16))  # CLOSED / REOPENED
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(128))


class Clue(Base):
    __tablename__ = "clue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clue_no: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    region: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    institution_code: Mapped[str | None] = mapped_column(String(32), index=True)
    person_code: Mapped[str | None] = mapped_column(String(40), index=True)
    subjects: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # OPEN / CASE_OPENED / DROPPED / MERGED (its sources moved to ``merged_into``)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_file.id"))
    merged_into: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ClueSource(Base):
    __tablename__ = "clue_source"
    __table_args__ = (UniqueConstraint("source_type", "source_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clue_id: Mapped[int] = mapped_column(ForeignKey("clue.id"), index=True, nullable=False)
    source_type: Mapped[str] = mapped_column(String(24), nullable=False)
    source_ref: Mapped[str] = mapped_column(String(128), nullable=False)
    partner: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
