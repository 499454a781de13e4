"""An independent reading of decision 0003 over a generated CSV folder (参照判定).

Each function returns the findings of one category as ``{(mdtrt_id, feedetl_sn): cents}``
(feedetl_sn "" for visit-level findings), computed with pandas straight from the output
files and the national / MediModel tables in refdata — no code shared with the generator.
Tests use it twice: a clean city must give no finding at all, and a labelled city must
give exactly its labels.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from fundguard import refdata
from fundguard.profiles import get_profile

N = "nhsa-rules/national_batches/"
ML = "nhsa-rules/medimodel_latest/"
M0 = "nhsa-rules/medimodel_2025-09-12_sql/"


def cents(series: pd.Series) -> pd.Series:
    return (series.astype(float) * 100).round().astype("int64")


def rows(name: str) -> pd.DataFrame:
    return pd.DataFrame(refdata.read_rows(name))


class City:
    def __init__(self, folder: Path):
        def read(name):
            return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)

        self.mdtrt = read("mdtrt")
        self.fee = read("fee_list")
        self.diag = read("diag")
        self.oprn = read("oprn")
        self.trace = read("trace")
        self.purchase = read("purchase")
        self.stocktake = read("stock")
        self.nonins = read("sale_nonins")
        self.points = read("points")
        self.prac = read("practitioner")
        self.inst = read("fixmedins")
        self.catalog = read("catalog")
        self.labels = read("labels")
        p = get_profile()
        self.inpatient_types = set(p["rule.inpatient_med_types"])
        self.rank = {k: int(v) for k, v in p["rule.hosp_level_rank"].items()}
        f = self.fee
        f["amount"] = cents(f["det_item_fee_sumamt"])
        f["pric_c"] = cents(f["pric"])
        f["units"] = f["cnt"].astype(float).round().astype("int64")
        f["t"] = pd.to_datetime(f["fee_ocur_time"])
        m = self.mdtrt.set_index("mdtrt_id")
        for col in (
            "gend",
            "age",
            "med_type",
            "psn_no",
            "hosp_lv",
            "adm_dept_name",
            "dscg_dept_name",
            "ipt_days",
            "begntime",
            "endtime",
        ):
            f["v_" + col] = f["mdtrt_id"].map(m[col])
        f["v_age"] = f["v_age"].astype(int)
        f["date"] = f["t"].dt.normalize()

    # helpers -------------------------------------------------------------------------------
    def lines(self, mask) -> dict:
        sub = self.fee[mask]
        return dict(zip(zip(sub["mdtrt_id"], sub["feedetl_sn"], strict=True), sub["amount"], strict=True))

    def visit_totals(self, visit_ids) -> dict:
        totals = self.fee.groupby("mdtrt_id")["amount"].sum()
        return {(v, ""): int(totals[v]) for v in visit_ids}

    def prefix_match(self, codes: pd.Series, prefixes) -> pd.Series:
        """For each code, the longest prefix it starts with (or None)."""
        prefixes = {p for p in prefixes if p}
        lengths = sorted({len(p) for p in prefixes}, reverse=True)

        def first(code: str):
            return next((code[:n] for n in lengths if code[:n] in prefixes), None)

        table = {c: first(c) for c in codes.unique()}
        return codes.map(table).astype(object)

    # categories ------------------------------------------------------------------------------
    def gender(self) -> dict:
        gen = rows(N + "batch01_drug_gender_restriction.csv").set_index("药品通用名")["限定对象"]
        codes = rows(N + "batch01_drug_gender_restriction_codes.csv")
        allowed = dict(zip(codes["药品代码"], codes["药品通用名"].map(gen), strict=True))
        items = rows(N + "batch01_item_gender_restriction.csv")
        allowed.update(zip(items["国标代码"], items["限定性别"], strict=True))
        want = self.fee["med_list_codg"].map(allowed).map({"男": "1", "女": "2"})
        return self.lines(want.notna() & self.fee["v_gend"].isin(["1", "2"]) & (want != self.fee["v_gend"]))

    def age(self) -> dict:
        groups = {k: tuple(v) for k, v in get_profile()["rule.age_groups"].items()}
        child = rows(N + "batch01_drug_age_restriction_codes.csv")
        band = {c: groups["儿童"] for c in child["国标代码"]}
        items = rows(N + "batch01_item_age_restriction.csv")
        band.update({c: groups[g] for c, g in zip(items["国标代码"], items["限定对象"], strict=True)})
        work = get_profile()["rule.working_age_limit"]
        band.update({c: (0, work) for c in rows(N + "batch08_2_item_age_restriction.csv")["项目代码"]})
        lo = self.fee["med_list_codg"].map(lambda c: band.get(c, (None, None))[0])
        hi = self.fee["med_list_codg"].map(lambda c: band.get(c, (None, None))[1])
        age = self.fee["v_age"]
        return self.lines(lo.notna() & ((age < lo.fillna(0)) | (age > hi.fillna(999))))

    def _visit_texts(self) -> pd.Series:
        d = self.diag.groupby("mdtrt_id")["diag_name"].apply(lambda s: "|".join(s))
        main = self.mdtrt.set_index("mdtrt_id")["dscg_maindiag_name"]
        return (main + "|" + d.reindex(main.index).fillna("")).fillna("")

    def indication(self) -> dict:
        rules = rows(ML + "drug_limit_rules.csv")
        rules = rules[rules["疾病限制"] != ""]
        regex = dict(zip(rules["药品编码"], rules["疾病限制"], strict=True))
        pref = self.prefix_match(self.fee["med_list_codg"], regex)
        texts = self._visit_texts()
        bad = pd.Series(False, index=self.fee.index)
        for i in pref[pref.notna()].index:
            bad[i] = not re.search(regex[pref[i]], texts.get(self.fee.at[i, "mdtrt_id"], ""))
        return self.lines(bad)

    def hosp_level(self) -> dict:
        codes = rows(N + "batch05_drug_hospital_level_restriction_codes.csv")
        need = rows(N + "batch05_drug_hospital_level_restriction.csv").set_index("药品通用名")["限定值域"]
        req = dict(
            zip(codes["国标代码"], codes["药品通用名"].map(need).map({"二级": 2, "三级": 3}), strict=True)
        )
        r = self.fee["med_list_codg"].map(req)
        have = self.fee["v_hosp_lv"].map(self.rank)
        return self.lines(r.notna() & have.notna() & (have < r))

    def med_type(self) -> dict:
        codes = set(rows(N + "batch04_drug_care_setting_restriction_codes.csv")["国标代码"])
        return self.lines(
            self.fee["med_list_codg"].isin(codes) & ~self.fee["v_med_type"].isin(self.inpatient_types)
        )

    def department(self) -> dict:
        regex = {}
        for t, col in (
            (ML + "drug_limit_rules.csv", "药品编码"),
            (ML + "treatment_limit_rules.csv", "诊疗编码"),
        ):
            r = rows(t)
            r = r[r["专科限制"] != ""]
            regex.update(zip(r[col], r["专科限制"], strict=True))
        pref = self.prefix_match(self.fee["med_list_codg"], regex)
        f = self.fee
        bad = pd.Series(False, index=f.index)
        for i in pref[pref.notna()].index:
            text = "|".join(
                [f.at[i, "bilg_dept_name"], f.at[i, "v_adm_dept_name"], f.at[i, "v_dscg_dept_name"]]
            )
            bad[i] = not re.search(regex[pref[i]], text)
        return self.lines(bad)

    def frequency(self) -> dict:
        r = rows(N + "batch08_1_item_frequency_restriction.csv")
        limit = dict(zip(r["项目编码"], r["限制数量"].astype(int), strict=True))
        f = self.fee[self.fee["med_list_codg"].isin(limit)].sort_values(["t", "feedetl_sn"])
        out = {}
        for _, g in f.groupby(["v_psn_no", "med_list_codg", "date"]):
            n = limit[g["med_list_codg"].iloc[0]]
            cum = g["units"].cumsum()
            excess = np.minimum(g["units"], np.maximum(0, cum - n))
            for (_, row), e in zip(g.iterrows(), excess, strict=True):
                if e > 0:
                    out[(row["mdtrt_id"], row["feedetl_sn"])] = int(e * row["pric_c"])
        p4 = set(rows(N + "batch08_4_item_period_frequency_restriction.csv")["项目代码"])
        assert not self.fee["med_list_codg"].isin(p4).any(), "08_4 period items are not generated"
        return out

    def quantity(self) -> dict:
        need = rows(N + "batch06_drug_payment_duration_restriction.csv").set_index("药品通用名")["限定值域"]
        codes = rows(N + "batch06_drug_payment_duration_restriction_codes.csv")
        generic = dict(zip(codes["国标代码"], codes["药品通用名"], strict=True))
        f = self.fee.copy()
        f["generic"] = f["med_list_codg"].map(generic)
        f = f[f["generic"].notna()]
        f["days"] = f["generic"].map(need).str.rstrip("天").astype(int)
        first = f.groupby(["mdtrt_id", "generic"])["date"].transform("min")
        return self.lines(self.fee.index.isin(f.index[(f["date"] - first).dt.days > f["days"] - 1]))

    def duration(self) -> dict:
        f = self.fee[
            (self.fee["med_chrgitm_type"] == "01") & self.fee["v_med_type"].isin(self.inpatient_types)
        ]
        out = {}
        for v, g in f.sort_values(["t", "feedetl_sn"]).groupby("mdtrt_id"):
            los = int(g["v_ipt_days"].iloc[0])
            excess = g["units"].sum() - los
            for _, row in g.iloc[::-1].iterrows():
                if excess <= 0:
                    break
                take = min(excess, row["units"])
                out[(v, row["feedetl_sn"])] = int(take * row["pric_c"])
                excess -= take
        return out

    def price(self) -> dict:
        ceiling = self.fee["med_list_codg"].map(
            self.catalog.set_index("med_list_codg")["pric_uplmt_amt"].astype(float)
        )
        ceiling = ceiling.fillna(self.fee["pric_uplmt_amt"].replace("", np.nan).astype(float))
        over = self.fee["pric"].astype(float) > ceiling + 0.005
        f = self.fee[over]
        amt = ((f["pric"].astype(float) - ceiling[over]) * f["units"] * 100).round().astype("int64")
        return dict(zip(zip(f["mdtrt_id"], f["feedetl_sn"], strict=True), amt, strict=True))

    def duplicate(self) -> dict:
        f = self.fee.sort_values("feedetl_sn")
        dup = f.groupby(["mdtrt_id", "med_list_codg", "fee_ocur_time", "cnt", "pric"]).cumcount() > 0
        return self.lines(self.fee.index.isin(f.index[dup]))

    def exclusive(self) -> dict:
        pairs = rows(N + "batch07_item_duplicate_charging.csv")
        f = self.fee
        out = {}
        by_visit = f.groupby("mdtrt_id")
        sec_codes = set(pairs["从项编码"])
        for v in f.loc[f["med_list_codg"].isin(sec_codes), "mdtrt_id"].unique():
            g = by_visit.get_group(v)
            for _, p in pairs[pairs["从项编码"].isin(set(g["med_list_codg"]))].iterrows():
                mains = g[g["med_list_codg"] == p["主项编码"]]
                for _, s in g[g["med_list_codg"] == p["从项编码"]].iterrows():
                    for _, m in mains.iterrows():
                        window = p["频度"]
                        same = (
                            window == "单次就诊"
                            or (window == "单日" and m["date"] == s["date"])
                            or (window == "6小时" and abs((m["t"] - s["t"]).total_seconds()) <= 6 * 3600)
                            or (window == "同一小时" and m["t"].floor("h") == s["t"].floor("h"))
                        )
                        if same:
                            out[(v, s["feedetl_sn"])] = int(s["amount"])
        return out

    def add_on(self) -> dict:
        r = rows(ML + "item_surcharge_rules.csv")
        f = self.fee
        pref = self.prefix_match(f["med_list_codg"], r["从项编码"])
        mains = r.groupby("从项编码")["主项编码"].apply(list)
        codes_by_visit = f.groupby("mdtrt_id")["med_list_codg"].apply(list)
        bad = pd.Series(False, index=f.index)
        for i in pref[pref.notna()].index:
            billed = codes_by_visit[f.at[i, "mdtrt_id"]]
            bad[i] = not any(
                c.startswith(m) for m in mains[pref[i]] for c in billed if c != f.at[i, "med_list_codg"]
            )
        return self.lines(bad)

    def split_admission(self) -> dict:
        p = get_profile()
        window = p["rule.split_admission_window_days"]
        exempt = re.compile(p["rule.split_admission_exempt_diag_pattern"])
        m = self.mdtrt[self.mdtrt["med_type"].isin(self.inpatient_types)].copy()
        m["b"], m["e"] = pd.to_datetime(m["begntime"]), pd.to_datetime(m["endtime"])
        m = m.sort_values("b")
        hits = []
        for _, g in m.groupby(["psn_no", "fixmedins_code"]):
            prev = None
            for _, row in g.iterrows():
                if (
                    prev is not None
                    and row["b"] - prev["e"] <= pd.Timedelta(days=window)
                    and row["dscg_maindiag_code"][:3] == prev["dscg_maindiag_code"][:3]
                    and not exempt.search(row["dscg_maindiag_code"])
                ):
                    hits.append(row["mdtrt_id"])
                prev = row
        return self.visit_totals(hits)

    def swap(self) -> dict:
        pharm = set(self.inst.loc[self.inst["fixmedins_type"] == "2", "fixmedins_code"])
        catalog = set(self.catalog["med_list_codg"])
        bought = set(zip(self.purchase["fixmedins_code"], self.purchase["med_list_codg"], strict=True))
        offcat = set(self.purchase.loc[~self.purchase["med_list_codg"].isin(catalog), "fixmedins_code"])
        f = self.fee
        is_drug = f["med_list_codg"].str[0].isin(["X", "Z"])
        never = [(i, c) not in bought for i, c in zip(f["fixmedins_code"], f["med_list_codg"], strict=True)]
        return self.lines(
            f["fixmedins_code"].isin(pharm & offcat) & is_drug & pd.Series(never, index=f.index)
        )

    def phantom(self) -> dict:
        return self.lines(
            (self.fee["med_chrgitm_type"] == "06") & ~self.fee["mdtrt_id"].isin(set(self.oprn["mdtrt_id"]))
        )

    def bed_hanging(self) -> dict:
        n_min = get_profile()["rule.bed_hanging_min_days_without_treatment"]
        m = self.mdtrt[self.mdtrt["med_type"].isin(self.inpatient_types)]
        f = self.fee[self.fee["v_med_type"].isin(self.inpatient_types)]
        by_visit = dict(tuple(f.groupby("mdtrt_id")))
        out = {}
        for _, v in m.iterrows():
            g = by_visit.get(v["mdtrt_id"])
            days = pd.date_range(
                pd.Timestamp(v["begntime"]).normalize(), pd.Timestamp(v["endtime"]).normalize()
            )
            classes = (
                g.groupby("date")["med_chrgitm_type"].apply(set) if g is not None else pd.Series(dtype=object)
            )
            idle = [classes.get(d, set()) <= {"01", "07"} for d in days]
            run, best = [], []
            for d, flag in zip(days, idle, strict=True):
                run = run + [d] if flag else []
                if len(run) >= n_min and len(run) > len(best):
                    best = list(run)
            if best:
                out[(v["mdtrt_id"], "")] = int(g.loc[g["date"].isin(best), "amount"].sum())
        return out

    def impersonation(self) -> dict:
        m = self.mdtrt.copy()
        m["b"], m["e"] = pd.to_datetime(m["begntime"]), pd.to_datetime(m["endtime"])
        m = m.sort_values(["b", "mdtrt_id"])
        first_gend = m.groupby("psn_no")["gend"].transform("first")
        hits = set(m.loc[m["gend"] != first_gend, "mdtrt_id"])
        ip = m[m["med_type"].isin(self.inpatient_types)]
        for _, g in ip.groupby("psn_no"):
            rows_ = list(g.itertuples())
            for a in range(len(rows_)):
                for b in range(a + 1, len(rows_)):
                    x, y = rows_[a], rows_[b]
                    if x.fixmedins_code != y.fixmedins_code and y.b < x.e:
                        hits.add(y.mdtrt_id)
        return self.visit_totals(sorted(hits))

    def trace_code(self) -> dict:
        t = self.trace.sort_values(["scan_time", "feedetl_sn"])
        reused = set(t.loc[t.duplicated("drug_trac_codg"), "feedetl_sn"])
        f = self.fee
        pharm = set(self.inst.loc[self.inst["fixmedins_type"] == "2", "fixmedins_code"])
        enforce = pd.Timestamp(get_profile()["rule.trace_code_enforce_from"])
        missing = (
            f["fixmedins_code"].isin(pharm)
            & f["med_list_codg"].str[0].isin(["X", "Z"])
            & (f["t"] >= enforce)
            & ~f["feedetl_sn"].isin(set(self.trace["feedetl_sn"]))
        )
        return self.lines(f["feedetl_sn"].isin(reused) | missing)

    def stock(self) -> dict:
        f = self.fee[self.fee["fixmedins_code"].isin(set(self.stocktake["fixmedins_code"]))].copy()
        f["month"] = f["t"].dt.to_period("M")
        n = self.nonins.copy()
        n["month"] = pd.to_datetime(n["sale_time"]).dt.to_period("M")
        n["units"] = n["cnt"].astype(float).astype(int)
        p = self.purchase.copy()
        p["month"] = pd.to_datetime(p["purc_date"]).dt.to_period("M")
        p["units"] = p["cnt"].astype(float).astype(int)
        s = self.stocktake.copy()
        s["d"] = pd.to_datetime(s["stock_date"])
        s["units"] = s["cnt"].astype(float).astype(int)
        ins = f.groupby(["fixmedins_code", "med_list_codg", "month"])["units"].sum()
        non = n.groupby(["fixmedins_code", "med_list_codg", "month"])["units"].sum()
        bought = p.groupby(["fixmedins_code", "med_list_codg", "month"])["units"].sum()
        takes = {k: g.sort_values("d") for k, g in s.groupby(["fixmedins_code", "med_list_codg"])}
        out = {}
        for key, units in ins.items():
            ph, item, month = key
            start = month.to_timestamp()
            g = takes.get((ph, item))
            opening = 0
            if g is not None:
                before = g[g["d"] <= start]
                opening = int(before["units"].iloc[-1]) if len(before) else 0
            excess = units + int(non.get(key, 0)) - opening - int(bought.get(key, 0))
            if excess > 0:
                lines = f[(f["fixmedins_code"] == ph) & (f["med_list_codg"] == item) & (f["month"] == month)]
                last = lines.sort_values(["t", "feedetl_sn"]).iloc[-1]
                avg = (lines["pric_c"] * lines["units"]).sum() / lines["units"].sum()
                out[(last["mdtrt_id"], last["feedetl_sn"])] = int(round(excess * avg))
        return out

    def suspended_person(self) -> dict:
        p = get_profile()
        months = p["scoring.suspend_months_proposal"]
        emergency = set(p["scoring.emergency_med_types"])
        f = self.fee
        bad = pd.Series(False, index=f.index)
        for _, r in self.points.iterrows():
            pts = int(r["points"])
            if pts < p["scoring.suspend_threshold"]:
                continue
            start = pd.Timestamp(r["decision_date"])
            end = start + pd.DateOffset(months=int(months.get(pts, months.get(str(pts), 1))))
            bad |= (
                (f["bilg_dr_codg"] == r["prac_psn_code"])
                & (f["t"] >= start)
                & (f["t"] < end)
                & ~f["v_med_type"].isin(emergency)
            )
        return self.lines(bad)

    def overuse(self) -> dict:
        r = rows(M0 + "treatment_overuse_rules.csv").drop_duplicates(["主项编码", "过度周期", "过度限制"])
        f = self.fee
        pref = self.prefix_match(f["med_list_codg"], r["主项编码"])
        g = f[pref.notna()].copy()
        out = {}
        if g.empty:
            return out
        g["rule"] = pref[pref.notna()]
        for _, rule in r[r["主项编码"].isin(set(g["rule"]))].iterrows():
            sub = g[g["rule"] == rule["主项编码"]].sort_values(["t", "feedetl_sn"])
            iso = sub["t"].dt.isocalendar()
            period = (
                (iso["year"].astype(str) + "-" + iso["week"].astype(str))
                if rule["过度周期"] == "每周"
                else sub["t"].dt.strftime("%Y-%m")
            )
            k = sub.groupby([sub["v_psn_no"], sub["med_list_codg"], period]).cumcount()
            over = sub[k >= int(rule["过度限制"])]
            out.update(
                zip(zip(over["mdtrt_id"], over["feedetl_sn"], strict=True), over["amount"], strict=True)
            )
        return out

    def other(self) -> dict:
        reg = set(zip(self.prac["prac_psn_code"], self.prac["fixmedins_code"], strict=True))
        f = self.fee
        unknown = [(d, i) not in reg for d, i in zip(f["bilg_dr_codg"], f["fixmedins_code"], strict=True)]
        return self.lines((f["bilg_dr_codg"] != "") & pd.Series(unknown, index=f.index))

    def findings(self) -> dict[str, dict]:
        return {
            c: getattr(self, c.lower())()
            for c in (
                "GENDER",
                "AGE",
                "INDICATION",
                "HOSP_LEVEL",
                "MED_TYPE",
                "DEPARTMENT",
                "FREQUENCY",
                "QUANTITY",
                "DURATION",
                "PRICE",
                "DUPLICATE",
                "EXCLUSIVE",
                "ADD_ON",
                "SPLIT_ADMISSION",
                "SWAP",
                "PHANTOM",
                "BED_HANGING",
                "IMPERSONATION",
                "TRACE_CODE",
                "STOCK",
                "SUSPENDED_PERSON",
                "OVERUSE",
                "OTHER",
            )
        }

    def labelled(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for _, r in self.labels.iterrows():
            out.setdefault(r["category"], {})[(r["mdtrt_id"], r["feedetl_sn"])] = int(
                round(float(r["amount"]) * 100)
            )
        return out
