"""Request and response bodies of the case and rectification APIs (金额 as strings of yuan)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class CaseIn(BaseModel):
    title: str = Field(examples=["某医院虚构诊疗项目骗取医保基金"])
    actor_type: str = Field(examples=["unit"], description="unit 单位 / individual 个人")
    amount: Decimal = Field(Decimal("0"), examples=["20000.00"])
    institution_code: str | None = Field(None, examples=["H32040100001"])
    person_code: str | None = None
    facts: dict = Field(default_factory=dict, examples=[{"kind": "fraud", "repeat_offence": False}])
    finding_ids: list[str] = Field(default_factory=list)
    practitioner_codes: list[str] = Field(default_factory=list)


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_no: str
    region: str
    title: str
    status: str
    owner_role: str
    assignee: str | None
    institution_code: str | None
    person_code: str | None
    actor_type: str
    amount: Decimal
    step_deadline: date | None
    filed_on: date | None
    decision_due: date | None
    defence_due: date | None
    fine_due: date | None
    criminal_referral_suggested: bool


class EventIn(BaseModel):
    """Body of ``POST /cases/{id}/events/{event}``; each event reads the fields it needs."""

    note: str = ""
    assignee: str = ""
    receiving_agency: str = ""
    method: str = ""
    opinion: str = ""
    basis: str = ""
    on: date | None = Field(None, description="办理日期（默认今天）")


class DraftIn(BaseModel):
    fine_amount: Decimal
    measures: list[str]
    basis: str
    recover_amount: Decimal | None = None
    suspension_months: int = 0
    legal_rep_ban_years: int = 0


class StatementIn(BaseModel):
    statement: str


class DiscussionIn(BaseModel):
    conclusion: str
    members: list[str]


class ProblemIn(BaseModel):
    region: str = Field(examples=["320400"])
    institution_code: str
    description: str
    source_type: str = Field(
        examples=["inspection"], description="inspection/audit/case/supervision/self_check"
    )
    source_id: str = ""
    basis: str = ""
    severity: str = "general"
    department: str | None = None
    owner_person: str | None = None
    required_evidence: list[str] = Field(default_factory=list, examples=[["整改报告", "培训签到表"]])


class ProblemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    problem_no: str
    region: str
    institution_code: str
    description: str
    status: str
    deadline: date | None
    round: int
    required_evidence: list
    escalations: list


class ReviewIn(BaseModel):
    note: str


class EscalateIn(BaseModel):
    measure: str = Field(examples=["通报批评"])
    note: str = ""


class DocumentIn(BaseModel):
    kind: str = Field(
        "notice", description="notice 告知书 / decision 处罚决定书（整改通知书走 rectification 接口）"
    )
    agency: str = Field(examples=["常医保"], description="发文机关简称，用于文号")
    agency_name: str = Field(examples=["常州市医疗保障局"])


class ClueIn(BaseModel):
    source_type: str = Field(
        examples=["hotline_12345"], description="finding/alert/tip/hotline_12345/department/region/inspection"
    )
    source_ref: str = Field(examples=["12345-2026-000123"], description="来源编号（去重用）")
    subjects: list[str] = Field(examples=[["FALSE_ADMISSION"]])
    institution_code: str | None = None
    person_code: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    amount: Decimal = Decimal("0")
    summary: str = ""
    partner: str = Field("", examples=["重庆市医疗保障局"])


class FactsIn(BaseModel):
    """案情要素 read by the penalty calculator; omitted fields stay as they are."""

    kind: str | None = Field(None, description="improper_use/management/fraud/individual/serious_harm")
    article: int | None = Field(None, description="适用条例条款（留空按违规类型确定）")
    repeat_offence: bool | None = None
    refused_correction: bool | None = None
    serious_consequences: bool | None = None
    fraud_purpose: bool | None = None


class FindingsIn(BaseModel):
    finding_ids: list[str] = Field(examples=[["F-20261101-0001"]], description="选定的规则命中编号")


class MergeIn(BaseModel):
    other_id: int = Field(description="被合并（重复）的线索 ID，其来源全部并入本线索")


class ReasonIn(BaseModel):
    reason: str


class ClueCaseIn(BaseModel):
    title: str
    actor_type: str = "unit"


class ExportIn(BaseModel):
    clue_ids: list[int]
    sender: dict = Field(examples=[{"kind": "region", "code": "320400", "name": "常州市医疗保障局"}])
    receiver: dict = Field(default_factory=dict)
    as_excel: bool = False
