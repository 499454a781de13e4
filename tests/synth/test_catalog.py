"""The catalogue: ordinary items are untouched by every rule table; restricted items are real."""

from __future__ import annotations

import re

from fundguard import refdata
from fundguard.synth.catalog import build_catalog

CODE_COLUMNS = (
    "国标代码",
    "药品代码",
    "项目编码",
    "项目代码",
    "主项编码",
    "从项编码",
    "药品编码",
    "诊疗编码",
    "子项编码",
    "分项编码",
    "关联编码",
    "小项编码",
)


def _rule_codes():
    """(exact codes of the national batches, MediModel prefixes, bare-C name patterns) read straight from refdata."""
    exact, prefixes, c_names = set(), set(), []
    for row in refdata.read_rows("MANIFEST.csv"):
        name = row["file"]
        if not name.startswith("nhsa-rules/") or not name.endswith(".csv"):
            continue
        national = "national_batches" in name
        for r in refdata.read_rows(name):
            for col in CODE_COLUMNS:
                for code in re.split(r"[()|]", r.get(col) or ""):
                    code = code.strip()
                    if not code:
                        continue
                    if national:
                        exact.add(code)
                    elif code == "C":
                        c_names.append(r.get("主项名称", ""))
                    else:
                        prefixes.add(code)
    return exact, prefixes, c_names


ORDINARY_ROLES = {
    "bed",
    "nursing",
    "ipfee",
    "opfee",
    "lab",
    "exam",
    "treat",
    "surgery",
    "anaesthesia",
    "drug",
    "ipdrug",
    "hospdrug",
    "consumable",
}


def test_no_ordinary_item_is_named_by_any_rule_table():
    items = build_catalog()
    exact, prefixes, c_names = _rule_codes()
    ordinary = [
        (c, n)
        for c, n, r in zip(items["code"], items["name"], items["role"], strict=True)
        if r in ORDINARY_ROLES
    ]
    assert len(ordinary) >= 50
    for code, name in ordinary:
        assert code not in exact, code
        assert not any(code.startswith(p) for p in prefixes), code
        if code.startswith("C"):
            assert not any(p and re.search(p, name) for p in c_names), name


def test_codes_have_the_national_shapes():
    items = build_catalog()
    for code, role in zip(items["code"], items["role"], strict=True):
        if code[0] == "X":
            assert len(code) == 23, code
        elif code[0] == "Z":
            assert len(code) == 20, code
        elif code[0] == "C":
            assert re.fullmatch(r"C[0-9]{19}", code), code
        else:
            assert re.fullmatch(r"[0-9]{15}", code), (code, role)
    assert len(set(items["code"])) == len(items["code"])


def test_restricted_items_come_from_the_national_tables():
    items = build_catalog()
    gender_codes = {
        r["药品代码"]
        for r in refdata.read_rows("nhsa-rules/national_batches/batch01_drug_gender_restriction_codes.csv")
    }
    inpatient_only = {
        r["国标代码"]
        for r in refdata.read_rows(
            "nhsa-rules/national_batches/batch04_drug_care_setting_restriction_codes.csv"
        )
    }
    roles = dict(zip(items["code"], items["role"], strict=True))
    assert {c for c, r in roles.items() if r == "bg_GENDER"} <= gender_codes
    assert {c for c, r in roles.items() if r in {"bg_MED_TYPE", "inj_MED_TYPE"}} <= inpatient_only
    assert all(items["ceiling"] > 0)
