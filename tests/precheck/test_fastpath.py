"""The pre-check fast path (Python) against batch audit (DuckDB SQL templates) on the same rows.

1. Every rule-catalogue case (rules/catalog/*.yml), all combined into one city (region-scoped
   knowledge): each visit evaluated with the rest of the city as its history.
2. Seeded random cities built from that knowledge: many lines hit knowledge rows, patients return,
   trace codes repeat, practitioners are suspended, institutions differ in level/type/region.
Compared on (rule_code, mdtrt_id, feedetl_sn, amount, message).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from parity_helpers import compare

from fundguard.precheck import fastpath
from fundguard.profiles import load_profile
from fundguard.rules import engine, fixtures
from fundguard.rules.engine import Knowledge
from fundguard.rules.registry import RULES, TEMPLATES

BATCH_ONLY_RULES = {c for c, r in RULES.items() if r.template in fastpath.BATCH_ONLY_TEMPLATES}


def _params() -> dict:
    return engine.rule_params(load_profile(None))


def _combined():
    tables, knowledge, expected = fixtures.combine_cases(fixtures.all_cases())
    suspensions = tables.pop("suspension", [])
    knowledge.suspensions = [
        {**s, "start_date": date.fromisoformat(str(s["start_date"])),
         "end_date": None if s.get("end_date") is None else date.fromisoformat(str(s["end_date"]))}
        for s in suspensions
    ]  # fmt: skip
    return tables, knowledge, expected


def test_every_template_has_a_fast_path():
    assert set(TEMPLATES) - fastpath.BATCH_ONLY_TEMPLATES <= set(fastpath.TEMPLATES)


def test_catalogue_cases_fast_path_equals_batch():
    tables, knowledge, expected = _combined()
    batch = compare(tables, knowledge, _params(), skip_rules=BATCH_ONLY_RULES)
    # The combined city also holds every case's master rows (practitioners, catalogue), so its findings
    # differ from the cases' one by one; every rule that fires in a case must fire here too.
    assert {e[0] for e in expected} - BATCH_ONLY_RULES <= {k[0] for k in batch}


def _knowledge_by_region(knowledge: Knowledge) -> dict[str, list[tuple[str, dict]]]:
    out: dict[str, list[tuple[str, dict]]] = {}
    for template, rows in knowledge.rows.items():
        for r in rows:
            out.setdefault(r["region_scope"], []).append((template, r["params"]))
    return out


def _codes(rng: random.Random, krows: list[tuple[str, dict]]) -> str:
    template, p = rng.choice(krows)
    roll = rng.random()
    if roll < 0.25 and p.get("main_code"):
        code = p["main_code"]
    else:
        code = p["code"]
    if p.get("match") == "prefix" or (roll > 0.85 and template in ("exclusive", "add_on")):
        code = code + "".join(rng.choice("0123456789AX") for _ in range(rng.randint(0, 4)))
    return code


def random_city(seed: int, knowledge: Knowledge) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    by_region = _knowledge_by_region(knowledge)
    templates = sorted({t for rows in by_region.values() for t, _ in rows})
    focus = [
        r
        for r, rows in sorted(by_region.items())
        if any(t == templates[seed % len(templates)] for t, _ in rows)
    ]
    regions = sorted(set(focus[:2]) | set(rng.sample(sorted(by_region), 7)))
    insts = []
    for i, region in enumerate(regions):
        for kind in ("1", "1", "2"):
            insts.append(
                {
                    "fixmedins_code": f"I{seed}{i}{len(insts)}",
                    "fixmedins_name": "随机机构",
                    "fixmedins_type": kind,
                    "hosp_lv": rng.choice(["01", "05", "08", "11", None]),
                    "admdvs": region,
                }
            )
    doctors = [f"D{seed}{i:03d}" for i in range(6)]
    people = [f"P{seed}{i}" for i in range(4)]
    traces = [f"8{seed:03d}{i:016d}" for i in range(6)]
    tables: dict[str, list[dict]] = {
        "fixmedins": insts,
        "mdtrt": [],
        "fee_list": [],
        "diag": [],
        "oprn": [],
        "trace": [],
    }
    tables["practitioner"] = [
        {
            "prac_psn_code": d,
            "prac_psn_name": "医师",
            "prac_psn_type": "1",
            "fixmedins_code": rng.choice(insts)["fixmedins_code"],
        }
        for d in doctors[:4]
    ]
    start = datetime(2025, 7, 1, 8, 0, 0)
    sn = 0
    for v in range(18):
        inst = rng.choice(insts[:2] if rng.random() < 0.4 else insts)
        krows = by_region[inst["admdvs"]]
        psn = rng.choice(people)
        inpatient = rng.random() < 0.5
        begin = start + timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 10))
        stay = rng.randint(0, 20)
        mid = f"V{seed}_{v:02d}"
        diag_code = rng.choice(["J18.100", "J18.000", "Z51.100", "K35.800", None])
        earlier = [m for m in tables["mdtrt"] if m["med_type"] in ("21", "210104") and m["endtime"]]
        if earlier and rng.random() < 0.35:  # a readmission (split admission candidates)
            prev = rng.choice(earlier)
            inst = next(i for i in insts if i["fixmedins_code"] == prev["fixmedins_code"])
            krows, psn, inpatient = by_region[inst["admdvs"]], prev["psn_no"], True
            begin = prev["endtime"] + timedelta(days=rng.randint(-1, 16), hours=rng.randint(0, 5))
            diag_code = prev["dscg_maindiag_code"] or diag_code
        tables["mdtrt"].append(
            {
                "mdtrt_id": mid, "psn_no": psn, "gend": rng.choice(["1", "2", "2", "9"]), "age": rng.choice([0, 3, 12, 40, 70]),
                "brdy": rng.choice([None, "2025-06-20", "1980-01-01"]), "fixmedins_code": inst["fixmedins_code"],
                "med_type": rng.choice(["21", "210104"]) if inpatient else rng.choice(["11", "14", "41", "13"]),
                "begntime": begin, "endtime": rng.choice([None, begin + timedelta(days=stay, hours=3)]),
                "ipt_days": rng.choice([None, None, stay]), "adm_dept_name": rng.choice(["内科", "急诊科", "儿科", "妇科", None]),
                "dscg_dept_name": rng.choice([None, "外科"]), "dscg_maindiag_code": rng.choice([None, diag_code]),
                "dscg_maindiag_name": rng.choice([None, "肺炎", "糖尿病"]), "chfpdr_code": rng.choice([None, doctors[0]]),
                "hosp_lv": rng.choice([None, "05"]),
            }
        )  # fmt: skip
        if diag_code:
            tables["diag"].append({"mdtrt_id": mid, "diag_code": diag_code, "maindiag_flag": "1",
                                   "diag_name": rng.choice(["肺炎", "高血压", "恶性肿瘤", None])})  # fmt: skip
        if rng.random() < 0.3:
            tables["oprn"].append({"mdtrt_id": mid, "oprn_oprt_code": "47.0900"})
        for _ in range(rng.randint(0, 12)):
            sn += 1
            t = begin + timedelta(
                days=rng.randint(0, max(stay, 0)), hours=rng.randint(0, 12), minutes=rng.choice([0, 0, 30])
            )
            cnt = Decimal(rng.choice(["1", "1", "2", "3", "0.5"]))
            pric = Decimal(rng.choice(["10", "12.5", "60", "300.25"]))
            line = {
                "feedetl_sn": f"F{seed}_{sn:04d}", "mdtrt_id": mid, "psn_no": psn, "fixmedins_code": inst["fixmedins_code"],
                "fee_ocur_time": t, "med_list_codg": _codes(rng, krows) if rng.random() < 0.8 else rng.choice(["X0001", "001101"]),
                "cnt": cnt, "pric": pric, "det_item_fee_sumamt": (cnt * pric).quantize(Decimal("0.01")),
                "med_chrgitm_type": rng.choice(["01", "07", "06", "09", None]), "bilg_dr_codg": rng.choice([*doctors, None]),
                "bilg_dept_name": rng.choice([None, "急诊科", "内科", "儿科"]), "medins_list_name": rng.choice([None, "抢救费", "普通项目"]),
                "pric_uplmt_amt": rng.choice([None, Decimal("20"), Decimal("100")]),
            }  # fmt: skip
            tables["fee_list"].append(line)
            if inpatient and rng.random() < 0.3:  # the same item on later days of the stay
                for day in range(1, stay + 1, rng.randint(1, 3)):
                    sn += 1
                    later = {
                        **line,
                        "feedetl_sn": f"F{seed}_{sn:04d}",
                        "fee_ocur_time": t + timedelta(days=day),
                    }
                    tables["fee_list"].append(later)
            if rng.random() < 0.4:
                tables["fee_list"].append({**line, "feedetl_sn": f"F{seed}_{sn:04d}d"})  # duplicate charge
            if rng.random() < 0.35:
                tables["trace"].append(
                    {"feedetl_sn": line["feedetl_sn"], "drug_trac_codg": rng.choice(traces),
                     "scan_time": rng.choice([None, t - timedelta(minutes=5)])}
                )  # fmt: skip
    codes = sorted({f["med_list_codg"] for f in tables["fee_list"]})
    tables["catalog"] = [
        {
            "med_list_codg": c,
            "name": "目录项目",
            "list_type": "101",
            "pric_uplmt_amt": rng.choice([None, Decimal("11")]),
        }
        for c in rng.sample(codes, min(len(codes), 5))
    ]
    return tables


@pytest.mark.parametrize("seed", range(12))
def test_random_cities_fast_path_equals_batch(seed):
    _, base, _ = _combined()
    rng = random.Random(seed)
    knowledge = Knowledge(rules=base.rules, rows=base.rows, region_settings=[])
    doctor = f"D{seed}000"
    knowledge.suspensions = [
        {"prac_psn_code": f"D{seed}00{i}", "start_date": date(2025, 7, rng.randint(1, 20)),
         "end_date": rng.choice([None, date(2025, 8, rng.randint(1, 20))]), "kind": rng.choice(["suspension", "termination"])}
        for i in range(3)
    ]  # fmt: skip
    # a regional switch: one rule off in one region, another on only there
    region = sorted({r["region_scope"] for rows in base.rows.values() for r in rows})[seed % 5]
    knowledge.region_settings = [
        {"rule_code": "DUP-P01", "region": region, "enabled": False},
        {"rule_code": "PRC-P01", "region": "", "enabled": seed % 2 == 0},
    ]
    assert doctor
    batch = compare(random_city(seed, knowledge), knowledge, _params(), skip_rules=BATCH_ONLY_RULES)
    assert len({k[0] for k in batch}) >= 8, sorted(batch)
