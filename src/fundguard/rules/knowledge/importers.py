"""One function per source table: rows of a shipped rule CSV → knowledge items or rejections.

An item is ``{"rule_code", "params", "source_row"}``; ``params`` are the template's parameters
(validated again by ``rules.schemas`` before storage). ``source_row`` is the file line number
(the header is line 1). A row that cannot be parsed becomes ``(line, reason)`` and is not loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from fundguard import refdata
from fundguard.rules.knowledge import parsing as p

NAT = "nhsa-rules/national_batches/"
MML = "nhsa-rules/medimodel_latest/"
MM0912 = "nhsa-rules/medimodel_2025-09-12_sql/"


@dataclass
class TableResult:
    source_file: str
    rule_set: str
    rows_read: int = 0
    items: list[dict] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)


Importer = Callable[[list[dict[str, str]]], TableResult]
IMPORTERS: dict[str, tuple[str, Callable]] = {}  # source_file -> (rule_set, function)


def importer(rule_set: str, source_file: str):
    def wrap(fn):
        IMPORTERS[source_file] = (rule_set, fn)
        return fn

    return wrap


def _each(rows: list[dict[str, str]], fn: Callable[[dict[str, str]], Iterable[dict]]) -> tuple[list, list]:
    items, rejected = [], []
    for line, row in enumerate(rows, start=2):
        try:
            for item in fn(row):
                item["source_row"] = line
                items.append(item)
        except ValueError as exc:
            rejected.append((line, str(exc)))
    return items, rejected


def _item(rule_code: str, /, **params) -> dict:
    return {"rule_code": rule_code, "params": params}


@lru_cache(maxsize=16)
def _lookup(sheet1: str, value_col: str) -> dict[str, str]:
    return {r["药品通用名"].strip(): r[value_col].strip() for r in refdata.read_rows(sheet1)}


def run_importer(source_file: str) -> TableResult:
    rule_set, fn = IMPORTERS[source_file]
    rows = refdata.read_rows(source_file)
    items, rejected = _each(rows, fn)
    return TableResult(source_file, rule_set, len(rows), items, rejected)


# ---------------------------------------------------------------- national 两库 (exact codes)


def _name_level(code: str, value_col: str):
    def fn(row):
        if not row.get("药品通用名", "").strip():
            raise ValueError("药品通用名为空")
        if not row.get(value_col, "").strip():
            raise ValueError(f"{value_col}为空")
        return [_item(code, item_name=row["药品通用名"].strip(), value=row[value_col].strip())]

    return fn


for _file, _col in (
    ("batch01_drug_age_restriction.csv", "限定对象"),
    ("batch01_drug_gender_restriction.csv", "限定对象"),
    ("batch03_drug_insurance_type_restriction.csv", "限定对象"),
    ("batch04_drug_care_setting_restriction.csv", "限定值域"),
    ("batch05_drug_hospital_level_restriction.csv", "限定值域"),
    ("batch06_drug_payment_duration_restriction.csv", "限定值域"),
):
    importer("national", NAT + _file)(_name_level("LKP-N01", _col))


def _drug_codes(sheet1: str, value_col: str, code_col: str, build: Callable[[str, str, str], dict]):
    names = _lookup(NAT + sheet1, value_col)

    def fn(row):
        name = row["药品通用名"].strip()
        if name not in names:
            raise ValueError(f"药品通用名 {name!r} 不在 {sheet1} 中")
        return [build(p.drug_code(row[code_col]), name, names[name])]

    return fn


@importer("national", NAT + "batch01_drug_gender_restriction_codes.csv")
def batch01_drug_gender_codes(row):
    fn = _drug_codes(
        "batch01_drug_gender_restriction.csv",
        "限定对象",
        "药品代码",
        lambda code, name, v: _item(
            "GEN-N01", code=code, match="exact", allowed_gend=p.gender(v), item_name=name
        ),
    )
    return fn(row)


@importer("national", NAT + "batch01_drug_age_restriction_codes.csv")
def batch01_drug_age_codes(row):
    fn = _drug_codes(
        "batch01_drug_age_restriction.csv",
        "限定对象",
        "国标代码",
        lambda code, name, v: _item(
            "AGE-N01", code=code, match="exact", age_group=p.age_group(v), item_name=name
        ),
    )
    return fn(row)


@importer("national", NAT + "batch01_item_gender_restriction.csv")
def batch01_item_gender(row):
    return [
        _item(
            "GEN-N02",
            code=p.service_code(row["国标代码"]),
            match="exact",
            allowed_gend=p.gender(row["限定性别"]),
            item_name=row["项目名称"].strip(),
        )
    ]


@importer("national", NAT + "batch01_item_age_restriction.csv")
def batch01_item_age(row):
    return [
        _item(
            "AGE-N02",
            code=p.service_code(row["国标代码"]),
            match="exact",
            age_group=p.age_group(row["限定对象"]),
            item_name=row["项目名称"].strip(),
        )
    ]


@importer("national", NAT + "batch02_item_primary_secondary_surgery.csv")
def batch02_primary_secondary(row):
    group = row["限定值域"].strip()
    if not group:
        raise ValueError("限定值域（手术组别）为空")
    return [
        _item("SUR-N01", code=p.service_code(row["国标代码"]), group=group, item_name=row["项目名称"].strip())
    ]


@importer("national", NAT + "batch03_drug_insurance_type_restriction_codes.csv")
def batch03_insurance_codes(row):
    fn = _drug_codes(
        "batch03_drug_insurance_type_restriction.csv",
        "限定对象",
        "国标代码",
        lambda code, name, v: _item("INS-N01", code=code, match="exact", insurance=v, item_name=name),
    )
    return fn(row)


@importer("national", NAT + "batch04_drug_care_setting_restriction_codes.csv")
def batch04_care_setting_codes(row):
    fn = _drug_codes(
        "batch04_drug_care_setting_restriction.csv",
        "限定值域",
        "国标代码",
        lambda code, name, v: _item(
            "MED-N01", code=code, match="exact", setting=p.care_setting(v), item_name=name
        ),
    )
    return fn(row)


@importer("national", NAT + "batch05_drug_hospital_level_restriction_codes.csv")
def batch05_hospital_level_codes(row):
    fn = _drug_codes(
        "batch05_drug_hospital_level_restriction.csv",
        "限定值域",
        "国标代码",
        lambda code, name, v: _item(
            "LVL-N01", code=code, match="exact", min_rank=p.hosp_level(v), item_name=name
        ),
    )
    return fn(row)


@importer("national", NAT + "batch06_drug_payment_duration_restriction_codes.csv")
def batch06_duration_codes(row):
    fn = _drug_codes(
        "batch06_drug_payment_duration_restriction.csv",
        "限定值域",
        "国标代码",
        lambda code, name, v: _item(
            "QTY-N01", code=code, match="exact", max_days=p.days(v), group=name, item_name=name
        ),
    )
    return fn(row)


@importer("national", NAT + "batch07_item_duplicate_charging.csv")
def batch07_duplicate_charging(row):
    return [
        _item(
            "EXC-N01",
            code=p.service_code(row["从项编码"]),
            match="exact",
            main_code=p.service_code(row["主项编码"]),
            period=p.exclusive_period(row["频度"]),
            item_name=row["从项名称"].strip(),
            main_name=row["主项名称"].strip(),
        )
    ]


@importer("national", NAT + "batch08_1_item_frequency_restriction.csv")
def batch08_1_frequency(row):
    unit = row["数量单位"].strip()
    if unit not in ("日", "天", "小时"):
        raise ValueError(f"数量单位 {unit!r} 不是 日/天/小时")
    # 小时: the item is billed by the hour, at most 限制数量 hours per day.
    return [
        _item(
            "FRQ-N01",
            code=p.service_code(row["项目编码"]),
            match="exact",
            max_units=p.positive_int(row["限制数量"], "限制数量"),
            window_days=1,
            unit=unit,
            item_name=row["项目名称"].strip(),
        )
    ]


@importer("national", NAT + "batch08_2_item_age_restriction.csv")
def batch08_2_working_age(row):
    return [
        _item(
            "AGE-N03",
            code=p.service_code(row["项目代码"]),
            match="exact",
            age_group="劳动年龄",
            item_name=row["项目名称"].strip(),
        )
    ]


@importer("national", NAT + "batch08_3_item_course_restriction.csv")
def batch08_3_course(row):
    return [
        _item(
            "CRS-N01",
            code=p.service_code(row["项目代码"]),
            match="exact",
            max_days=p.course_days_from_text(row["备注"]),
            item_name=row["项目名称"].strip(),
        )
    ]


@importer("national", NAT + "batch08_4_item_period_frequency_restriction.csv")
def batch08_4_period_frequency(row):
    return [
        _item(
            "FRQ-N02",
            code=p.service_code(row["项目代码"]),
            match="exact",
            max_units=p.positive_int(row["频次上限"], "频次上限"),
            window_days=p.positive_int(row["疗程周期"], "疗程周期"),
            unit="次",
            item_name=row["项目名称"].strip(),
        )
    ]


@importer("national", NAT + "all_batches_drug_rules.csv")
def all_batches_drug_rules(row):
    if not row["药品通用名"].strip() or not row["限定类型"].strip():
        raise ValueError("药品通用名或限定类型为空")
    return [
        _item(
            "LKP-N02",
            item_name=row["药品通用名"].strip(),
            kind=row["限定类型"].strip(),
            value=row["限定值"].strip(),
        )
    ]


@importer("national", NAT + "all_batches_drug_codes.csv")
def all_batches_drug_codes(row):
    return [
        _item(
            "LKP-N02",
            code=p.drug_code(row["国标代码"]),
            item_name=row["药品通用名"].strip(),
            kind=row["限定类型"].strip(),
        )
    ]


# ---------------------------------------------------------------- MediModel (prefix codes, regex lists)


def _limit_row(row, code_col: str, name_col: str, codes: dict[str, str]) -> list[dict]:
    """One knowledge item per filled restriction column of a 药品限制 / 诊疗限制 row."""
    code = p.prefix_code(row[code_col])
    name = row[name_col].strip()
    base = {"code": code, "match": "prefix", "item_name": name}
    out = []

    def val(col):
        return (row.get(col) or "").strip()

    if val("性别限制") and "gender" in codes:
        out.append(_item(codes["gender"], allowed_gend=p.gender(val("性别限制")), **base))
    if val("年龄限制") and "age" in codes:
        out.append(_item(codes["age"], age_group=p.age_group(val("年龄限制")), **base))
    if val("机构限制") and "level" in codes:
        out.append(_item(codes["level"], min_rank=p.hosp_level(val("机构限制")), **base))
    if val("就医限制") and "setting" in codes:
        out.append(_item(codes["setting"], setting=p.care_setting(val("就医限制")), **base))
    if val("专科限制"):
        out.append(_item(codes["dept"], pattern=p.regex_list(val("专科限制")), **base))
    if val("疾病限制"):
        out.append(_item(codes["diag"], pattern=p.regex_list(val("疾病限制")), **base))
    if val("险种限制"):
        out.append(_item(codes["insurance"], insurance=val("险种限制"), **base))
    if val("阶梯限制"):
        if val("阶梯限制") not in ("一线", "二线", "三线"):
            raise ValueError(f"阶梯限制 {val('阶梯限制')!r} 不是 一线/二线/三线")
        out.append(_item(codes["step"], step=val("阶梯限制"), **base))
    if val("疗程限制"):
        out.append(_item(codes["course"], max_days=p.days(val("疗程限制")), group=code, **base))
    if val("频次限制"):
        n, period = p.frequency(val("频次限制"))
        out.append(_item(codes["frequency"], max_count=n, period=period, **base))
    if val("数量限制"):
        q, unit = p.quantity(val("数量限制"))
        out.append(_item(codes["quantity"], max_units=str(q), unit=unit, **base))
    if val("总额限制"):
        out.append(_item(codes["amount"], max_amount=str(p.money(val("总额限制"))), **base))
    return out


@importer("medimodel", MML + "drug_limit_rules.csv")
def mm_drug_limit(row):
    codes = {
        "gender": "GEN-M01",
        "age": "AGE-M01",
        "level": "LVL-M01",
        "setting": "MED-M01",
        "dept": "DEP-M01",
        "diag": "IND-M01",
        "insurance": "INS-M01",
        "step": "STP-M01",
        "course": "QTY-M01",
    }
    return _limit_row(row, "药品编码", "药品名称", codes)


@importer("medimodel", MML + "treatment_limit_rules.csv")
def mm_treatment_limit(row):
    codes = {
        "gender": "GEN-M02",
        "age": "AGE-M02",
        "level": "LVL-M02",
        "setting": "MED-M02",
        "dept": "DEP-M02",
        "diag": "IND-M02",
        "insurance": "INS-M01",
        "course": "QTY-M02",
        "frequency": "FRQ-M01",
        "quantity": "QTY-M02",
        "amount": "AMT-M01",
    }
    return _limit_row(row, "诊疗编码", "诊疗名称", codes)


@importer("medimodel", MML + "item_surcharge_rules.csv")
def mm_surcharge(row):
    return [
        _item(
            "ADD-M01",
            code=p.prefix_code(row["从项编码"]),
            match="prefix",
            main_code=p.prefix_code(row["主项编码"]),
            max_count=p.positive_int(row["加收限制"], "加收限制"),
            item_name=row["从项名称"].strip(),
            main_name=row["主项名称"].strip(),
        )
    ]


def _pair_table(code: str, other_code_col: str, other_name_col: str):
    def fn(row):
        main = p.prefix_code(row["主项编码"])
        others = row[other_code_col].strip()
        if others:
            others = p.regex_list(others) if others.startswith("(") else p.prefix_code(others)
        return [
            _item(
                code,
                code=main,
                match="prefix",
                item_name=row["主项名称"].strip(),
                other_codes=others,
                other_names=row.get(other_name_col, "").strip(),
            )
        ]

    return fn


for _file, _code, _oc, _on in (
    ("item_substitution_rules.csv", "SWP-M01", "小项编码", "小项名称"),
    ("item_unbundling_rules.csv", "UNB-M01", "分项编码", "分项名称"),
    ("item_association_rules.csv", "ASC-M01", "关联编码", "关联名称"),
    ("item_duplicate_rules.csv", "DUP-M01", "从项编码", "从项名称"),
    ("item_combination_rules.csv", "CMB-M01", "子项编码", "子项名称"),
):
    importer("medimodel", MML + _file)(_pair_table(_code, _oc, _on))


@importer("medimodel", MML + "item_phantom_billing_rules.csv")
def mm_phantom(row):
    return [
        _item(
            "PHA-M01", code=p.prefix_code(row["主项编码"]), match="prefix", item_name=row["主项名称"].strip()
        )
    ]


@importer("medimodel", MML + "item_primary_secondary_rules.csv")
def mm_primary_secondary(row):
    group = row["主次组别"].strip()
    if not group:
        raise ValueError("主次组别为空")
    return [
        _item(
            "SUR-M01",
            code=p.prefix_code(row["主项编码"]),
            match="prefix",
            group=group,
            rate=str(p._number(row["主次折率"].strip(), "主次折率")),
            item_name=row["主项名称"].strip(),
        )
    ]


@importer("medimodel", MM0912 + "treatment_overuse_rules.csv")
def mm_overuse(row):
    return [
        _item(
            "OVR-M01",
            code=p.prefix_code(row["主项编码"]),
            match="prefix",
            period=p.overuse_period(row["过度周期"]),
            max_count=p.positive_int(row["过度限制"], "过度限制"),
            item_name=row["主项名称"].strip(),
        )
    ]


def sources(rule_set: str) -> list[str]:
    """Source files of a rule set in import order."""
    return [f for f, (s, _fn) in IMPORTERS.items() if s == rule_set]
