"""Pydantic shapes of the disclosure domain (信息公开)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PublicationIn(BaseModel):
    pub_type: str = Field(
        description="NEW_INSTITUTIONS / RESCINDED_INSTITUTIONS / RANDOM_INSPECTION_RESULTS / CREDIT_LIST / TYPICAL_CASE / FUND_STATUS / OTHER"
    )
    title: str
    content: str
    personal_names: list[str] = Field([], description="需脱敏的人名")
    channel: str = "WEBSITE"


class PublishIn(BaseModel):
    publish_at: datetime


class WithdrawIn(BaseModel):
    at: datetime
    reason: str


class PublicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    pub_type: str
    title: str
    content: str
    status: str
    publish_at: datetime | None
    withdrawn_at: datetime | None
