"""Stored analytics runs (分析批次): risk scores, indicator alerts, collusion rings, institution
indicator series and the physician ranking of one run.

Each ``fundguard risk`` run (and ``service.save_run``) appends one ``analytics_run`` with its rows,
so that the web UI and the API show the latest results without recomputing them. Every row carries
the 医保区划 (``admdvs``) it belongs to — of the institution; for a practitioner or an insured person
of the institution where they had most visits; for a ring the regions of its institutions — so that
users see only their region's rows (decision 0013).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fundguard.db import Base


class AnalyticsRun(Base):
    __tablename__ = "analytics_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    source: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    summary: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)


class RiskScore(Base):
    __tablename__ = "analytics_risk_score"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analytics_run.id"), nullable=False, index=True)
    entity_type: Mapped[str] = mapped_column(String(16), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(64), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    reasons: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="", index=True)
    components: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)


class IndicatorAlert(Base):
    __tablename__ = "analytics_indicator_alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analytics_run.id"), nullable=False, index=True)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    entity_id: Mapped[str] = mapped_column(String(128), nullable=False)
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    indicator: Mapped[str] = mapped_column(String(48), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    peer_median: Mapped[float] = mapped_column(Float, nullable=False)
    band_low: Mapped[float] = mapped_column(Float, nullable=False)
    band_high: Mapped[float] = mapped_column(Float, nullable=False)
    robust_z: Mapped[float] = mapped_column(Float, nullable=False)
    peer_n: Mapped[int] = mapped_column(Integer, nullable=False)
    peer_key: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="", index=True)
    volume: Mapped[float | None] = mapped_column(Float)


class CollusionRing(Base):
    __tablename__ = "analytics_ring"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analytics_run.id"), nullable=False, index=True)
    ring_id: Mapped[str] = mapped_column(String(16), nullable=False)
    persons: Mapped[int] = mapped_column(Integer, nullable=False)
    view: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="", index=True)
    regions: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class IndicatorValue(Base):
    """One institution indicator per period (month or ALL) with its peer baseline and band: the
    series behind the indicator charts (值 vs 同组中位数与区间)."""

    __tablename__ = "analytics_indicator_value"
    __table_args__ = (Index("ix_analytics_indicator_value_entity", "run_id", "entity_id", "indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analytics_run.id"), nullable=False, index=True)
    entity_id: Mapped[str] = mapped_column(String(32), nullable=False)
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    indicator: Mapped[str] = mapped_column(String(48), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    peer_median: Mapped[float | None] = mapped_column(Float)
    band_low: Mapped[float | None] = mapped_column(Float)
    band_high: Mapped[float | None] = mapped_column(Float)
    robust_z: Mapped[float | None] = mapped_column(Float)
    peer_n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    volume: Mapped[float | None] = mapped_column(Float)
    alert: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class PractitionerRank(Base):
    """A practitioner's place in the ranking of their peer group (同级同类同科室), with the monthly
    trend (visits, cost per visit, total cost) as JSON."""

    __tablename__ = "analytics_ranking"
    __table_args__ = (Index("ix_analytics_ranking_group", "run_id", "peer_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analytics_run.id"), nullable=False, index=True)
    prac_psn_code: Mapped[str] = mapped_column(String(40), nullable=False)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="", index=True)
    peer_key: Mapped[str] = mapped_column(String(128), nullable=False)
    visits: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cost_per_visit: Mapped[float | None] = mapped_column(Float)
    total_cost: Mapped[float | None] = mapped_column(Float)
    rank_cost_per_visit: Mapped[int | None] = mapped_column(Integer)
    rank_total_cost: Mapped[int | None] = mapped_column(Integer)
    group_n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    group_median_cost_per_visit: Mapped[float | None] = mapped_column(Float)
    eligible: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    focus: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    trend: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
