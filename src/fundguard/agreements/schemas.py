"""Pydantic shapes of the agreements domain (协议管理)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class Person(BaseModel):
    role: str = Field(description="LEGAL_REP 法定代表人 / PRINCIPAL 主要负责人 / CONTROLLER 实际控制人")
    name: str
    certno: str


class ApplicationIn(BaseModel):
    applicant_name: str
    uscc: str = Field(description="统一社会信用代码")
    app_type: str = Field(description="MEDICAL / PHARMACY / INTERNET / THIRD_PARTY")
    channel: str = Field("ONLINE", description="ONLINE 线上 / OFFLINE 线下")
    persons: list[Person] = []
    materials: list[str] = []
    on: date
    fixmedins_code: str | None = None
    admdvs: str = ""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "applicant_name": "常州市某某诊所",
                    "uscc": "91320400MA1XXXXX0",
                    "app_type": "MEDICAL",
                    "channel": "ONLINE",
                    "persons": [{"role": "LEGAL_REP", "name": "王建国", "certno": "320401197001011234"}],
                    "materials": ["申请表", "医疗机构执业许可证"],
                    "on": "2026-03-02",
                }
            ]
        }
    )


class EventIn(BaseModel):
    """Body of a workflow event; each event reads the fields it needs."""

    on: date
    passed: bool | None = None
    founded: bool | None = None
    reasons: str = ""
    missing: list[str] = []
    materials: list[str] = []
    content: str = ""
    complaint_id: int | None = None
    fixmedins_code: str | None = None
    template_version: str = ""
    service_scope: list[str] = []
    grade: str = ""
    until: date | None = Field(None, description="暂停服务协议的截止日期（含），可空")


class ApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    applicant_name: str
    uscc: str
    fixmedins_code: str | None
    app_type: str
    status: str
    submitted_on: date
    due_on: date | None
    overdue: bool = False
    network_tests: int
    retest_allowed_on: date | None
    reapply_allowed_on: date | None
    notice_start_on: date | None
    notice_end_on: date | None
    signed_on: date | None
    agreement_id: int | None
    reasons: str


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    status: str
    entered_on: date
    due_on: date | None
    left_on: date | None
    note: str


class AgreementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    fixmedins_code: str
    status: str
    start_on: date
    end_on: date
    term_years: int
    credit_grade: str
    pause_deadline: date | None
    rescinded_on: date | None
    ended_on: date | None
    reason: str
    renewal_deadline: date | None = Field(
        None, description="续签申请截止日（中止/暂停期间到期的顺延至其期满）"
    )
    renewal_due_on: date | None = Field(
        None, description="建议提出续签申请的日期（截止日前 renewal_apply_lead_months 个月）"
    )


class InvestigationIn(BaseModel):
    under_investigation: bool


class ChangeIn(BaseModel):
    field: str = Field(
        description="name / legal_representative / address / beds / service_scope / contact / other"
    )
    new_value: str
    changed_on: date
    on: date


class AssessmentIn(BaseModel):
    year: int
    scores: dict[str, Decimal]
    on: date


class TransitionOut(BaseModel):
    agreement_id: int
    from_status: str
    to_status: str
