"""Knowledge tables (规则集、版本、规则、知识点), findings (规则命中) and reviewer verdicts (复核结论)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fundguard.db import Base, Money


class RuleSet(Base):
    """A family of rules: ``national`` (两库), ``medimodel`` (curated), ``platform``, ``local``."""

    __tablename__ = "rule_set"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    current_version: Mapped[str | None] = mapped_column(String(64))


class RuleSetVersion(Base):
    """One imported version of a rule set; old versions are kept for backtesting."""

    __tablename__ = "rule_set_version"
    __table_args__ = (UniqueConstraint("rule_set", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_set: Mapped[str] = mapped_column(ForeignKey("rule_set.name"), nullable=False, index=True)
    version: Mapped[str] = mapped_column(String(64), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    report: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class Rule(Base):
    """A rule code (e.g. ``GEN-N01``): one template applied to the knowledge rows of one source."""

    __tablename__ = "rule"
    __table_args__ = (UniqueConstraint("rule_code", "version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("rule_set_version.id"), nullable=False, index=True)
    rule_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    rule_set: Mapped[str] = mapped_column(String(32), nullable=False)
    template: Mapped[str] = mapped_column(String(32), nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    severity: Mapped[str] = mapped_column(String(8), nullable=False, default="warn")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    disabled_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


class KnowledgeRow(Base):
    """One parsed knowledge point (知识点): the parameters of one template application."""

    __tablename__ = "knowledge_row"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("rule_set_version.id"), nullable=False, index=True)
    rule_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    template: Mapped[str] = mapped_column(String(32), nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    severity: Mapped[str] = mapped_column(String(8), nullable=False, default="warn")
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    source_file: Mapped[str] = mapped_column(String(200), nullable=False)
    source_row: Mapped[int] = mapped_column(Integer, nullable=False)  # 1-based data row (header excluded)
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    region_scope: Mapped[str] = mapped_column(String(12), nullable=False, default="")  # "" = everywhere
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    disabled_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


class RuleRegionSetting(Base):
    """Per-region switch (``rules enable|disable CODE --region ADMDVS``); region "" = everywhere."""

    __tablename__ = "rule_region_setting"

    rule_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    region: Mapped[str] = mapped_column(String(12), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(128), nullable=False, default="cli")


class Finding(Base):
    """A rule hit as written to findings.parquet, kept for the web app (upsert by finding_id)."""

    __tablename__ = "finding"

    finding_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    rule_version: Mapped[str] = mapped_column(String(64), nullable=False)
    category: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    severity: Mapped[str] = mapped_column(String(8), nullable=False)
    mdtrt_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    setl_id: Mapped[str | None] = mapped_column(String(64))
    feedetl_sn: Mapped[str | None] = mapped_column(String(64))
    psn_no: Mapped[str | None] = mapped_column(String(64), index=True)
    fixmedins_code: Mapped[str | None] = mapped_column(String(32), index=True)
    prac_psn_code: Mapped[str | None] = mapped_column(String(40), index=True)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    evidence: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    run_id: Mapped[str] = mapped_column(String(40), nullable=False)
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # Month of the visit (就诊月份, YYYY-MM from mdtrt.begntime): the dashboard's trend axis.
    visit_month: Mapped[str | None] = mapped_column(String(7), index=True)


class Verdict(Base):
    """A reviewer's conclusion on a finding: ``confirmed`` or ``rejected`` (with a reason)."""

    __tablename__ = "finding_verdict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[str] = mapped_column(ForeignKey("finding.finding_id"), nullable=False, index=True)
    verdict: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class FindingResponse(Base):
    """An institution's explanation (机构说明/申辩) on one of its findings, shown to the reviewers."""

    __tablename__ = "finding_response"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[str] = mapped_column(ForeignKey("finding.finding_id"), nullable=False, index=True)
    author: Mapped[str] = mapped_column(String(128), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AuditRun(Base):
    """One batch audit (审核批次): status and stage while it runs, counts when it ends."""

    __tablename__ = "audit_run"

    run_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # running | finished | failed
    stage: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    engine: Mapped[str] = mapped_column(String(16), nullable=False)
    selector: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    batch_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    findings: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")


class BacktestRun(Base):
    """A candidate rule file run against the lake beside the current knowledge (回测), kept for review."""

    __tablename__ = "backtest_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    candidate: Mapped[str] = mapped_column(String(200), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    result: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
