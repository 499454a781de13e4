"""API shapes of analytics (pydantic): risk scores, indicator alerts, rings, ranking."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Reason(BaseModel):
    indicator: str = Field(description="指标或专项信号代码 indicator / signal code")
    label: str = Field("", description="中文名")
    value: float = Field(description="本实体取值（专项信号为占比）")
    peer_baseline: float = Field(description="同组基准（中位数）")
    peer_group_size: int | None = Field(None, description="同组数量")
    robust_z: float | None = Field(None, description="稳健z分数（指标）")
    alert: bool | None = Field(None, description="是否达到预警条件（指标）")
    strength: float | None = Field(None, description="证据强度 0–1（专项信号、规则命中）")
    detail: str | None = Field(None, description="说明，如 3 人次 / 住院 59 人次")


class RiskScoreOut(BaseModel):
    id: int = Field(description="风险分记录编号（页面以此链接参保人）")
    entity_type: str = Field(description="institution | practitioner | insured")
    entity_id: str = Field(description="机构编码、医师编码或参保人编号（无权查看个人标识时脱敏）")
    score: float = Field(description="风险分，越高越可疑")
    rank: int = Field(description="同类实体中的排名，1 = 风险最高")
    fixmedins_code: str = Field("", description="所属定点机构（医师、参保人：就诊最多的机构）")
    admdvs: str = Field("", description="医保区划")
    components: dict[str, float] = Field(default_factory=dict, description="分项：指标偏离、模型、规则、专项")
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
    fixmedins_code: str = ""
    admdvs: str = ""
    volume: float | None = Field(None, description="该指标所依据的人次/人数")


class RunOut(BaseModel):
    id: int
    started_at: datetime
    source: str
    summary: dict


class RingSummaryOut(BaseModel):
    ring_id: str
    persons: int
    admdvs: str
    regions: list[str]


class RingOut(BaseModel):
    ring_id: str
    persons: int
    providers: int
    shared_events: int
    members: list[dict]
    edges: list[dict]
    shared_days: list[dict]


class RankingOut(BaseModel):
    prac_psn_code: str
    fixmedins_code: str
    admdvs: str
    peer_key: str
    visits: int
    cost_per_visit: float | None
    total_cost: float | None
    rank_cost_per_visit: int | None = Field(None, description="同组次均费用排名（1 = 最高）")
    rank_total_cost: int | None
    group_n: int = Field(description="同组达到最低就诊量的医师数")
    group_median_cost_per_visit: float | None
    eligible: bool
    focus: bool = Field(description="是否列入重点监管名单")
