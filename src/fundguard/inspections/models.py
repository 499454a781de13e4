"""Inspection tables.

检查对象名录库 target directory (``InspectionTarget``); 执法检查人员名录库 inspector directory
(``Inspector``, 任职经历 ``InspectorAffiliation`` current/former institutions, 申报关系
``InspectorRelation`` e.g. a close relative working there); 抽查计划 random plan (``RandomPlan``),
抽取 draw (``Draw``: seed, algorithm, candidate snapshot + SHA-256), 检查任务 one drawn target
(``RandomInspection``, its team and records); 飞行检查 flight plan/target/on-site record/finding;
线索移交请求 clue request (handoff to the cases domain); 自查自纠 self-check task and problems.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fundguard.db import Base, Money


class InspectionTarget(Base):
    __tablename__ = "insp_target"

    fixmedins_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    fixmedins_type: Mapped[str] = mapped_column(String(2), nullable=False)
    hosp_lv: Mapped[str] = mapped_column(String(4), nullable=False, default="")
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="", index=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Inspector(Base):
    __tablename__ = "insp_inspector"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    certno: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    enforcement_cert: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class InspectorAffiliation(Base):
    __tablename__ = "insp_inspector_affiliation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("insp_inspector.id"), nullable=False, index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False)
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)


class InspectorRelation(Base):
    __tablename__ = "insp_inspector_relation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("insp_inspector.id"), nullable=False, index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False)
    relation: Mapped[str] = mapped_column(String(100), nullable=False)
    declared_on: Mapped[date] = mapped_column(Date, nullable=False)


class RandomPlan(Base):
    __tablename__ = "insp_random_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(16), nullable=False)
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    matters: Mapped[list] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    planned_on: Mapped[date] = mapped_column(Date, nullable=False)
    draw_id: Mapped[int | None] = mapped_column(Integer)


class Draw(Base):
    __tablename__ = "insp_draw"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("insp_random_plan.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # TARGETS or TEAMS
    seed: Mapped[str] = mapped_column(String(40), nullable=False)
    algorithm: Mapped[str] = mapped_column(String(60), nullable=False)
    algorithm_version: Mapped[str] = mapped_column(String(20), nullable=False)
    params: Mapped[dict] = mapped_column(JSON, nullable=False)
    snapshot: Mapped[list] = mapped_column(JSON, nullable=False)
    snapshot_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    result: Mapped[list] = mapped_column(JSON, nullable=False)
    drawn_on: Mapped[date] = mapped_column(Date, nullable=False)
    drawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class RandomInspection(Base):
    __tablename__ = "insp_random_inspection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("insp_random_plan.id"), nullable=False, index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    stratum: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    team: Mapped[list] = mapped_column(JSON, nullable=False)
    drawn_on: Mapped[date] = mapped_column(Date, nullable=False)
    record: Mapped[str] = mapped_column(Text, nullable=False, default="")
    signed_by: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    report: Mapped[str] = mapped_column(Text, nullable=False, default="")
    problems_found: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    disposition: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    publication_ref: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class FlightPlan(Base):
    __tablename__ = "insp_flight_plan"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="", server_default="", index=True)
    created_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    team: Mapped[list] = mapped_column(JSON, nullable=False)
    scheme: Mapped[str] = mapped_column(Text, nullable=False, default="")


class FlightTarget(Base):
    __tablename__ = "insp_flight_target"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("insp_flight_plan.id"), nullable=False, index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    risk_score: Mapped[float] = mapped_column(Float, nullable=False)
    reasons: Mapped[list] = mapped_column(JSON, nullable=False)
    focus_departments: Mapped[list] = mapped_column(JSON, nullable=False)
    checklist: Mapped[list] = mapped_column(JSON, nullable=False)


class FlightRecord(Base):
    __tablename__ = "insp_flight_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("insp_flight_target.id"), nullable=False, index=True)
    recorded_on: Mapped[date] = mapped_column(Date, nullable=False)
    department: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    content: Mapped[str] = mapped_column(Text, nullable=False)
    evidence: Mapped[list] = mapped_column(JSON, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")


class ClueRequest(Base):
    """A finding handed to the cases domain (线索移交); the cases engineer consumes these rows."""

    __tablename__ = "insp_clue_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_type: Mapped[str] = mapped_column(String(32), nullable=False)
    source_id: Mapped[str] = mapped_column(String(64), nullable=False)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    category: Mapped[str] = mapped_column(String(32), nullable=False, default="OTHER")
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    evidence: Mapped[list] = mapped_column(JSON, nullable=False)
    found_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="PENDING")


class SelfCheckTask(Base):
    __tablename__ = "insp_self_check_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fixmedins_code: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    period: Mapped[str] = mapped_column(String(8), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False, default="")
    method: Mapped[str] = mapped_column(Text, nullable=False, default="")
    submitted_on: Mapped[date | None] = mapped_column(Date)


class SelfCheckProblem(Base):
    __tablename__ = "insp_self_check_problem"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("insp_self_check_task.id"), nullable=False, index=True)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    finding_refs: Mapped[list] = mapped_column(JSON, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    refund_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    owner: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    deadline: Mapped[date | None] = mapped_column(Date)
