"""A small, labelled city (小型样例城市) for analytics tests and the benchmark.

Used when the synthetic-city generator (``fundguard.synth.service.generate``) is not installed
and by unit tests that need to know exactly what was injected. Contract-shaped frames plus an
``anomalies`` frame (entity_type, entity_id, kind, note), the same shape as synth's anomalies.csv:

- one hospital with inflated length of stay (住院日虚增);
- practitioners billing 3× their peers per visit (次均费用异常);
- one pharmacy selling more than it bought, with trace codes sold twice (进销存不符 / 追溯码重复);
- a ring of insured persons cycling through the same doctors and pharmacy on the same days (团伙);
- one hospital with split admissions (分解住院) and one with hanging beds (挂床住院).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

DEPTS = ("A03", "A04")
LEVELS = ("05", "08")
DRUGS = [f"XA{i:02d}BAA0001010{i:02d}" for i in range(20)]
EXAM = "003000000000001"
BED = "001100000000001"


def _code(prefix: str, i: int) -> str:
    return f"{prefix}{i:011d}"


def generate(
    seed: int = 7,
    hospitals_per_level: int = 6,
    pharmacies: int = 8,
    persons: int = 1000,
    doctors_per_dept: int = 3,
    months: int = 3,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    rng = np.random.default_rng(seed)
    start = datetime(2025, 1, 1, 8, 0, 0)
    days = months * 30
    fix, prac = [], []
    hospitals: list[str] = []
    doctors: dict[tuple[str, str], list[str]] = {}
    for li, lv in enumerate(LEVELS):
        for h in range(hospitals_per_level):
            code = _code("H", li * 100 + h)
            hospitals.append(code)
            fix.append(
                {
                    "fixmedins_code": code,
                    "fixmedins_name": f"第{li * 100 + h}医院",
                    "fixmedins_type": "1",
                    "hosp_lv": lv,
                    "aprv_bed_cnt": 60,
                }
            )
            for dept in DEPTS:
                doctors[(code, dept)] = []
                for d in range(doctors_per_dept):
                    dr = f"D{li}{h:02d}{dept}{d:02d}X"
                    doctors[(code, dept)].append(dr)
                    prac.append(
                        {
                            "prac_psn_code": dr,
                            "prac_psn_name": f"医生{dr}",
                            "prac_psn_type": "1",
                            "fixmedins_code": code,
                            "dept_codg": dept,
                        }
                    )
    shops = [_code("P", i) for i in range(pharmacies)]
    for s in shops:
        fix.append(
            {
                "fixmedins_code": s,
                "fixmedins_name": f"药店{s}",
                "fixmedins_type": "2",
                "hosp_lv": None,
                "aprv_bed_cnt": None,
            }
        )
    los_hosp, split_hosp, hang_hosp = hospitals[1], hospitals[2], hospitals[hospitals_per_level + 1]
    costly = [
        doctors[(hospitals[3], DEPTS[0])][0],
        doctors[(hospitals[hospitals_per_level + 2], DEPTS[1])][1],
    ]
    bad_shop = shops[0]
    psns = [f"PSN{i:06d}" for i in range(persons)]
    ring = psns[:6]
    ring_doctors = [
        doctors[(hospitals[4], DEPTS[0])][1],
        doctors[(hospitals[hospitals_per_level + 3], DEPTS[1])][0],
    ]
    ring_shop = shops[3]

    mdtrt, fees = [], []
    counters = {"v": 0, "f": 0}

    def visit(
        psn: str,
        inst: str,
        when: datetime,
        med_type: str,
        dept: str | None,
        dr: str | None,
        lines: list[tuple[str, str, float, float]],
        los: int | None = None,
    ) -> None:
        counters["v"] += 1
        mid = f"M{counters['v']:08d}"
        end = when + timedelta(days=los) if los is not None else when + timedelta(hours=1)
        mdtrt.append(
            {
                "mdtrt_id": mid,
                "psn_no": psn,
                "gend": "1",
                "age": 40,
                "fixmedins_code": inst,
                "med_type": med_type,
                "begntime": when,
                "endtime": end,
                "adm_dept_codg": dept,
                "dscg_dept_codg": dept,
                "ipt_days": los,
                "chfpdr_code": dr,
            }
        )
        for item, chrg, cnt, pric in lines:
            counters["f"] += 1
            fees.append(
                {
                    "feedetl_sn": f"F{counters['f']:09d}",
                    "mdtrt_id": mid,
                    "psn_no": psn,
                    "fixmedins_code": inst,
                    "fee_ocur_time": when,
                    "med_list_codg": item,
                    "cnt": cnt,
                    "pric": pric,
                    "det_item_fee_sumamt": round(cnt * pric, 2),
                    "med_chrgitm_type": chrg,
                    "bilg_dr_codg": dr,
                    "bilg_dept_codg": dept,
                }
            )

    def outpatient_lines(scale: float) -> list[tuple[str, str, float, float]]:
        drug = DRUGS[int(rng.integers(0, len(DRUGS)))]
        return [
            (drug, "09", float(rng.integers(1, 4)), round(float(rng.uniform(20, 60)) * scale, 2)),
            (EXAM, "03", 1.0, round(float(rng.uniform(30, 80)) * scale, 2)),
        ]

    for psn in psns:
        for _ in range(int(rng.poisson(4)) + 1):
            inst = hospitals[int(rng.integers(0, len(hospitals)))]
            dept = DEPTS[int(rng.integers(0, 2))]
            dr = doctors[(inst, dept)][int(rng.integers(0, doctors_per_dept))]
            when = start + timedelta(days=int(rng.integers(0, days)), hours=int(rng.integers(0, 8)))
            scale = 3.0 if dr in costly else 1.0
            if rng.random() < 0.12:
                los = int(rng.integers(3, 9))
                if inst == los_hosp:
                    los *= 3
                lines = outpatient_lines(scale) + [(BED, "01", float(los), 50.0)]
                if inst == hang_hosp:
                    los += 12
                    lines = [(BED, "01", float(los), 50.0)]
                visit(psn, inst, when, "21", dept, dr, lines, los)
                if inst == split_hosp:
                    visit(psn, inst, when + timedelta(days=los + 2), "21", dept, dr, outpatient_lines(1.0), 3)
            else:
                visit(psn, inst, when, "11", dept, dr, outpatient_lines(scale))
        if rng.random() < 0.5:
            shop = shops[int(rng.integers(0, len(shops)))]
            when = start + timedelta(days=int(rng.integers(0, days)), hours=int(rng.integers(0, 8)))
            drug = DRUGS[int(rng.integers(0, len(DRUGS)))]
            visit(psn, shop, when, "41", None, None, [(drug, "09", float(rng.integers(1, 3)), 30.0)])
    # the ring: the same persons, the same doctors and pharmacy, the same days
    for k in range(5):
        day = start + timedelta(days=7 + 11 * k, hours=9)
        for psn in ring:
            for dr in ring_doctors:
                inst = next(c for (c, dept), drs in doctors.items() if dr in drs)
                dept = next(dept for (c, dept), drs in doctors.items() if dr in drs)
                visit(psn, inst, day, "11", dept, dr, outpatient_lines(1.0))
            visit(psn, ring_shop, day, "41", None, None, [(DRUGS[5], "09", 2.0, 30.0)])

    fee = pd.DataFrame(fees)
    frames = {
        "fixmedins": pd.DataFrame(fix),
        "practitioner": pd.DataFrame(prac),
        "mdtrt": pd.DataFrame(mdtrt),
        "fee_list": fee,
        "catalog": pd.DataFrame(
            {"med_list_codg": DRUGS, "name": [f"药品{i}" for i in range(20)], "list_type": "101"}
        ),
    }
    frames.update(_pharmacy_tables(rng, fee, shops, bad_shop, start, months))
    frames["setl"] = (
        frame := frames["mdtrt"].merge(
            fee.groupby("mdtrt_id", as_index=False)["det_item_fee_sumamt"].sum(), on="mdtrt_id"
        )
    ).assign(
        setl_id="S" + frame["mdtrt_id"],
        setl_time=frame["endtime"],
        medfee_sumamt=frame["det_item_fee_sumamt"],
        fund_pay_sumamt=(frame["det_item_fee_sumamt"] * 0.7).round(2),
    )[["setl_id", "mdtrt_id", "psn_no", "fixmedins_code", "setl_time", "medfee_sumamt", "fund_pay_sumamt"]]
    anomalies = pd.DataFrame(
        [
            ("institution", los_hosp, "LONG_STAY", "住院日虚增"),
            ("institution", split_hosp, "SPLIT_ADMISSION", "分解住院"),
            ("institution", hang_hosp, "BED_HANGING", "挂床住院"),
            ("institution", bad_shop, "STOCK", "药店销售超过进货"),
        ]
        + [("practitioner", d, "COST_3X", "次均费用为同行3倍") for d in costly]
        + [("insured", p, "RING", "团伙就医") for p in ring],
        columns=["entity_type", "entity_id", "kind", "note"],
    )
    return frames, anomalies


def _pharmacy_tables(
    rng: np.random.Generator, fee: pd.DataFrame, shops: list[str], bad_shop: str, start: datetime, months: int
) -> dict[str, pd.DataFrame]:
    sales = fee[fee["fixmedins_code"].isin(shops)].copy()
    sales["month"] = pd.to_datetime(sales["fee_ocur_time"]).dt.to_period("M")
    purchase, stock, nonins, trace = [], [], [], []
    for shop in shops:
        for drug in DRUGS:
            level = 20.0
            stock.append(
                {
                    "fixmedins_code": shop,
                    "med_list_codg": drug,
                    "stock_date": pd.Timestamp(start).date(),
                    "cnt": level,
                }
            )
            for m in range(months):
                period = pd.Period(pd.Timestamp(start) + pd.DateOffset(months=m), "M")
                sold = float(
                    sales[
                        (sales.fixmedins_code == shop)
                        & (sales.med_list_codg == drug)
                        & (sales.month == period)
                    ]["cnt"].sum()
                )
                other = float(rng.integers(0, 3))
                bought = sold + other + float(rng.integers(0, 3))
                if shop == bad_shop:
                    bought = 0.0  # sells what it never bought
                    level = max(level, 0.0)
                purchase.append(
                    {
                        "fixmedins_code": shop,
                        "med_list_codg": drug,
                        "purc_date": period.start_time.date() + timedelta(days=1),
                        "cnt": bought,
                        "pric": 20.0,
                    }
                )
                if other:
                    nonins.append(
                        {
                            "fixmedins_code": shop,
                            "med_list_codg": drug,
                            "sale_time": period.start_time + pd.Timedelta(days=3),
                            "cnt": other,
                        }
                    )
                actual_sold = 0.0 if shop == bad_shop else sold
                level = max(level + bought - actual_sold - other, 0.0)
                stock.append(
                    {
                        "fixmedins_code": shop,
                        "med_list_codg": drug,
                        "stock_date": (period + 1).start_time.date(),
                        "cnt": level,
                    }
                )
    for i, row in enumerate(sales.itertuples()):
        code = f"8{i:019d}"
        trace.append(
            {"feedetl_sn": row.feedetl_sn, "drug_trac_codg": code, "fixmedins_code": row.fixmedins_code}
        )
    bad_lines = sales[sales.fixmedins_code == bad_shop]["feedetl_sn"].tolist()
    for j, sn in enumerate(bad_lines[:4]):
        trace.append(
            {"feedetl_sn": sn, "drug_trac_codg": trace[j]["drug_trac_codg"], "fixmedins_code": bad_shop}
        )
    return {
        "purchase": pd.DataFrame(purchase),
        "stock": pd.DataFrame(stock),
        "sale_nonins": pd.DataFrame(nonins),
        "trace": pd.DataFrame(trace),
    }


def write(out_dir: Path, seed: int = 7, **kwargs) -> Path:
    """Write the city as contract CSV files plus ``anomalies.csv`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frames, anomalies = generate(seed=seed, **kwargs)
    for name, frame in frames.items():
        frame = frame.copy()
        for col in ("aprv_bed_cnt", "ipt_days", "age"):
            if col in frame:
                frame[col] = frame[col].astype("Int64")
        frame.to_csv(out_dir / f"{name}.csv", index=False, date_format="%Y-%m-%d %H:%M:%S")
    anomalies.to_csv(out_dir / "anomalies.csv", index=False)
    return out_dir
