"""Pydantic shapes of the inspections domain (监督检查)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class PlanIn(BaseModel):
    period: str = Field(description="季度，如 2026Q1")
    on: date
    admdvs: str = ""
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
    risk: list[RiskRow]
    top_n: int | None = None
