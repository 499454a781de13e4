"""Request and response bodies of the tip API. Identity never appears in a response body."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class IdentityIn(BaseModel):
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    email: str | None = None


class TipIn(BaseModel):
    channel: str = Field(
        examples=["online"], description="phone/mail/email/online/hotline_12345/social_supervisor/visit"
    )
    content: str = Field(examples=["某药店用医保卡刷日用品"])
    accused_institution: str | None = Field(None, examples=["P32040100002"])
    accused_person: str | None = None
    category: str = ""
    region: str = ""
    identity: IdentityIn | None = Field(None, description="留空即匿名举报")


class TipReceipt(BaseModel):
    tip_no: str
    retrieval_code: str = Field(description="查询码，只显示一次，请举报人妥善保存")


class TipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tip_no: str
    channel: str
    anonymous: bool
    accused_institution: str | None
    accused_person: str | None
    category: str
    content: str
    status: str
    step_deadline: date | None
    triage_score: int | None
    route: str | None
    case_id: int | None
    verified_amount: Decimal | None
    received_at: datetime


class ReasonIn(BaseModel):
    reason: str


class InvestigateIn(BaseModel):
    case_id: int | None = None


class ConcludeIn(BaseModel):
    substantiated: bool
    note: str
    verified_amount: Decimal | None = None


class FeedbackIn(BaseModel):
    text: str


class TriageIn(BaseModel):
    findings: int = 0
    anomalies: int = 0
    prior_cases: int = 0


class RewardIn(BaseModel):
    level: int = Field(examples=[1], description="1/2/3 等")


class PayIn(BaseModel):
    method: str = Field(examples=["银行转账"])
    reference: str = Field(examples=["PZ-2026-0001"])


class ClueIn(BaseModel):
    subjects: list[str] = Field(examples=[["BED_HANGING"]], description="问题类别")
