"""Pydantic shapes of the credit domain (信用管理)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class EventIn(BaseModel):
    event_type: str = Field(description="credit.event_points 中的类型，或自定义类型并给出 points")
    occurred_on: date
    explanation: str
    points: int | None = None
    source_type: str = ""
    source_id: str = ""
    expires_on: date | None = None
    admdvs: str = Field("", description="个人主体的医保区划；机构主体取自主数据")


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    subject_type: str
    subject_id: str
    event_type: str
    points: int
    occurred_on: date
    explanation: str


class ScoreLineOut(BaseModel):
    date: str
    event_type: str
    points: int
    score_after: int
    explanation: str
    source: str


class ScoreOut(BaseModel):
    subject_type: str
    subject_id: str
    on: date
    start_score: int
    score: int
    grade: str
    inspection_multiplier: float
    lines: list[ScoreLineOut]


class ListingIn(BaseModel):
    list_type: str = Field(description="INCENTIVE / PUNISHMENT / BLACKLIST")
    subject_type: str
    subject_id: str
    subject_name: str
    id_number: str = ""
    reason: str
    start_on: date
    years: int | None = None
    admdvs: str = Field("", description="列入地的医保区划；默认机构主数据或当前用户辖区")


class ListingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    list_type: str
    subject_type: str
    subject_id: str
    subject_name: str = ""
    id_number: str = ""
    admdvs: str = ""
    status: str
    start_on: date
    end_on: date | None
