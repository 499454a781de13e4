"""Pydantic shapes of the scoring API (请求与响应)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class StatusOut(BaseModel):
    """数据契约的资格状态：status active|suspended|terminated。"""

    status: str = Field(examples=["suspended"])
    year_points: int = Field(examples=[9])
    until: date | None = Field(default=None, examples=["2025-05-10"])
    barred_until: date | None = None


class ProposalIn(BaseModel):
    prac_psn_code: str = Field(examples=["D110101000001"])
    behaviour_code: str = Field(examples=["V-9"])
    points: int = Field(examples=[5])
    admdvs: str = Field(examples=["110101"])
    operator: str = Field("", description="经办人（API 以登录用户为准，此字段被忽略）")
    facts: str = ""
    legal_basis: str = ""
    case_ref: str = ""
    fixmedins_code: str = ""
    agency: str = ""


class ApproveIn(BaseModel):
    reviewer: str = ""
    decision_date: date
    points: int | None = Field(default=None, description="调整后的分值（须说明理由）")
    reason: str = ""
    effective_date: date | None = None
    notified_on: date | None = None
    suspend_months: int | None = None


class AppealIn(BaseModel):
    entry_seq: int
    filed_on: date
    reason: str
    operator: str = ""


class AppealDecisionIn(BaseModel):
    outcome: str = Field(description="upheld 维持 / reduced 减少 / revoked 撤销")
    decided_on: date
    reviewer: str = ""
    reason: str
    points: int | None = None


class RepairIn(BaseModel):
    prac_psn_code: str
    activity: str = Field(examples=["training"])
    on: date
    operator: str = ""
    note: str = ""


class ReversalIn(BaseModel):
    operator: str = ""
    reason: str
    on: date


class EntryOut(BaseModel):
    seq: int
    prac_psn_code: str
    kind: str
    points: int
    behaviour_code: str
    decision_date: date
    effective_date: date
    admdvs: str
    operator: str
    target_seq: int | None = None
    outcome: str = ""


class ReinstateIn(BaseModel):
    operator: str = ""
    on: date
    fixmedins_code: str = ""
