"""Pydantic shapes of calendar overrides (工作日历调整)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class OverrideIn(BaseModel):
    day: date
    is_workday: bool = Field(description="true = 调休上班 working day; false = 放假 holiday")
    reason: str = Field("", description="依据，如国务院办公厅放假通知文号")


class OverrideOut(OverrideIn):
    model_config = ConfigDict(from_attributes=True)
    updated_by: str
