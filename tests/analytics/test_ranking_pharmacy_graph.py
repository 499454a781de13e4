"""Physician ranking, 进销存 / trace codes and collusion rings."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from fundguard.analytics import graph, pharmacy, ranking, source
from fundguard.analytics.indicators import ALL
from fundguard.profiles import get_profile


def _prac_rows(costs: dict[str, tuple[float, int]], peer_key: str = "05|1|A03") -> pd.DataFrame:
    rows = []
    for dr, (cpv, visits) in costs.items():
        for ind, value, den in (("cost_per_visit", cpv, visits), ("total_cost", cpv * visits, 1.0)):
            rows.append(
                {
                    "level": "practitioner",
                    "entity_id": dr,
                    "fixmedins_code": "H00000000001",
                    "peer_key": peer_key,
                    "period": ALL,
                    "indicator": ind,
                    "value": value,
                    "numerator": value * den,
                    "denominator": den,
                }
            )
    return pd.DataFrame(rows)


def test_focus_list_is_the_top_share_of_large_enough_groups_of_busy_doctors():
    costs = {f"D{i:04d}X": (100.0 + i, 40) for i in range(10)}
    costs["D9999X"] = (900.0, 12)  # most expensive but below ranking.min_doctor_volume (30)
    ranked = ranking.rank_practitioners(_prac_rows(costs))
    focus = ranked[ranked["focus"]]
    # 10 eligible doctors × 10 % = 1 flagged: the most expensive eligible one
    assert list(focus["entity_id"]) == ["D0009X"]
    assert int(focus["group_n"].iloc[0]) == 10
    assert not bool(ranked.set_index("entity_id").loc["D9999X", "eligible"])
    small = {f"D{i:04d}X": (100.0 + i, 40) for i in range(get_profile()["ranking.min_group_size"] - 1)}
    assert ranking.focus_list(_prac_rows(small)).empty


def test_three_times_costlier_doctors_lead_their_groups(analysed):
    result, anomalies = analysed
    costly = set(anomalies.loc[anomalies["kind"] == "COST_3X", "entity_id"])
    ranked = result.ranking.set_index("entity_id")
    assert all(ranked.loc[d, "rank_cost_per_visit"] == 1 for d in costly if ranked.loc[d, "eligible"])
    trend = ranking.trend(result.indicators, sorted(costly)[0])
    assert list(trend["period"]) == ["2025-01", "2025-02", "2025-03"]
    assert (trend["cost_per_visit"] > 0).all()


def test_high_volume_drugs_are_the_top_n_by_amount(city):
    frames, _ = city
    con = source.open_frames(frames)
    top = ranking.high_volume_drugs(con, top_n=2)
    assert top.groupby("prac_psn_code").size().max() == 2
    one = top[top["prac_psn_code"] == top["prac_psn_code"].iloc[0]]
    assert list(one["amount"]) == sorted(one["amount"], reverse=True)


def _pharmacy_frames() -> dict[str, pd.DataFrame]:
    shop, other = "P00000000001", "P00000000002"
    fix = pd.DataFrame(
        [{"fixmedins_code": c, "fixmedins_name": c, "fixmedins_type": "2"} for c in (shop, other)]
    )
    stock = pd.DataFrame(
        [
            {"fixmedins_code": shop, "med_list_codg": "XA", "stock_date": date(2025, 1, 31), "cnt": 10},
            {"fixmedins_code": shop, "med_list_codg": "XA", "stock_date": date(2025, 2, 28), "cnt": 8},
        ]
    )
    purchase = pd.DataFrame(
        [
            {
                "fixmedins_code": shop,
                "med_list_codg": "XA",
                "purc_date": date(2025, 2, 2),
                "cnt": 5,
                "pric": 10,
            },
            {
                "fixmedins_code": shop,
                "med_list_codg": "XB",
                "purc_date": date(2025, 2, 2),
                "cnt": 5,
                "pric": 10,
            },
        ]
    )
    fee = pd.DataFrame(
        [
            {
                "feedetl_sn": f"F{i}",
                "mdtrt_id": f"M{i}",
                "psn_no": "P1",
                "fixmedins_code": c,
                "fee_ocur_time": datetime(2025, 2, 10),
                "med_list_codg": item,
                "cnt": n,
                "pric": 12.0,
                "det_item_fee_sumamt": 12.0 * n,
                "med_chrgitm_type": "09",
            }
            for i, (c, item, n) in enumerate([(shop, "XA", 9), (other, "XC", 1)])
        ]
    )
    nonins = pd.DataFrame(
        [{"fixmedins_code": shop, "med_list_codg": "XA", "sale_time": datetime(2025, 2, 11), "cnt": 1}]
    )
    trace = pd.DataFrame(
        [
            {"feedetl_sn": "F0", "drug_trac_codg": "8" + "0" * 19},
            {"feedetl_sn": "F1", "drug_trac_codg": "8" + "0" * 19},
        ]
    )
    return {
        "fixmedins": fix,
        "stock": stock,
        "purchase": purchase,
        "fee_list": fee,
        "sale_nonins": nonins,
        "trace": trace,
    }


def test_stock_equation_gap_in_units_and_yuan():
    eq = pharmacy.stock_equation(source.open_frames(_pharmacy_frames()))
    feb = eq[(eq["med_list_codg"] == "XA") & (eq["period"] == "2025-02")].iloc[0]
    # opening 10 + purchases 5 − insured 9 − non-insured 1 = 5 expected; stock-take says 8
    assert feb["expected_closing"] == 5
    assert feb["gap_units"] == 3
    assert feb["gap_amount"] == 36.0  # 3 units × 12 yuan average insured sale price
    assert bool(feb["mismatch"])


def test_trace_code_sold_twice_across_pharmacies_and_unmatched_flows():
    con = source.open_frames(_pharmacy_frames())
    dup = pharmacy.duplicate_trace_codes(con)
    assert len(dup) == 1 and dup.iloc[0]["times_sold"] == 2 and bool(dup.iloc[0]["cross_pharmacy"])
    un = pharmacy.unmatched_flows(con).set_index("med_list_codg")
    assert un.loc["XB", "kind"] == "PURCHASE_NO_SALE"
    assert un.loc["XC", "kind"] == "SALE_NO_PURCHASE"
    assert "XA" not in un.index


def test_stock_fraud_pharmacy_shows_a_positive_gap(analysed):
    result, anomalies = analysed
    bad = anomalies.loc[anomalies["kind"] == "STOCK", "entity_id"].iloc[0]
    gaps = result.stock[result.stock["mismatch"]]
    assert set(gaps["fixmedins_code"]) == {bad}
    assert (gaps["gap_units"] > 0).all()


def test_the_injected_ring_is_found_with_its_shared_days(analysed):
    result, anomalies = analysed
    ring_people = set(anomalies.loc[anomalies["kind"] == "RING", "entity_id"])
    rings = result.rings
    assert len(rings.rings) == 1
    view = graph.ring_view(rings, rings.rings["ring_id"].iloc[0])
    members = {m["id"] for m in view["members"] if m["kind"] == "insured"}
    assert members == ring_people
    assert len({d["day"] for d in view["shared_days"]}) == 5
    assert all(set(d["persons"]) <= ring_people for d in view["shared_days"])
    assert view["edges"] and all(e["weight"] > 0 for e in view["edges"])
