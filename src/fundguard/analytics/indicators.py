"""Monitoring indicators (监测指标) per institution, department, practitioner and insured person.

English name ↔ 中文: hospitalisation rate 住院率, cost per outpatient / inpatient visit 次均门诊费用 /
次均住院费用, drug share 药占比, consumable share 耗材占比, examination share 检查化验占比, average
length of stay 平均住院日, visits per person 人次人头比, readmission rate 再入院率, bed occupancy
床位使用率, weekend admission share 周末入院占比, top-N drug share 前N位药品占比.

All sums run in SQL over the contract views (``mdtrt``, ``fee_list``, ``setl``, ``fixmedins``,
``practitioner``); pandas only divides the few aggregate columns. The SQL runs on DuckDB (pass the
connection) or on Spark (pass a ``runner.SparkRunner``; ``fundguard risk --engine spark``): the
few functions that differ between the engines (month key, weekend, arg_max, mode, day
differences) come from ``runner.dialect`` (``rules/dialect.py``), and
``tests/analytics/test_indicators_spark.py`` checks that both engines give the same table.

The result is one long table: ``level, entity_id, fixmedins_code, peer_key, period, indicator,
value, numerator, denominator, volume`` where ``period`` is ``YYYY-MM`` or ``ALL`` (the whole extract).
``volume`` counts the cases behind the value (visits, stays, discharges, persons; NaN for per-person
counts): an alert needs ``indicator.min_volume`` of them (peers.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from fundguard.analytics.runner import SqlRunner, as_runner
from fundguard.profiles import get_profile

ALL = "ALL"
LEVELS = ("institution", "department", "practitioner", "insured")


@dataclass(frozen=True)
class Indicator:
    code: str
    label_zh: str
    numerator: str
    denominator: str | None  # None: the numerator itself is the value
    levels: tuple[str, ...]
    # Aggregate column counting the cases behind the value (visits, stays, persons); an alert
    # needs at least ``indicator.min_volume`` of them. None: the value is itself a count.
    volume: str | None = "n_visits"
    # A count (就医频次, 住院次数 …): its robust scale has a Poisson floor (peers.py).
    count: bool = False
    # A right-skewed total (money or count per entity): compared on the log scale (peers.py).
    skewed: bool = False


PROVIDER = ("institution", "department", "practitioner")
INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator("hospitalisation_rate", "住院率", "n_in", "n_out", ("institution", "department")),
        Indicator("cost_per_outpatient_visit", "次均门诊费用", "out_fee", "n_out", PROVIDER, "n_out"),
        Indicator("cost_per_inpatient_visit", "次均住院费用", "in_fee", "n_in", PROVIDER, "n_in"),
        Indicator("cost_per_visit", "次均费用", "total_fee", "n_visits", ("practitioner",)),
        Indicator("total_cost", "医疗总费用", "total_fee", None, ("practitioner",), skewed=True),
        Indicator("drug_share", "药占比", "drug_fee", "total_fee", PROVIDER),
        Indicator("consumable_share", "耗材占比", "cons_fee", "total_fee", PROVIDER),
        Indicator("exam_share", "检查化验占比", "exam_fee", "total_fee", PROVIDER),
        Indicator(
            "avg_length_of_stay",
            "平均住院日",
            "los_sum",
            "n_discharged",
            ("institution", "department"),
            "n_discharged",
        ),
        Indicator(
            "bed_nursing_share",
            "床位护理费占比",
            "in_bed_fee",
            "in_fee",
            ("institution", "department"),
            "n_in",
        ),
        Indicator("visits_per_person", "人次人头比", "n_visits", "n_persons", PROVIDER, "n_persons"),
        Indicator(
            "readmission_rate",
            "再入院率",
            "n_readmit",
            "n_discharged",
            ("institution", "department"),
            "n_discharged",
        ),
        Indicator("bed_occupancy", "床位使用率", "bed_days", "bed_capacity_days", ("institution",), "n_in"),
        Indicator(
            "weekend_admission_share",
            "周末入院占比",
            "n_weekend_in",
            "n_in",
            ("institution", "department"),
            "n_in",
        ),
        Indicator(
            "top_drug_share", "前N位药品占比", "topn_drug_fee", "drug_fee", ("institution", "practitioner")
        ),
        Indicator("visit_count", "就医频次", "n_visits", None, ("insured",), None, True, True),
        Indicator("institution_count", "就诊机构数", "n_institutions", None, ("insured",), None, True, True),
        Indicator("insured_total_cost", "医疗总费用", "total_fee", None, ("insured",), None, False, True),
        Indicator(
            "pharmacy_purchase_count", "药店购药次数", "n_pharmacy", None, ("insured",), None, True, True
        ),
        Indicator("inpatient_count", "住院次数", "n_in", None, ("insured",), None, True, True),
        Indicator("readmission_count", "短期再入院次数", "n_readmit", None, ("insured",), None, True, True),
    )
}


def _in_list(values: list[str]) -> str:
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


def build_visit_base(source: duckdb.DuckDBPyConnection | SqlRunner) -> None:
    """Temp tables ``_an_visit`` (one row per visit with its fee split) and ``_an_drfee``."""
    run = as_runner(source)
    d = run.dialect
    prof = get_profile()
    inpatient = _in_list(prof["rule.inpatient_med_types"])
    pharmacy = _in_list(prof["rule.pharmacy_med_types"])
    drug = _in_list(prof["indicator.drug_chrgitm_types"])
    cons = _in_list(prof["indicator.consumable_chrgitm_types"])
    exam = _in_list(prof["indicator.exam_chrgitm_types"])
    bed = _in_list(prof["indicator.bed_nursing_chrgitm_types"])
    window = int(prof["rule.split_admission_window_days"])
    # Money stays DECIMAL until the aggregates of _AGG: exact sums come out the same whatever the
    # order of the rows, so both engines (and DuckDB run to run) give bit-equal values; summed as
    # DOUBLE they differ in the last bits, and a value that is exactly its peers' median on one
    # engine but not on the other moves the model scores of risk.py.
    fee_cols = f"""
        sum(det_item_fee_sumamt) AS fee,
        sum(CASE WHEN med_chrgitm_type IN {drug} THEN det_item_fee_sumamt ELSE 0 END) AS drug_fee,
        sum(CASE WHEN med_chrgitm_type IN {cons} THEN det_item_fee_sumamt ELSE 0 END) AS cons_fee,
        sum(CASE WHEN med_chrgitm_type IN {exam} THEN det_item_fee_sumamt ELSE 0 END) AS exam_fee,
        sum(CASE WHEN med_chrgitm_type IN {bed} THEN det_item_fee_sumamt ELSE 0 END) AS bed_fee"""
    run.temp(
        "_an_visit",
        f"""
        WITH fee AS (SELECT mdtrt_id, {fee_cols} FROM fee_list GROUP BY mdtrt_id),
        st AS (SELECT mdtrt_id, sum(medfee_sumamt) AS fee FROM setl GROUP BY mdtrt_id),
        v AS (
            SELECT m.mdtrt_id, m.psn_no, m.fixmedins_code,
                   coalesce(f.hosp_lv, m.hosp_lv, '') AS hosp_lv,
                   coalesce(f.fixmedins_type, '1') AS fixmedins_type,
                   coalesce(m.dscg_dept_codg, m.adm_dept_codg, '') AS dept_codg,
                   m.med_type IN {inpatient} AS inpatient,
                   (m.med_type IN {pharmacy} OR f.fixmedins_type = '2') AS pharmacy,
                   m.begntime, m.endtime,
                   coalesce(m.ipt_days, {d.days("m.begntime", "m.endtime")})::DOUBLE AS los,
                   {d.month_key("m.begntime")} AS period,
                   {d.weekend("m.begntime")} AS weekend,
                   coalesce(fee.fee, st.fee, 0) AS total_fee,
                   coalesce(fee.drug_fee, 0) AS drug_fee,
                   coalesce(fee.cons_fee, 0) AS cons_fee,
                   coalesce(fee.exam_fee, 0) AS exam_fee,
                   coalesce(fee.bed_fee, 0) AS bed_fee
            FROM mdtrt m
            LEFT JOIN fixmedins f ON f.fixmedins_code = m.fixmedins_code
            LEFT JOIN fee ON fee.mdtrt_id = m.mdtrt_id
            LEFT JOIN st ON st.mdtrt_id = m.mdtrt_id
        )
        SELECT v.*,
               (inpatient AND lag(endtime) OVER w IS NOT NULL
                AND {d.days("lag(endtime) OVER w", "begntime")} BETWEEN 0 AND {window}) AS readmit
        FROM v
        -- mdtrt_id breaks ties of begntime: otherwise the previous stay is whichever came first
        WINDOW w AS (PARTITION BY psn_no, fixmedins_code, inpatient ORDER BY begntime, mdtrt_id)
    """,
    )
    run.temp(
        "_an_drfee",
        f"""
        SELECT l.bilg_dr_codg AS prac_psn_code, l.mdtrt_id, {fee_cols},
               {d.mode("l.bilg_dept_codg")} AS bilg_dept
        FROM fee_list l WHERE l.bilg_dr_codg IS NOT NULL AND l.bilg_dr_codg <> ''
        GROUP BY l.bilg_dr_codg, l.mdtrt_id
    """,
    )


_AGG = """
    count(*) AS n_visits,
    count(*) FILTER (WHERE NOT inpatient AND NOT pharmacy) AS n_out,
    count(*) FILTER (WHERE inpatient) AS n_in,
    count(DISTINCT psn_no) AS n_persons,
    CAST(sum(total_fee) AS DOUBLE) AS total_fee,
    CAST(sum(total_fee) FILTER (WHERE NOT inpatient AND NOT pharmacy) AS DOUBLE) AS out_fee,
    CAST(sum(total_fee) FILTER (WHERE inpatient) AS DOUBLE) AS in_fee,
    CAST(sum(drug_fee) AS DOUBLE) AS drug_fee,
    CAST(sum(cons_fee) AS DOUBLE) AS cons_fee,
    CAST(sum(exam_fee) AS DOUBLE) AS exam_fee,
    CAST(sum(bed_fee) FILTER (WHERE inpatient) AS DOUBLE) AS in_bed_fee,
    sum(los) FILTER (WHERE inpatient AND endtime IS NOT NULL) AS los_sum,
    count(*) FILTER (WHERE inpatient AND endtime IS NOT NULL) AS n_discharged,
    count(*) FILTER (WHERE readmit) AS n_readmit,
    count(*) FILTER (WHERE inpatient AND weekend) AS n_weekend_in,
    sum(los) FILTER (WHERE inpatient) AS bed_days,
    count(DISTINCT fixmedins_code) AS n_institutions,
    count(*) FILTER (WHERE pharmacy) AS n_pharmacy
