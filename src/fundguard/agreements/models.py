"""Agreement-management tables.

定点申请 application (``Application``, its step history ``ApplicationStep``), 评估 evaluation
(INITIAL 初次评估 / NETWORK_TEST 联网测试), 公示投诉 complaint during the public notice, 服务协议
agreement, 机构相关人员 responsible person (法定代表人 LEGAL_REP / 主要负责人 PRINCIPAL /
实际控制人 CONTROLLER), 经济处罚 economic penalty (unpaid ones exclude an applicant), 监管状态
institution supervision status (被调查 under investigation), 信息变更 change request, 年度综合考核
annual assessment.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fundguard.db import Base, Money


class Application(Base):
    __tablename__ = "agr_application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    applicant_name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    fixmedins_code: Mapped[str | None] = mapped_column(String(32), index=True)
    app_type: Mapped[str] = mapped_column(String(16), nullable=False)
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    persons: Mapped[list] = mapped_column(JSON, nullable=False)
    materials: Mapped[list] = mapped_column(JSON, nullable=False)
    submitted_on: Mapped[date] = mapped_column(Date, nullable=False)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    network_tests: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    retest_allowed_on: Mapped[date | None] = mapped_column(Date)
    reapply_allowed_on: Mapped[date | None] = mapped_column(Date)
    notice_start_on: Mapped[date | None] = mapped_column(Date)
    notice_end_on: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    agreement_id: Mapped[int | None] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ApplicationStep(Base):
    """One stay of an application in a state, with the working-day deadline of that step."""

    __tablename__ = "agr_application_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("agr_application.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    entered_on: Mapped[date] = mapped_column(Date, nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Evaluation(Base):
    __tablename__ = "agr_evaluation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("agr_application.id"), nullable=False, index=True)
    stage: Mapped[str] = mapped_column(String(16), nullable=False)
    attempt_no: Mapped[int] = mapped_column(Integer, nullable=False)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reasons: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evaluator: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    mode: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    notified_on: Mapped[date] = mapped_column(Date, nullable=False)


class Complaint(Base):
    __tablename__ = "agr_complaint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("agr_application.id"), nullable=False, index=True)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    result: Mapped[str] = mapped_column(String(16), nullable=False, default="VERIFYING")
    resolved_on: Mapped[date | None] = mapped_column(Date)


class Agreement(Base):
    __tablename__ = "agr_agreement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(32), nullable=False, default="", index=True)
    application_id: Mapped[int | None] = mapped_column(Integer)
    template_version: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    service_scope: Mapped[list] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(24), nullable=False, index=True)
    start_on: Mapped[date] = mapped_column(Date, nullable=False)
    end_on: Mapped[date] = mapped_column(Date, nullable=False)
    term_years: Mapped[int] = mapped_column(Integer, nullable=False)
    credit_grade: Mapped[str] = mapped_column(String(4), nullable=False, default="")
    paused_on: Mapped[date | None] = mapped_column(Date)
    pause_deadline: Mapped[date | None] = mapped_column(Date)
    resume_from: Mapped[str | None] = mapped_column(String(24))
    rescinded_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


class AgreementInterruption(Base):
    """One 中止 (PAUSE, at the institution's request) or 暂停 (SUSPENSION, an agency measure) period.

    ``scheduled_end`` is the last day of the period when one is known (a pause: ``pause_max_months``
    after its start; a suspension: the end date of the measure, optional); ``ended_on`` is the day
    the agreement served again (or ended). Kept after resumption: the renewal deadline depends on
    whether a period covered the last day of the term.
    """

    __tablename__ = "agr_interruption"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agr_agreement.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    start_on: Mapped[date] = mapped_column(Date, nullable=False)
    scheduled_end: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    end_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ResponsiblePerson(Base):
    __tablename__ = "agr_responsible_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    certno: Mapped[str] = mapped_column(String(40), nullable=False, index=True)


class EconomicPenalty(Base):
    __tablename__ = "agr_economic_penalty"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(32), nullable=False, default="", index=True)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    imposed_on: Mapped[date] = mapped_column(Date, nullable=False)
    paid_on: Mapped[date | None] = mapped_column(Date)
    decision_ref: Mapped[str] = mapped_column(String(100), nullable=False, default="")


class InstitutionStatus(Base):
    __tablename__ = "agr_institution_status"

    fixmedins_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    under_investigation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ChangeRequest(Base):
    __tablename__ = "agr_change_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    field: Mapped[str] = mapped_column(String(40), nullable=False)
    new_value: Mapped[str] = mapped_column(Text, nullable=False)
    changed_on: Mapped[date] = mapped_column(Date, nullable=False)
    requested_on: Mapped[date] = mapped_column(Date, nullable=False)
    needs_re_evaluation: Mapped[bool] = mapped_column(Boolean, nullable=False)
    late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class AnnualAssessment(Base):
    __tablename__ = "agr_annual_assessment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    scores: Mapped[dict] = mapped_column(JSON, nullable=False)
    weights: Mapped[dict] = mapped_column(JSON, nullable=False)
    total: Mapped[Decimal] = mapped_column(Numeric(6, 2), nullable=False)
    assessed_on: Mapped[date] = mapped_column(Date, nullable=False)
    credit_event_id: Mapped[int | None] = mapped_column(Integer)
