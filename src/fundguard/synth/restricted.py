"""Restricted items (限定项目) drawn from the national and MediModel rule tables.

For every violation category whose knowledge source is a rule table (decision 0003) this
module lists item codes that *only* that category's rules touch, so that billing one of
them legitimately is clean and billing it wrongly violates exactly one category. A
MediModel limit row (药品/诊疗限制) restating the same restriction is allowed; a row with any
other restriction, or any other rule table, disqualifies the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from fundguard import refdata
from fundguard.synth import rulebook

N = "nhsa-rules/national_batches/"
ML = "nhsa-rules/medimodel_latest/"
M0 = "nhsa-rules/medimodel_2025-09-12_sql/"
IGNORED_TABLES = {N + "all_batches_drug_codes.csv"}
LIMIT_TABLES = {
    ML + "drug_limit_rules.csv",
    ML + "treatment_limit_rules.csv",
    M0 + "drug_limit_rules.csv",
    M0 + "treatment_limit_rules.csv",
}
LIMIT_COLUMN_CATEGORY = {
    "性别限制": "GENDER",
    "年龄限制": "AGE",
    "就医限制": "MED_TYPE",
    "机构限制": "HOSP_LEVEL",
    "疗程限制": "QUANTITY",
    "频次限制": "FREQUENCY",
    "次数限制": "FREQUENCY",
    "疾病限制": "INDICATION",
    "专科限制": "DEPARTMENT",
}
LIMIT_IGNORED_COLUMNS = {"药品编码", "药品名称", "诊疗编码", "诊疗名称", "领域标识"}
CATEGORY_TABLES = {
    "GENDER": {N + "batch01_drug_gender_restriction_codes.csv", N + "batch01_item_gender_restriction.csv"},
    "AGE": {
        N + "batch01_drug_age_restriction_codes.csv",
        N + "batch01_item_age_restriction.csv",
        N + "batch08_2_item_age_restriction.csv",
    },
    "MED_TYPE": {N + "batch04_drug_care_setting_restriction_codes.csv"},
    "HOSP_LEVEL": {N + "batch05_drug_hospital_level_restriction_codes.csv"},
    "QUANTITY": {N + "batch06_drug_payment_duration_restriction_codes.csv"},
    "EXCLUSIVE": {N + "batch07_item_duplicate_charging.csv"},
    "FREQUENCY": {
        N + "batch08_1_item_frequency_restriction.csv",
        N + "batch08_4_item_period_frequency_restriction.csv",
    },
    "ADD_ON": {ML + "item_surcharge_rules.csv", M0 + "treatment_surcharge_rules.csv"},
    "OVERUSE": {M0 + "treatment_overuse_rules.csv"},
    "INDICATION": set(),
    "DEPARTMENT": set(),
}


@dataclass(frozen=True)
class RestrictedItem:
    code: str
    name: str
    category: str
    value: str  # restricted-to value (女/男, 儿童, 住院, 二级, 14天, N per 日, regex …)


@lru_cache(maxsize=64)
def _rows(table: str) -> list[dict[str, str]]:
    return refdata.read_rows(table)


def only_category(code: str, name: str, category: str) -> bool:
    """True when every rule row touching ``code`` belongs to ``category`` (see module doc)."""
    for hit in rulebook.hits(code, name):
        if hit.table in IGNORED_TABLES:
            continue
        if hit.table in LIMIT_TABLES:
            row = _rows(hit.table)[hit.row]
            for col, value in row.items():
                if not value or col in LIMIT_IGNORED_COLUMNS:
                    continue
                if LIMIT_COLUMN_CATEGORY.get(col) != category and not (
                    col == "频次限制" and category == "OVERUSE"
                ):
                    return False
            continue
        if hit.table not in CATEGORY_TABLES[category]:
            return False
    return True


MAX_NAMES = 40  # distinct generic names kept per table (the city needs only a handful)


def _pick(
    table: str, code_col: str, name_col: str, category: str, value_col: str | None
) -> list[RestrictedItem]:
    out: list[RestrictedItem] = []
    names: set[str] = set()
    for row in _rows(N + table):
        code, name = row[code_col], row[name_col]
        if name in names and len(names) >= MAX_NAMES:
            continue
        if len(names) >= MAX_NAMES and name not in names:
            continue
        if only_category(code, name, category):
            names.add(name)
            out.append(RestrictedItem(code, name, category, row[value_col] if value_col else ""))
    return out


def _generic_values(table: str, col: str) -> dict[str, str]:
    return {r["药品通用名"]: r[col] for r in _rows(N + table)}


@lru_cache(maxsize=1)
def catalogue() -> dict[str, list[RestrictedItem]]:
    """Usable restricted items per category (deterministic order)."""
    out: dict[str, list[RestrictedItem]] = {}
    gender = _generic_values("batch01_drug_gender_restriction.csv", "限定对象")
    out["GENDER"] = [
        RestrictedItem(i.code, i.name, "GENDER", gender.get(i.name, ""))
        for i in _pick("batch01_drug_gender_restriction_codes.csv", "药品代码", "药品通用名", "GENDER", None)
    ] + _pick("batch01_item_gender_restriction.csv", "国标代码", "项目名称", "GENDER", "限定性别")
    out["AGE"] = [
        RestrictedItem(i.code, i.name, "AGE", "儿童")
        for i in _pick("batch01_drug_age_restriction_codes.csv", "国标代码", "药品通用名", "AGE", None)
    ]
    out["MED_TYPE"] = [
        RestrictedItem(i.code, i.name, "MED_TYPE", "住院")
        for i in _pick(
            "batch04_drug_care_setting_restriction_codes.csv", "国标代码", "药品通用名", "MED_TYPE", None
        )
    ]
    level = _generic_values("batch05_drug_hospital_level_restriction.csv", "限定值域")
    out["HOSP_LEVEL"] = [
        RestrictedItem(i.code, i.name, "HOSP_LEVEL", level.get(i.name, ""))
        for i in _pick(
            "batch05_drug_hospital_level_restriction_codes.csv", "国标代码", "药品通用名", "HOSP_LEVEL", None
        )
    ]
    days = _generic_values("batch06_drug_payment_duration_restriction.csv", "限定值域")
    out["QUANTITY"] = [
        RestrictedItem(i.code, i.name, "QUANTITY", days.get(i.name, ""))
        for i in _pick(
            "batch06_drug_payment_duration_restriction_codes.csv", "国标代码", "药品通用名", "QUANTITY", None
        )
    ]
    out["FREQUENCY"] = [
        RestrictedItem(r["项目编码"], r["项目名称"], "FREQUENCY", r["限制数量"])
        for r in _rows(N + "batch08_1_item_frequency_restriction.csv")
        if only_category(r["项目编码"], r["项目名称"], "FREQUENCY")
    ]
    out["EXCLUSIVE"] = [
        RestrictedItem(
            r["从项编码"], r["从项名称"], "EXCLUSIVE", f"{r['主项编码']}|{r['主项名称']}|{r['频度']}"
        )
        for r in _rows(N + "batch07_item_duplicate_charging.csv")
        if only_category(r["从项编码"], r["从项名称"], "EXCLUSIVE")
        and only_category(r["主项编码"], r["主项名称"], "EXCLUSIVE")
    ]
    out["ADD_ON"] = [
        RestrictedItem(r["从项编码"], r["从项名称"], "ADD_ON", r["主项编码"])
        for r in _rows(ML + "item_surcharge_rules.csv")
        if re.fullmatch(r"[0-9]{15}", r["从项编码"]) and only_category(r["从项编码"], r["从项名称"], "ADD_ON")
    ]
    overuse: dict[str, set[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    for r in _rows(M0 + "treatment_overuse_rules.csv"):
        overuse.setdefault(r["主项编码"], set()).add((r["过度周期"], r["过度限制"]))
        names[r["主项编码"]] = r["主项名称"]
    out["OVERUSE"] = [
        RestrictedItem(code, names[code], "OVERUSE", "|".join(next(iter(rules))))
        for code, rules in sorted(overuse.items())
        if len(rules) == 1
        and re.fullmatch(r"[0-9]{15}", code)
        and only_category(code, names[code], "OVERUSE")
    ]
    out["INDICATION"] = _limit_drugs("疾病限制", "INDICATION")
    out["DEPARTMENT"] = _limit_drugs("专科限制", "DEPARTMENT")
    return out


def full_drug_code(prefix: str) -> str:
    """Extend a MediModel drug prefix to a full NHSA code (X… 23, Z… 20 characters)."""
    length = 23 if prefix.startswith("X") else 20
    return (prefix + "01010" + "1" * 20)[:length]


def _limit_drugs(column: str, category: str) -> list[RestrictedItem]:
    out = []
    for r in _rows(ML + "drug_limit_rules.csv"):
        prefix = r["药品编码"]
        if not r[column] or not re.fullmatch(r"[XZ][A-Z0-9]{7,15}", prefix):
            continue
        code = full_drug_code(prefix)
        if only_category(code, r["药品名称"], category):
            out.append(RestrictedItem(code, r["药品名称"], category, r[column]))
    return out
