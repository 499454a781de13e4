"""Stored analytics runs (分析批次): risk scores, indicator alerts and collusion rings of one run.

Each ``fundguard risk`` run (and ``service.save_run``) appends one ``analytics_run`` with its rows,
so that the web UI and the API show the latest results without recomputing them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String
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


class CollusionRing(Base):
    __tablename__ = "analytics_ring"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analytics_run.id"), nullable=False, index=True)
    ring_id: Mapped[str] = mapped_column(String(16), nullable=False)
    persons: Mapped[int] = mapped_column(Integer, nullable=False)
    view: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
