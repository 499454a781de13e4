"""API shapes of analytics (pydantic): risk scores, indicator alerts, rings."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Reason(BaseModel):
    indicator: str = Field(description="指标代码 indicator code")
    label: str = Field("", description="指标中文名")
    value: float = Field(description="本实体取值")
    peer_baseline: float = Field(description="同级同类基准（中位数）")
    peer_group_size: int | None = Field(None, description="同组数量")
    robust_z: float | None = None
    alert: bool | None = None


class RiskScoreOut(BaseModel):
    entity_type: str = Field(description="institution | practitioner | insured")
    entity_id: str
    score: float = Field(description="风险分，越高越可疑")
    rank: int = Field(description="同类实体中的排名，1 = 风险最高")
    reasons: list[Reason]


class AlertOut(BaseModel):
    level: str
    entity_id: str
    period: str
    indicator: str
    value: float
    peer_median: float
    band_low: float
    band_high: float
    robust_z: float
    peer_n: int = Field(description="同组数量 peer group size")
    peer_key: str


class RunOut(BaseModel):
    id: int
    started_at: datetime
    source: str
    summary: dict


class RingOut(BaseModel):
    ring_id: str
    persons: int
    providers: int
    shared_events: int
    members: list[dict]
    edges: list[dict]
    shared_days: list[dict]
