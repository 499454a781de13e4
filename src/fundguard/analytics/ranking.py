"""Physician cost ranking (医保医师费用排名, seed 004 同级同类同科室排名).

Practitioners are ranked within their peer group (``ranking.peer_key``: hospital level, hospital
type, department) by cost per visit (次均费用) and by total cost (医疗总费用). The focus list
(重点监管名单) is the top ``ranking.flag_top_share`` (at least 1) of each group that has at least
``ranking.min_group_size`` practitioners with at least ``ranking.min_doctor_volume`` visits; only
such practitioners are ranked for the focus list. Also: the monthly trend of one practitioner and
the high-volume drugs (临床用量较大的药品) of each practitioner.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd

from fundguard.analytics.indicators import ALL
from fundguard.profiles import get_profile


def _wide(ind: pd.DataFrame, period: str) -> pd.DataFrame:
    sub = ind[(ind["level"] == "practitioner") & (ind["period"] == period)]
    wide = sub.pivot_table(
        index=["entity_id", "fixmedins_code", "peer_key"], columns="indicator", values="value"
    )
    visits = sub[sub["indicator"] == "cost_per_visit"].set_index("entity_id")["denominator"]
    wide = wide.reset_index()
    wide["visits"] = wide["entity_id"].map(visits).fillna(0).astype(int)
    return wide


def rank_practitioners(ind: pd.DataFrame, period: str = ALL) -> pd.DataFrame:
    """One row per practitioner: ranks in the peer group, group size, focus flag and median."""
    prof = get_profile()
    share = float(prof["ranking.flag_top_share"])
    min_group = int(prof["ranking.min_group_size"])
    min_volume = int(prof["ranking.min_doctor_volume"])
    wide = _wide(ind, period)
    if wide.empty:
        return wide
    wide["eligible"] = wide["visits"] >= min_volume
    elig = wide[wide["eligible"]]
    group_n = elig.groupby("peer_key")["entity_id"].size()
    wide["group_n"] = wide["peer_key"].map(group_n).fillna(0).astype(int)
    wide["group_median_cost_per_visit"] = wide["peer_key"].map(
        elig.groupby("peer_key")["cost_per_visit"].median()
    )
    for metric in ("cost_per_visit", "total_cost"):
        ranks = elig.groupby("peer_key")[metric].rank(ascending=False, method="min")
        wide[f"rank_{metric}"] = ranks.reindex(wide.index)
    top_k = wide["group_n"].map(lambda n: max(1, math.floor(share * n)))
    wide["focus"] = wide["eligible"] & (wide["group_n"] >= min_group) & (wide["rank_cost_per_visit"] <= top_k)
    wide["period"] = period
    return wide.sort_values(["peer_key", "rank_cost_per_visit"]).reset_index(drop=True)


def focus_list(ind: pd.DataFrame, period: str = ALL) -> pd.DataFrame:
    ranked = rank_practitioners(ind, period)
    return ranked[ranked["focus"]].reset_index(drop=True) if not ranked.empty else ranked


def trend(ind: pd.DataFrame, prac_psn_code: str) -> pd.DataFrame:
    """Monthly visits, total cost and cost per visit of one practitioner (月度趋势)."""
    sub = ind[(ind["level"] == "practitioner") & (ind["entity_id"] == prac_psn_code) & (ind["period"] != ALL)]
    sub = sub[sub["indicator"].isin(["cost_per_visit", "total_cost"])]
    wide = sub.pivot_table(index="period", columns="indicator", values="value").reset_index()
    visits = sub[sub["indicator"] == "cost_per_visit"].set_index("period")["denominator"]
    wide["visits"] = wide["period"].map(visits)
    return wide.sort_values("period").reset_index(drop=True)


def high_volume_drugs(con: duckdb.DuckDBPyConnection, top_n: int | None = None) -> pd.DataFrame:
    """Top drugs by amount per practitioner (quantity, amount, visits, share of their drug fees)."""
    prof = get_profile()
    n = int(top_n or prof["ranking.high_volume_drugs_top_n"])
    drug = "(" + ", ".join(f"'{c}'" for c in prof["indicator.drug_chrgitm_types"]) + ")"
    return con.execute(f"""
        WITH d AS (
            SELECT bilg_dr_codg AS prac_psn_code, med_list_codg, any_value(hilist_name) AS name,
                   sum(cnt)::DOUBLE AS quantity, sum(det_item_fee_sumamt)::DOUBLE AS amount,
                   count(DISTINCT mdtrt_id) AS visits
            FROM fee_list
            WHERE med_chrgitm_type IN {drug} AND bilg_dr_codg IS NOT NULL AND bilg_dr_codg <> ''
            GROUP BY ALL
        ), r AS (
            SELECT *, amount / sum(amount) OVER (PARTITION BY prac_psn_code) AS share,
                   row_number() OVER (PARTITION BY prac_psn_code ORDER BY amount DESC, med_list_codg) AS drug_rank
            FROM d
        )
        SELECT * FROM r WHERE drug_rank <= {n} ORDER BY prac_psn_code, drug_rank
    """).df()
