"""Pre-check request/answer (NHSA field names; maps to interfaces 3101 事前 / 3102 事中 / 3103 反馈)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from fundguard.timeutil import TZ

# Codes arrive as text; a bare JSON number (gend: 1) is accepted and kept as text (``coerce_numbers_to_str``
# on every model). Text must be storable: no NUL character (the pattern) and valid UTF-8 (pydantic
# rejects lone surrogates itself).
NO_NUL = r"^[^\x00]*$"
TEXT = ConfigDict(extra="allow", coerce_numbers_to_str=True)


def _local_time(value: datetime) -> datetime:
    """Local Asia/Shanghai time to the second (the contract's YYYY-MM-DD HH:MM:SS)."""
    if value.tzinfo is not None:
        try:
            value = value.astimezone(TZ).replace(tzinfo=None)
        except (OverflowError, ValueError):
            raise ValueError("时间超出可表示的范围") from None
    return value.replace(microsecond=0) if value.microsecond else value


Text = Annotated[str, Field(pattern=NO_NUL)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)]
OptCode = Annotated[str | None, Field(default=None, max_length=200, pattern=NO_NUL)]
Money = Annotated[Decimal, Field(ge=-10_000_000, le=10_000_000, max_digits=18, decimal_places=4)]
Money2 = Annotated[Decimal, Field(ge=-10_000_000, le=10_000_000, max_digits=18, decimal_places=2)]
LocalTime = Annotated[datetime, AfterValidator(_local_time)]
PlainDate = date

EXAMPLE_REQUEST = {
    "scene": "pre",
    "mdtrt": {
        "mdtrt_id": "MD20260301001",
        "psn_no": "P0001",
        "gend": "1",
        "age": 34,
        "insutype": "310",
        "fixmedins_code": "H11010500001",
        "med_type": "11",
        "begntime": "2026-03-01 09:30:00",
    },
    "diag": [{"diag_code": "J06.900", "maindiag_flag": "1"}],
    "fee_list": [
        {
            "feedetl_sn": "F0001",
            "med_list_codg": "XJ01CRA040A001010100000",
            "cnt": 1,
            "pric": 12.5,
            "det_item_fee_sumamt": 12.5,
            "fee_ocur_time": "2026-03-01 09:40:00",
            "bilg_dr_codg": "D110105000001",
        }
    ],
}
EXAMPLE_ANSWER = {
    "precheck_id": "3f2a9c0d1e4b5a6f",
    "decision": "block",
    "knowledge_version": "national=national-0a1b2c3d4e5f,platform=platform-6a7b8c9d0e1f",
    "findings": [
        {
            "rule_code": "SUS-P01",
            "rule_version": "platform-6a7b8c9d0e1f",
            "category": "SUSPENDED_PERSON",
            "severity": "block",
            "feedetl_sn": "F0001",
            "amount": 12.5,
            "message": "开单医师D110105000001在2026-03-01处于医保支付资格暂停期间。",
            "suggested_action": "拦截：该医师处于医保支付资格暂停/终止期，请改由有资格的医师开具。",
        }
    ],
}


class Mdtrt(BaseModel):
    """就诊信息（mdtrt 表字段）。"""

    model_config = TEXT

    mdtrt_id: Code = Field(description="就诊ID", examples=["MD20260301001"])
    psn_no: Code = Field(description="人员编号", examples=["P0001"])
    gend: Code = Field(description="性别（1 男，2 女，0/9 未知）", examples=["1"])
    age: int | None = Field(default=None, ge=0, le=150, description="年龄（岁）；与出生日期 brdy 二选一")
    brdy: PlainDate | None = Field(default=None, description="出生日期 YYYY-MM-DD")
    insutype: OptCode = Field(default=None, description="险种类型")
    fixmedins_code: Code = Field(description="定点医药机构编号（须与接口密钥所属机构一致）")
    med_type: Code = Field(
        description="医疗类别（11 普通门诊，14 门诊慢特病，21 普通住院，41 定点药店购药…）"
    )
    begntime: LocalTime = Field(
        description="开始时间 YYYY-MM-DD HH:MM:SS（带时区时换算为北京时间，精确到秒）"
    )
    endtime: LocalTime | None = Field(default=None, description="结束时间")
    hosp_lv: OptCode = Field(default=None, description="医院等级")
    adm_dept_name: OptCode = Field(default=None, description="入院科室名称")
    dscg_dept_name: OptCode = Field(default=None, description="出院科室名称")
    dscg_maindiag_code: OptCode = Field(
        default=None, description="出院主诊断代码（缺省时取 maindiag_flag=1 的诊断）"
    )
    dscg_maindiag_name: OptCode = Field(default=None, description="出院主诊断名称")
    chfpdr_code: OptCode = Field(default=None, description="主诊医师代码")
    ipt_days: int | None = Field(default=None, ge=0, le=100000, description="住院天数")

    @model_validator(mode="after")
    def _age_or_birth(self):
        if self.age is None and self.brdy is None:
            raise ValueError("age 与 brdy 至少填写一项")
        if self.age is None and self.brdy is not None:
            ref = self.begntime.date()
            self.age = ref.year - self.brdy.year - ((ref.month, ref.day) < (self.brdy.month, self.brdy.day))
        return self


