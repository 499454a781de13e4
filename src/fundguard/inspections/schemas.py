"""Pydantic shapes of the inspections domain (监督检查)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class PlanIn(BaseModel):
    period: str = Field(description="季度，如 2026Q1")
    on: date
    admdvs: str = Field("", description="抽查范围的医保区划，默认为当前用户的辖区")
    matters: list[str] | None = None


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    period: str
    admdvs: str
    status: str
    draw_id: int | None


class DrawIn(BaseModel):
    on: date
    seed: int | None = Field(None, description="留空则由 secrets 生成 63 位随机种子")
    high_risk: list[str] = []
    team_size: int | None = None


class DrawOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    seed: str
    algorithm: str
    algorithm_version: str
    params: dict
    snapshot_sha256: str
    result: list


class ReplayOut(BaseModel):
    draw_id: int
    snapshot_intact: bool
    equal: bool
    kind: str = ""
    seed: str = ""
    algorithm: str = ""
    algorithm_version: str = ""
    snapshot_sha256: str = ""
    stored: list = []
    recomputed: list = []


class InspectionEventIn(BaseModel):
    on: date
    content: str = ""
    signed_by: str = ""
    problems_found: bool = False
    disposition: str = ""


class InspectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    plan_id: int
    fixmedins_code: str
    stratum: str
    status: str
    team: list
    disposition: str
    publication_ref: str


class RiskRow(BaseModel):
    fixmedins_code: str
    score: float
    reasons: list[str] = []


class FlightPlanIn(BaseModel):
    title: str
    on: date
    admdvs: str = Field("", description="组织检查的医保区划，默认为当前用户的辖区")
    risk: list[RiskRow]
    top_n: int | None = None


class FlightEventIn(BaseModel):
    on: date
    team: list[str] = []
    scheme: str = ""


class SelfCheckTasksIn(BaseModel):
    period: str = Field(description="季度，如 2026Q1")
    fixmedins_codes: list[str]


class SelfCheckTaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    fixmedins_code: str
    period: str
    due_on: date
    status: str
    submitted_on: date | None


class SelfCheckProblemIn(BaseModel):
    category: str = "OTHER"
    description: str
    amount: Decimal = Decimal("0")
    refund_amount: Decimal = Decimal("0")
    finding_refs: list[str] = []
    owner: str = ""
    deadline: date | None = None


class SelfCheckReportIn(BaseModel):
    on: date
    scope: str = ""
    method: str = ""
    problems: list[SelfCheckProblemIn] = []


class ComparisonOut(BaseModel):
    task_id: int
    platform_findings: int
    reported_problems: int
    refund_total: Decimal
    unreported: list[dict]
