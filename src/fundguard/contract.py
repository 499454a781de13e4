"""The data contract's input tables (docs: ../shared/docs/data-contract.md), as code.

One place states every table's columns, which are required, their lake types and keys, so
that ingest (validation), the synthetic city (writing), the rule engine and the pre-check
(reading) agree. Extra columns in an input file are ignored; optional columns may be missing.

Lake types: ``str`` (codes and text, kept as strings: leading zeros matter), ``int``,
``dec2`` (yuan, exact cents), ``dec4`` (counts and unit prices), ``time`` (local
Asia/Shanghai ``YYYY-MM-DD HH:MM:SS``), ``date`` (``YYYY-MM-DD``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DUCKDB_TYPES = {
    "str": "VARCHAR",
    "int": "INTEGER",
    "dec2": "DECIMAL(18,2)",
    "dec4": "DECIMAL(18,4)",
    "time": "TIMESTAMP",
    "date": "DATE",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "str"
    required: bool = False
    # Field whose NHSA code dictionary (nhsa-codes/field_code_values.csv + profile codes.extra_values) applies.
    dictionary: str | None = None
    # Profile key (codes.*) of the regex the value must match.
    pattern: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    title_zh: str
    kind: str  # claims | master | pharmacy | points
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # empty: rows are keyed by their whole content
    partition_time: str | None = None  # time/date column whose year-month partitions the lake
    refs: tuple[tuple[str, str, str], ...] = field(default=())  # (column, table, column)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _cols(spec: str, required: set[str], **overrides: Column) -> tuple[Column, ...]:
    """Build columns from ``name:type`` words; ``overrides`` replace individual columns."""
    out = []
    for word in spec.split():
        name, _, kind = word.partition(":")
        col = overrides.get(name) or Column(name, kind or "str", name in required)
        if col.required != (name in required):
            col = Column(col.name, col.type, name in required, col.dictionary, col.pattern)
        out.append(col)
    return tuple(out)


MDTRT = Table(
    "mdtrt",
    "就诊",
    "claims",
    _cols(
        "mdtrt_id psn_no gend age:int fixmedins_code med_type begntime:time certno psn_name brdy:date insutype "
        "psn_type insu_admdvs hosp_lv endtime:time ipt_otp_no adm_dept_codg adm_dept_name dscg_dept_codg "
        "dscg_dept_name dscg_maindiag_code dscg_maindiag_name dise_no dise_name ipt_days:int chfpdr_code "
        "chfpdr_name dscg_way",
        {"mdtrt_id", "psn_no", "gend", "age", "fixmedins_code", "med_type", "begntime"},
        gend=Column("gend", dictionary="gend"),
        med_type=Column("med_type", dictionary="med_type"),
        insutype=Column("insutype", dictionary="insutype"),
        hosp_lv=Column("hosp_lv", dictionary="hosp_lv"),
        fixmedins_code=Column("fixmedins_code", pattern="codes.institution"),
        insu_admdvs=Column("insu_admdvs", pattern="codes.admdvs"),
        dscg_maindiag_code=Column("dscg_maindiag_code", pattern="codes.diagnosis"),
        chfpdr_code=Column("chfpdr_code", pattern="codes.practitioner"),
    ),
    key=("mdtrt_id",),
    partition_time="begntime",
    refs=(("fixmedins_code", "fixmedins", "fixmedins_code"),),
)

SETL = Table(
    "setl",
    "结算",
    "claims",
    _cols(
        "setl_id mdtrt_id psn_no fixmedins_code setl_time:time medfee_sumamt:dec2 fund_pay_sumamt:dec2 med_type "
        "insutype fulamt_ownpay_amt:dec2 overlmt_selfpay:dec2 preselfpay_amt:dec2 inscp_amt:dec2 hifp_pay:dec2 "
        "acct_pay:dec2 cash_payamt:dec2 refd_setl_flag",
        {"setl_id", "mdtrt_id", "psn_no", "fixmedins_code", "setl_time", "medfee_sumamt", "fund_pay_sumamt"},
        med_type=Column("med_type", dictionary="med_type"),
        insutype=Column("insutype", dictionary="insutype"),
        fixmedins_code=Column("fixmedins_code", pattern="codes.institution"),
    ),
    key=("setl_id",),
    partition_time="setl_time",
    refs=(("mdtrt_id", "mdtrt", "mdtrt_id"),),
)

FEE_LIST = Table(
    "fee_list",
    "费用明细",
    "claims",
    _cols(
        "feedetl_sn mdtrt_id psn_no fixmedins_code fee_ocur_time:time med_list_codg cnt:dec4 pric:dec4 "
        "det_item_fee_sumamt:dec2 setl_id medins_list_codg medins_list_name hilist_code hilist_name list_type "
        "med_chrgitm_type chrgitm_lv pric_uplmt_amt:dec4 selfpay_prop:dec4 fulamt_ownpay_amt:dec2 inscp_amt:dec2 "
        "bilg_dept_codg bilg_dept_name bilg_dr_codg bilg_dr_name acord_dept_codg acord_dr_codg spec dosform_name "
        "prodname",
        {
            "feedetl_sn",
            "mdtrt_id",
            "psn_no",
            "fixmedins_code",
            "fee_ocur_time",
            "med_list_codg",
            "cnt",
            "pric",
            "det_item_fee_sumamt",
        },
        chrgitm_lv=Column("chrgitm_lv", dictionary="chrgitm_lv"),
        fixmedins_code=Column("fixmedins_code", pattern="codes.institution"),
        bilg_dr_codg=Column("bilg_dr_codg", pattern="codes.practitioner"),
    ),
    key=("feedetl_sn",),
    partition_time="fee_ocur_time",
    refs=(("mdtrt_id", "mdtrt", "mdtrt_id"),),
)

DIAG = Table(
    "diag",
    "诊断",
    "claims",
    _cols(
        "mdtrt_id diag_code diag_name diag_type maindiag_flag",
        {"mdtrt_id", "diag_code"},
        diag_code=Column("diag_code", pattern="codes.diagnosis"),
    ),
    key=("mdtrt_id", "diag_code"),
    refs=(("mdtrt_id", "mdtrt", "mdtrt_id"),),
)

OPRN = Table(
    "oprn",
    "手术操作",
    "claims",
    _cols(
        "mdtrt_id oprn_oprt_code oprn_oprt_name oprn_oprt_date:date main_oprn_flag oper_dr_code",
        {"mdtrt_id", "oprn_oprt_code"},
        oprn_oprt_code=Column("oprn_oprt_code", pattern="codes.procedure"),
    ),
    key=("mdtrt_id", "oprn_oprt_code"),
    refs=(("mdtrt_id", "mdtrt", "mdtrt_id"),),
)

TRACE = Table(
    "trace",
    "追溯码",
    "claims",
    _cols(
        "feedetl_sn drug_trac_codg fixmedins_code scan_time:time",
        {"feedetl_sn", "drug_trac_codg"},
        drug_trac_codg=Column("drug_trac_codg", pattern="codes.trace_code"),
    ),
    key=("feedetl_sn", "drug_trac_codg"),
    refs=(("feedetl_sn", "fee_list", "feedetl_sn"),),
)

FIXMEDINS = Table(
    "fixmedins",
    "定点医药机构",
    "master",
    _cols(
        "fixmedins_code fixmedins_name fixmedins_type hosp_lv admdvs aprv_bed_cnt:int legrep_name uscc addr",
        {"fixmedins_code", "fixmedins_name", "fixmedins_type"},
        fixmedins_code=Column("fixmedins_code", pattern="codes.institution"),
        hosp_lv=Column("hosp_lv", dictionary="hosp_lv"),
        admdvs=Column("admdvs", pattern="codes.admdvs"),
    ),
    key=("fixmedins_code",),
)

PRACTITIONER = Table(
    "practitioner",
    "医保支付资格人员",
    "master",
    _cols(
        "prac_psn_code prac_psn_name prac_psn_type fixmedins_code certno dept_codg pro_title begn_date:date "
        "end_date:date",
        {"prac_psn_code", "prac_psn_name", "prac_psn_type", "fixmedins_code"},
        prac_psn_code=Column("prac_psn_code", pattern="codes.practitioner"),
    ),
    key=("prac_psn_code", "fixmedins_code"),
    refs=(("fixmedins_code", "fixmedins", "fixmedins_code"),),
)

CATALOG = Table(
    "catalog",
    "医保目录",
    "master",
    _cols(
        "med_list_codg name list_type chrgitm_lv pric_uplmt_amt:dec4 unit spec",
        {"med_list_codg", "name", "list_type"},
        chrgitm_lv=Column("chrgitm_lv", dictionary="chrgitm_lv"),
    ),
    key=("med_list_codg",),
)

PURCHASE = Table(
    "purchase",
    "进货",
    "pharmacy",
    _cols(
        "fixmedins_code med_list_codg purc_date:date cnt:dec4 pric:dec4 supplier invo_no",
        {"fixmedins_code", "med_list_codg", "purc_date", "cnt"},
    ),
    partition_time="purc_date",
    refs=(("fixmedins_code", "fixmedins", "fixmedins_code"),),
)

STOCK = Table(
    "stock",
    "盘存",
    "pharmacy",
    _cols(
        "fixmedins_code med_list_codg stock_date:date cnt:dec4",
        {"fixmedins_code", "med_list_codg", "stock_date", "cnt"},
    ),
    key=("fixmedins_code", "med_list_codg", "stock_date"),
    partition_time="stock_date",
    refs=(("fixmedins_code", "fixmedins", "fixmedins_code"),),
)

SALE_NONINS = Table(
    "sale_nonins",
    "非医保销售",
    "pharmacy",
    _cols(
        "fixmedins_code med_list_codg sale_time:time cnt:dec4",
        {"fixmedins_code", "med_list_codg", "sale_time", "cnt"},
    ),
    partition_time="sale_time",
    refs=(("fixmedins_code", "fixmedins", "fixmedins_code"),),
)

POINTS = Table(
    "points",
    "记分记录",
    "points",
    _cols(
        "prac_psn_code points:int decision_date:date admdvs behaviour_code reason case_ref",
        {"prac_psn_code", "points", "decision_date", "admdvs"},
        prac_psn_code=Column("prac_psn_code", pattern="codes.practitioner"),
        admdvs=Column("admdvs", pattern="codes.admdvs"),
    ),
)

# Load order: referenced tables before the tables that point at them.
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        FIXMEDINS,
        PRACTITIONER,
        CATALOG,
        MDTRT,
        SETL,
        FEE_LIST,
        DIAG,
        OPRN,
        TRACE,
        PURCHASE,
        STOCK,
        SALE_NONINS,
        POINTS,
    )
}

VIOLATION_CATEGORIES: dict[str, str] = {
    "GENDER": "限性别",
    "AGE": "限年龄",
    "INDICATION": "超适应症/限适应症",
    "HOSP_LEVEL": "限医院等级",
    "MED_TYPE": "限就医方式",
    "DEPARTMENT": "限科室/专科",
    "FREQUENCY": "超频次",
    "QUANTITY": "超用量/超疗程",
    "DURATION": "超时长",
    "PRICE": "超标准收费",
    "DUPLICATE": "重复收费",
    "EXCLUSIVE": "互斥/包含项目",
    "ADD_ON": "诊疗加收",
    "SPLIT_ADMISSION": "分解住院",
    "SWAP": "串换项目",
    "PHANTOM": "虚记/虚假",
    "BED_HANGING": "挂床住院",
    "IMPERSONATION": "冒名就医",
    "TRACE_CODE": "追溯码异常",
    "STOCK": "进销存不符",
    "SUSPENDED_PERSON": "暂停/终止资格人员",
    "OVERUSE": "过度诊疗/检查",
    "OTHER": "其他",
}

FINDING_COLUMNS: tuple[str, ...] = (
    "finding_id",
    "rule_code",
    "rule_version",
    "category",
    "severity",
    "mdtrt_id",
    "setl_id",
    "feedetl_sn",
    "psn_no",
    "fixmedins_code",
    "prac_psn_code",
    "amount",
    "message",
    "evidence",
)

RISK_SCORE_COLUMNS: tuple[str, ...] = ("entity_type", "entity_id", "score", "rank", "reasons")

LABEL_COLUMNS: tuple[str, ...] = ("category", "mdtrt_id", "feedetl_sn", "amount", "note")