"""


def _grouped(run: SqlRunner, source: str, keys: dict[str, str]) -> pd.DataFrame:
    """Aggregate ``source`` by ``keys`` per month and over the whole extract (period ALL)."""
    sel = ", ".join(f"{expr} AS {name}" for name, expr in keys.items())
    grp = ", ".join(keys.values())
    sql = f"""
        SELECT {sel}, period, {_AGG} FROM {source} GROUP BY {grp}, period
        UNION ALL
        SELECT {sel}, '{ALL}' AS period, {_AGG} FROM {source} GROUP BY {grp}
    """
    return run.df(sql)


def _top_drug_fee(run: SqlRunner, entity_sql: str) -> pd.DataFrame:
    """Fee of the top-N drugs (by amount) of each entity and period; ``entity_sql`` yields
    ``entity_id, period, med_list_codg, fee`` rows of drug lines."""
    n = int(get_profile()["indicator.top_drugs_n"])
    # explicit keys, not GROUP BY ALL: Spark takes the literal 'ALL' for a column of that name
    return run.df(f"""
        WITH d AS ({entity_sql}),
        per AS (
            SELECT entity_id, period, med_list_codg, sum(fee) AS fee FROM d
            GROUP BY entity_id, period, med_list_codg
            UNION ALL
            SELECT entity_id, '{ALL}', med_list_codg, sum(fee) FROM d GROUP BY entity_id, med_list_codg
        ),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY entity_id, period ORDER BY fee DESC, med_list_codg) AS r
            FROM per
        )
        SELECT entity_id, period, CAST(sum(fee) FILTER (WHERE r <= {n}) AS DOUBLE) AS topn_drug_fee
        FROM ranked GROUP BY entity_id, period
    """)


def _drug_lines(run: SqlRunner, entity_expr: str, where: str = "TRUE") -> str:
    drug = _in_list(get_profile()["indicator.drug_chrgitm_types"])
    return f"""
        SELECT {entity_expr} AS entity_id, {run.dialect.month_key("l.fee_ocur_time")} AS period,
               l.med_list_codg, l.det_item_fee_sumamt AS fee
        FROM fee_list l LEFT JOIN mdtrt m ON m.mdtrt_id = l.mdtrt_id
        WHERE l.med_chrgitm_type IN {drug} AND {where}
    """


def aggregates(source: duckdb.DuckDBPyConnection | SqlRunner) -> dict[str, pd.DataFrame]:
    """Wide aggregate columns per level (entity_id, fixmedins_code, peer_key, period, …)."""
    run = as_runner(source)
    build_visit_base(run)
    out: dict[str, pd.DataFrame] = {}
    inst = _grouped(
        run,
        "_an_visit",
        {
            "entity_id": "fixmedins_code",
            "fixmedins_code": "fixmedins_code",
            "hosp_lv": "hosp_lv",
            "fixmedins_type": "fixmedins_type",
        },
    )
    span = run.df(
        "SELECT period, min(begntime)::DATE AS lo, max(begntime)::DATE AS hi FROM _an_visit GROUP BY period"
    )
    days = {p: float(pd.Period(p, "M").days_in_month) for p in span["period"] if pd.notna(p) and p}
    if len(span):
        lo, hi = pd.Timestamp(span["lo"].min()), pd.Timestamp(span["hi"].max())
        days[ALL] = float(sum(days.values())) if days else float((hi - lo).days + 1)
    beds = run.df("SELECT fixmedins_code, max(aprv_bed_cnt)::DOUBLE AS beds FROM fixmedins GROUP BY 1")
    inst = inst.merge(beds, on="fixmedins_code", how="left")
    inst["bed_capacity_days"] = inst["beds"] * inst["period"].map(days)
    top = _top_drug_fee(run, _drug_lines(run, "l.fixmedins_code"))
    inst = inst.merge(top, on=["entity_id", "period"], how="left")
    inst["peer_key"] = inst["hosp_lv"].astype(str) + "|" + inst["fixmedins_type"].astype(str)
    out["institution"] = inst

    dept = _grouped(
        run,
        "_an_visit",
        {
            "entity_id": "fixmedins_code || '/' || dept_codg",
            "fixmedins_code": "fixmedins_code",
            "hosp_lv": "hosp_lv",
            "fixmedins_type": "fixmedins_type",
            "dept_codg": "dept_codg",
        },
    )
    dept = dept[dept["dept_codg"].astype(str) != ""]
    dept["peer_key"] = (
        dept["hosp_lv"].astype(str)
        + "|"
        + dept["fixmedins_type"].astype(str)
        + "|"
        + dept["dept_codg"].astype(str)
    )
    out["department"] = dept

    # the latest registration's department; equal dates (or none): the greatest department code
    home_dept = run.dialect.arg_max("dept_codg", "coalesce(begn_date, DATE '1900-01-01')", "dept_codg")
    run.temp(
        "_an_drvisit",
        f"""
        WITH pr AS (
            SELECT prac_psn_code, {home_dept} AS dept FROM practitioner
            WHERE dept_codg IS NOT NULL GROUP BY prac_psn_code
        )
        SELECT d.prac_psn_code, v.mdtrt_id, v.psn_no, v.fixmedins_code, v.hosp_lv, v.fixmedins_type,
               coalesce(pr.dept, d.bilg_dept, v.dept_codg, '') AS dept_codg,
               v.inpatient, v.pharmacy, v.begntime, v.endtime, v.los, v.period, v.weekend, FALSE AS readmit,
               d.fee AS total_fee, d.drug_fee, d.cons_fee, d.exam_fee, d.bed_fee
        FROM _an_drfee d JOIN _an_visit v ON v.mdtrt_id = d.mdtrt_id
        LEFT JOIN pr ON pr.prac_psn_code = d.prac_psn_code
    """,
    )
    prac = _grouped_practitioner(run)
    top = _top_drug_fee(run, _drug_lines(run, "l.bilg_dr_codg", "l.bilg_dr_codg IS NOT NULL"))
    prac = prac.merge(top, on=["entity_id", "period"], how="left")
    prac["peer_key"] = (
        prac["hosp_lv"].astype(str)
        + "|"
        + prac["fixmedins_type"].astype(str)
        + "|"
        + prac["dept_codg"].astype(str)
    )
    out["practitioner"] = prac

    ins = _grouped(run, "_an_visit", {"entity_id": "psn_no", "fixmedins_code": "''"})
    # insured persons are compared with persons of the same care pattern in the period: those with
    # an inpatient stay (住院) and those without (门诊/购药 only) — a stay alone is no anomaly
    ins["peer_key"] = np.where(
        pd.to_numeric(ins["n_in"], errors="coerce").fillna(0) > 0, "inpatient", "outpatient"
    )
    out["insured"] = ins
    return out


def _grouped_practitioner(run: SqlRunner) -> pd.DataFrame:
    """Practitioner aggregates; the practitioner's institution and department are fixed per person
    (their most frequent ones) so that monthly and whole-period rows share one peer group."""
    mode = run.dialect.mode
    run.temp(
        "_an_drhome",
        f"""
        SELECT prac_psn_code, {mode("fixmedins_code")} AS home_code, {mode("hosp_lv")} AS home_lv,
               {mode("fixmedins_type")} AS home_type, {mode("dept_codg")} AS home_dept
        FROM _an_drvisit GROUP BY prac_psn_code
    """,
    )
    src = (
        "(SELECT v.*, h.home_code, h.home_lv, h.home_type, h.home_dept FROM _an_drvisit v "
        "JOIN _an_drhome h USING (prac_psn_code)) AS pv"
    )
    return _grouped(
        run,
        src,
        {
            "entity_id": "prac_psn_code",
            "fixmedins_code": "home_code",
            "hosp_lv": "home_lv",
            "fixmedins_type": "home_type",
            "dept_codg": "home_dept",
        },
    )


def to_long(wide: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Divide the aggregate columns into indicator values (one row per entity, period, indicator)."""
    frames = []
    for level, df in wide.items():
        for ind in INDICATORS.values():
            if level not in ind.levels or df.empty or ind.numerator not in df:
                continue
            num = pd.to_numeric(df[ind.numerator], errors="coerce").fillna(0.0).astype(float)
            if ind.denominator is None:
                den = pd.Series(1.0, index=df.index)
            else:
                den = pd.to_numeric(df.get(ind.denominator), errors="coerce").astype(float)
            valid = den > 0
            if ind.volume is None:
                vol = pd.Series(np.nan, index=df.index)
            else:
                vol = pd.to_numeric(df.get(ind.volume), errors="coerce").fillna(0.0).astype(float)
            part = pd.DataFrame(
                {
                    "level": level,
                    "entity_id": df["entity_id"].astype(str),
                    "fixmedins_code": df["fixmedins_code"].astype(str),
                    "peer_key": df["peer_key"].astype(str),
                    "period": df["period"].astype(str),
                    "indicator": ind.code,
                    "value": np.where(valid, num / den.where(valid, 1.0), np.nan),
                    "numerator": num,
                    "denominator": den,
                    "volume": vol,
                }
            )
            frames.append(part[valid.to_numpy()])
    cols = [
        "level",
        "entity_id",
        "fixmedins_code",
        "peer_key",
        "period",
        "indicator",
        "value",
        "numerator",
        "denominator",
        "volume",
    ]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def compute_indicators(source: duckdb.DuckDBPyConnection | SqlRunner) -> pd.DataFrame:
    """All indicators of every level, per month and for the whole extract (period ``ALL``), on a
    DuckDB connection or a runner (``runner.SparkRunner`` for Spark)."""
    return to_long(aggregates(source))


