"""Turn the in-memory city into contract table columns (导出契约表), chunk by chunk."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fundguard.synth import diseases
from fundguard.synth.city import DEPARTMENTS, EMERGENCY, ages_at
from fundguard.synth.pharmacy import MONTH_START_DAYS
from fundguard.synth.world import DAY, EPOCH, INPATIENT, OUTPATIENT, PHARMACY, World
from fundguard.synth.writer import CHUNK, count4, dates, decimal, ids, money, price4, take, timestamps

EPOCH_S = int(EPOCH.astype(np.int64))
EPOCH_D = int(EPOCH.astype("datetime64[D]").astype(np.int64))
DEPT_CODES = np.array([c for c, _ in DEPARTMENTS])
DEPT_NAMES = np.array([n for _, n in DEPARTMENTS])


def line_amounts(world: World) -> np.ndarray:
    return world.lines["cnt"].astype(np.int64) * world.lines["pric"]


def visit_totals(world: World) -> np.ndarray:
    return np.bincount(world.lines["visit"], weights=line_amounts(world), minlength=world.visits.n).astype(
        np.int64
    )


def med_types(world: World) -> np.ndarray:
    v = world.visits
    return np.where(
        v["kind"] == INPATIENT,
        "21",
        np.where(v["kind"] == PHARMACY, "41", np.where(v["dept"] == EMERGENCY, "13", "11")),
    )


def fixmedins(world: World) -> dict:
    inst = world.inst
    return {
        "fixmedins_code": inst["code"],
        "fixmedins_name": inst["name"],
        "fixmedins_type": inst["type"],
        "hosp_lv": pa.array([x or None for x in inst["hosp_lv"].tolist()], pa.string()),
        "admdvs": inst["admdvs"],
        "aprv_bed_cnt": pa.array(inst["beds"].astype(np.int32)),
        "legrep_name": inst["legrep"],
        "uscc": inst["uscc"],
        "addr": np.char.add(np.char.add("江苏省常州市", inst["name"]), "院区"),
    }


def practitioner(world: World) -> dict:
    p = world.prac
    return {
        "prac_psn_code": p["code"],
        "prac_psn_name": p["name"],
        "prac_psn_type": p["type"].astype(str),
        "fixmedins_code": take(world.inst["code"], p["inst"]),
        "dept_codg": take(DEPT_CODES, p["dept"]),
        "pro_title": pa.array([x or None for x in p["title"].tolist()], pa.string()),
        "begn_date": dates(p["begin"].astype("datetime64[D]")),
        "end_date": pa.nulls(len(p["code"]), pa.date32()),
    }


def catalog(world: World) -> dict:
    it = world.items
    return {
        "med_list_codg": it["code"],
        "name": it["name"],
        "list_type": it["list_type"],
        "chrgitm_lv": it["lv"],
        "pric_uplmt_amt": price4(it["ceiling"]),
        "unit": it["unit"],
        "spec": it["unit"],
    }


def mdtrt(world: World) -> Iterator[dict]:
    v, per = world.visits, world.persons
    table = diseases.disease_table()
    kind = v["kind"]
    clinical = kind != PHARMACY
    inpatient = kind == INPATIENT
    mt = med_types(world)
    age = ages_at(world, v["psn"], v["begin"])
    diag = np.where(clinical, v["diag"], -1)
    dept = np.where(clinical, v["dept"], -1)
    inst_lv = world.inst["hosp_lv"][v["inst"]]
    for lo in range(0, v.n, CHUNK):
        s = slice(lo, min(lo + CHUNK, v.n))
        psn = v["psn"][s]
        ip = inpatient[s]
        yield {
            "mdtrt_id": ids("M", np.arange(s.start, s.stop)),
            "psn_no": take(per["psn_no"], psn),
            "gend": v["gend"][s].astype(str),
            "age": pa.array(age[s].astype(np.int32)),
            "fixmedins_code": take(world.inst["code"], v["inst"][s]),
            "med_type": mt[s],
            "begntime": timestamps(v["begin"][s] + EPOCH_S),
            "certno": take(per["certno"], psn),
            "psn_name": take(per["name"], psn),
            "brdy": dates(per["brdy"][psn]),
            "insutype": take(per["insutype"], psn),
            "psn_type": take(per["psn_type"], psn),
            "insu_admdvs": take(per["admdvs"], psn),
            "hosp_lv": pa.array([x or None for x in inst_lv[s].tolist()], pa.string()),
            "endtime": timestamps(v["end"][s] + EPOCH_S),
            "ipt_otp_no": ids("J", np.arange(s.start, s.stop), 10),
            "adm_dept_codg": take(DEPT_CODES, dept[s]),
            "adm_dept_name": take(DEPT_NAMES, dept[s]),
            "dscg_dept_codg": take(DEPT_CODES, np.where(ip, dept[s], -1)),
            "dscg_dept_name": take(DEPT_NAMES, np.where(ip, dept[s], -1)),
            "dscg_maindiag_code": take(table["code"], np.where(ip, diag[s], -1)),
            "dscg_maindiag_name": take(table["name"], np.where(ip, diag[s], -1)),
            "dise_no": take(table["code"], diag[s]),
            "dise_name": take(table["name"], diag[s]),
            "ipt_days": pa.array(np.where(ip, v["los"][s], 0).astype(np.int32), mask=~ip),
            "chfpdr_code": take(world.prac["code"], v["doctor"][s]),
            "chfpdr_name": take(world.prac["name"], v["doctor"][s]),
            "dscg_way": pa.array(np.where(ip, "1", ""), mask=~ip),
        }


FUND_SHARE = {
    (INPATIENT, "310"): 80,
    (INPATIENT, "390"): 65,
    (OUTPATIENT, "310"): 50,
    (OUTPATIENT, "390"): 40,
}


def setl(world: World) -> Iterator[dict]:
    v, per = world.visits, world.persons
    total_all = visit_totals(world)
    mt = med_types(world)
    for lo in range(0, v.n, CHUNK):
        s = slice(lo, min(lo + CHUNK, v.n))
        total = total_all[s]
        kind = v["kind"][s]
        insutype = per["insutype"][v["psn"][s]]
        share = np.zeros(len(total), dtype=np.int64)
        for (k, ins), pct in FUND_SHARE.items():
            share[(kind == k) & (insutype == ins)] = pct
        fund = total * share // 100
        acct = np.where((kind == PHARMACY) & (insutype == "310"), total, 0)
        cash = total - fund - acct
        n = len(total)
        zero = money(np.zeros(n, dtype=np.int64))
        yield {
            "setl_id": ids("S", np.arange(s.start, s.stop)),
            "mdtrt_id": ids("M", np.arange(s.start, s.stop)),
            "psn_no": take(per["psn_no"], v["psn"][s]),
            "fixmedins_code": take(world.inst["code"], v["inst"][s]),
            "setl_time": timestamps(v["end"][s] + EPOCH_S),
            "medfee_sumamt": money(total),
            "fund_pay_sumamt": money(fund),
            "med_type": mt[s],
            "insutype": insutype,
            "fulamt_ownpay_amt": zero,
            "overlmt_selfpay": zero,
            "preselfpay_amt": zero,
            "inscp_amt": money(total),
            "hifp_pay": money(fund),
            "acct_pay": money(acct),
            "cash_payamt": money(cash),
            "refd_setl_flag": np.full(n, "0"),
        }


def fee_list(world: World) -> Iterator[dict]:
    L, v, it, prac = world.lines, world.visits, world.items, world.prac
    for lo in range(0, L.n, CHUNK):
        s = slice(lo, min(lo + CHUNK, L.n))
        visit = L["visit"][s]
        item = L["item"][s]
        amount = L["cnt"][s].astype(np.int64) * L["pric"][s]
        selfpay = np.where(it["lv"][item] == "02", 1000, 0)
        dept = L["dept"][s]
        code = take(it["code"], item)
        name = take(it["name"], item)
        yield {
            "feedetl_sn": ids("F", np.arange(s.start, s.stop)),
            "mdtrt_id": ids("M", visit),
            "psn_no": take(world.persons["psn_no"], v["psn"][visit]),
            "fixmedins_code": take(world.inst["code"], v["inst"][visit]),
            "fee_ocur_time": timestamps(L["t"][s] + EPOCH_S),
            "med_list_codg": code,
            "cnt": count4(L["cnt"][s]),
            "pric": price4(L["pric"][s]),
            "det_item_fee_sumamt": money(amount),
            "setl_id": ids("S", visit),
            "medins_list_codg": code,
            "medins_list_name": name,
            "hilist_code": code,
            "hilist_name": name,
            "list_type": take(it["list_type"], item),
            "med_chrgitm_type": take(it["chrg"], item),
            "chrgitm_lv": take(it["lv"], item),
            "pric_uplmt_amt": price4(it["ceiling"][item]),
            "selfpay_prop": decimal(selfpay, 4),
            "fulamt_ownpay_amt": money(np.zeros(len(amount), dtype=np.int64)),
            "inscp_amt": money(amount),
            "bilg_dept_codg": take(DEPT_CODES, dept),
            "bilg_dept_name": take(DEPT_NAMES, dept),
            "bilg_dr_codg": take(prac["code"], L["dr"][s]),
            "bilg_dr_name": take(prac["name"], L["dr"][s]),
            "spec": take(it["unit"], item),
        }


def diag(world: World) -> dict:
    v = world.visits
    table = diseases.disease_table()
    main = np.flatnonzero(v["kind"] != PHARMACY)
    sec = main[v["diag2"][main] >= 0]
    visit = np.r_[main, sec]
    code = np.r_[v["diag"][main], v["diag2"][sec]]
    order = np.argsort(visit, kind="stable")
    visit, code = visit[order], code[order]
    flag = np.r_[np.ones(len(main), dtype=np.int8), np.zeros(len(sec), dtype=np.int8)][order]
    return {
        "mdtrt_id": ids("M", visit),
        "diag_code": take(table["code"], code),
        "diag_name": take(table["name"], code),
        "diag_type": np.full(len(visit), "1"),
        "maindiag_flag": flag.astype(str),
    }


def oprn(world: World) -> dict:
    v = world.visits
    visit = np.flatnonzero(v["oprn"] >= 0)
    spec = world.items["oprn"][v["oprn"][visit]]
    code = np.array([s.split("|")[0] for s in spec]) if len(spec) else np.empty(0, dtype=str)
    name = np.array([s.split("|")[1] for s in spec]) if len(spec) else np.empty(0, dtype=str)
    return {
        "mdtrt_id": ids("M", visit),
        "oprn_oprt_code": pa.array(code.tolist(), pa.string()),
        "oprn_oprt_name": pa.array(name.tolist(), pa.string()),
        "oprn_oprt_date": dates(v["begin"][visit] // DAY + 1 + EPOCH_D),
        "main_oprn_flag": np.full(len(visit), "1"),
        "oper_dr_code": take(world.prac["code"], v["doctor"][visit]),
    }


def trace(world: World, rows: dict) -> dict:
    code = pa.array(rows["code"].astype(np.int64)).cast(pa.string())
    code = pc.binary_join_element_wise(pa.scalar("8"), pc.utf8_lpad(code, 19, "0"), "")
    line = rows["line"]
    return {
        "feedetl_sn": ids("F", line),
        "drug_trac_codg": code,
        "fixmedins_code": take(world.inst["code"], world.visits["inst"][world.lines["visit"][line]]),
        "scan_time": timestamps(rows["t"] + EPOCH_S),
    }


def purchase(world: World, books: dict) -> dict:
    it = world.items
    inst, item, day, cnt = books["inst"], books["item"], books["day"], books["cnt"]
    codes = it["code"][item].tolist()
    prices = (it["ceiling"][item] * 70 // 100).tolist()
    insts = world.inst["code"][inst].tolist()
    days = list(day)
    counts = list(cnt)
    for ph, code, _name in world.offcatalog_purchases:
        for m in range(12):
            codes.append(code)
            prices.append(2500)
            insts.append(str(world.inst["code"][ph]))
            days.append(int(MONTH_START_DAYS[m]) + 2)
            counts.append(20)
    n = len(codes)
    order = np.lexsort((np.array(codes), np.array(days, dtype=np.int64), np.array(insts)))
    pick = lambda xs: [xs[i] for i in order]  # noqa: E731
    return {
        "fixmedins_code": pick(insts),
        "med_list_codg": pick(codes),
        "purc_date": dates(np.array(pick(days), dtype=np.int64) + EPOCH_D),
        "cnt": count4(np.array(pick(counts))),
        "pric": price4(np.array(pick(prices), dtype=np.int64)),
        "supplier": ["常州医药物流有限公司"] * n,
        "invo_no": [f"320{k:09d}" for k in range(n)],
    }


def stock(world: World, books: dict) -> dict:
    return {
        "fixmedins_code": take(world.inst["code"], books["inst"]),
        "med_list_codg": take(world.items["code"], books["item"]),
        "stock_date": dates(books["day"] + EPOCH_D),
        "cnt": count4(books["cnt"]),
    }


def sale_nonins(world: World, sales: dict) -> dict:
    return {
        "fixmedins_code": take(world.inst["code"], sales["inst"]),
        "med_list_codg": take(world.items["code"], sales["item"]),
        "sale_time": timestamps(sales["t"] + EPOCH_S),
        "cnt": count4(sales["cnt"]),
    }


def points(world: World) -> dict:
    rows = world.points
    return {
        "prac_psn_code": [r["prac_psn_code"] for r in rows],
        "points": pa.array([r["points"] for r in rows], pa.int32()),
        "decision_date": dates(np.array([r["decision_date"] for r in rows], dtype="datetime64[D]")),
        "admdvs": [r["admdvs"] for r in rows],
        "behaviour_code": [r["behaviour_code"] for r in rows],
        "reason": [r["reason"] for r in rows],
        "case_ref": [r["case_ref"] for r in rows],
    }


def labels(world: World) -> list[dict]:
    amount = line_amounts(world)
    totals = visit_totals(world)
    rows = []
    for lab in world.labels:
        if lab.amount is not None:
            cents = lab.amount
        elif lab.lines is not None:
            cents = int(amount[lab.lines].sum())
        elif lab.line >= 0:
            cents = int(amount[lab.line])
        else:
            cents = int(totals[lab.visit])
        rows.append(
            {
                "category": lab.category,
                "mdtrt_id": f"M{lab.visit:012d}",
                "feedetl_sn": f"F{lab.line:012d}" if lab.line >= 0 else "",
                "amount": f"{cents // 100}.{cents % 100:02d}",
                "note": lab.note,
            }
        )
    rows.sort(key=lambda r: (r["category"], r["mdtrt_id"], r["feedetl_sn"]))
    return rows