class Diag(BaseModel):
    """诊断信息（diag 表字段）。"""

    model_config = TEXT

    diag_code: Code = Field(description="诊断代码")
    diag_name: OptCode = Field(default=None, description="诊断名称")
    diag_type: OptCode = Field(default=None, description="诊断类别")
    maindiag_flag: OptCode = Field(default=None, description="主诊断标志（1 主诊断）")


class Oprn(BaseModel):
    """手术操作（oprn 表字段）。"""

    model_config = TEXT

    oprn_oprt_code: Code = Field(description="手术操作代码")
    oprn_oprt_name: OptCode = Field(default=None, description="手术操作名称")
    oprn_oprt_date: PlainDate | None = Field(default=None, description="手术操作日期")
    main_oprn_flag: OptCode = Field(default=None, description="主手术标志")


class FeeLine(BaseModel):
    """费用明细（fee_list 表字段）。"""

    model_config = TEXT

    feedetl_sn: Code = Field(description="费用明细流水号")
    med_list_codg: Code = Field(description="医疗目录编码")
    cnt: Money = Field(description="数量")
    pric: Money = Field(description="单价（元）")
    det_item_fee_sumamt: Money2 = Field(description="明细项目费用总额（元，两位小数）")
    fee_ocur_time: LocalTime = Field(description="费用发生时间 YYYY-MM-DD HH:MM:SS")
    setl_id: OptCode = Field(default=None, description="结算ID")
    bilg_dr_codg: OptCode = Field(default=None, description="开单医师国家医保编码")
    bilg_dept_name: OptCode = Field(default=None, description="开单科室名称")
    medins_list_name: OptCode = Field(default=None, description="医药机构目录名称")
    hilist_name: OptCode = Field(default=None, description="医保目录名称")
    med_chrgitm_type: OptCode = Field(default=None, description="医疗收费项目类别")
    pric_uplmt_amt: Money | None = Field(default=None, description="最高限价（元）")
    drug_trac_codg: list[Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL)]] | None = Field(
        default=None, max_length=1000, description="本行药品扫描的追溯码（可多个）"
    )


class PrecheckRequest(BaseModel):
    """事前提醒/事中审核请求（对应国家接口 3101/3102）。"""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_REQUEST]}, coerce_numbers_to_str=True)

    scene: Literal["pre", "settle"] = Field(description="场景：pre 事前（开医嘱时），settle 事中（结算时）")
    mdtrt: Mdtrt
    diag: list[Diag] = Field(default_factory=list, description="诊断列表")
    oprn: list[Oprn] = Field(default_factory=list, description="手术操作列表（无手术时可省略）")
    fee_list: list[FeeLine] = Field(default_factory=list, description="费用明细列表")


class PrecheckFinding(BaseModel):
    rule_code: str = Field(description="规则编码")
    rule_version: str = Field(default="", description="命中规则的版本")
    category: str = Field(description="违规类别（数据约定词表）")
    severity: Literal["info", "warn", "block"] = Field(
        description="严重程度：info 提醒，warn 警示，block 拦截"
    )
    feedetl_sn: str | None = Field(default=None, description="费用明细流水号（就诊级提示为空）")
    amount: float = Field(description="疑似违规金额（元）")
    message: str = Field(description="中文说明")
    suggested_action: str = Field(default="", description="建议处理（中文）")


class PrecheckAnswer(BaseModel):
    """审核结论。"""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_ANSWER]})

    precheck_id: str = Field(description="本次审核编号（反馈时引用）")
    decision: Literal["pass", "warn", "block"] = Field(description="结论：pass 通过，warn 提示，block 拦截")
    knowledge_version: str = Field(default="", description="所用知识库版本")
    findings: list[PrecheckFinding]


class FeedbackItem(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)

    rule_code: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_NUL)] = Field(
        description="规则编码"
    )
    feedetl_sn: Annotated[str | None, Field(max_length=64, pattern=NO_NUL)] = Field(
        default=None, description="费用明细流水号"
    )
    action: Literal["accepted", "changed", "overridden"] = Field(
        description="处理：accepted 接受，changed 已修改医嘱，overridden 坚持原医嘱（须说明理由）"
    )
    reason: Text = Field(default="", max_length=2000, description="理由（坚持原医嘱时必填）")


class FeedbackRequest(BaseModel):
    """医疗机构对审核提示的反馈（对应国家接口 3103）。"""

    model_config = ConfigDict(
        coerce_numbers_to_str=True,
        json_schema_extra={
            "examples": [
                {
                    "precheck_id": "3f2a9c0d1e4b5a6f",
                    "mdtrt_id": "MD20260301001",
                    "doctor_code": "D110105000001",
                    "items": [
                        {
                            "rule_code": "GEN-N01",
                            "feedetl_sn": "F0001",
                            "action": "overridden",
                            "reason": "性别登记错误，已核实",
                        }
                    ],
                }
            ]
        },
    )

    precheck_id: Text = Field(default="", max_length=32, description="审核编号")
    mdtrt_id: Code = Field(description="就诊ID")
    doctor_code: Text = Field(default="", max_length=64, description="处理医师编码")
    items: list[FeedbackItem] = Field(min_length=1, max_length=2000, description="逐条反馈")


class FeedbackAnswer(BaseModel):
    stored: int = Field(description="已保存的反馈条数")