def idle_stays(source: duckdb.DuckDBPyConnection | SqlRunner) -> pd.DataFrame:
    """Per institution: inpatient stays with at least ``rule.bed_hanging_min_days_without_treatment``
    consecutive days billed with bed / nursing lines only (床位护理费以外无诊疗, 挂床 signal)."""
    prof = get_profile()
    bed = _in_list(prof["indicator.bed_nursing_chrgitm_types"])
    inpatient = _in_list(prof["rule.inpatient_med_types"])
    min_days = int(prof["rule.bed_hanging_min_days_without_treatment"])
    run = as_runner(source)
    return run.df(f"""
        WITH d AS (
            SELECT l.mdtrt_id, any_value(m.fixmedins_code) AS fixmedins_code, l.fee_ocur_time::DATE AS day,
                   bool_and(l.med_chrgitm_type IN {bed}) AS idle
            FROM fee_list l JOIN mdtrt m ON m.mdtrt_id = l.mdtrt_id
            WHERE m.med_type IN {inpatient}
            GROUP BY l.mdtrt_id, l.fee_ocur_time::DATE
        ), runs AS (
            SELECT mdtrt_id, fixmedins_code, day,
                   {run.dialect.days("DATE '2000-01-01'", "day")}
                     - row_number() OVER (PARTITION BY mdtrt_id ORDER BY day) AS grp
            FROM d WHERE idle
        ), stays AS (
            SELECT mdtrt_id, any_value(fixmedins_code) AS fixmedins_code, max(n) AS longest FROM (
                SELECT mdtrt_id, any_value(fixmedins_code) AS fixmedins_code, grp, count(*) AS n
                FROM runs GROUP BY mdtrt_id, grp
            ) AS r GROUP BY mdtrt_id
        )
        SELECT fixmedins_code, count(*) FILTER (WHERE longest >= {min_days}) AS idle_stays
        FROM stays GROUP BY fixmedins_code
    """)
