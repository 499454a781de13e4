"""Indicators on hand-made rows (exact values) and peer alerts with an injected outlier."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from fundguard.analytics import indicators, peers, source
from fundguard.analytics.indicators import ALL
from fundguard.profiles import get_profile


def _tiny() -> dict[str, pd.DataFrame]:
    fix = pd.DataFrame(
        [
            {
                "fixmedins_code": "H00000000001",
                "fixmedins_name": "甲医院",
                "fixmedins_type": "1",
                "hosp_lv": "05",
                "aprv_bed_cnt": 10,
            }
        ]
    )
    t = datetime(2025, 3, 3, 9)  # a Monday
    sat = datetime(2025, 3, 8, 9)
    mdtrt = pd.DataFrame(
        [
            # inpatient 4 days, discharged, then readmitted 5 days later (within the 14-day window)
            {
                "mdtrt_id": "M1",
                "psn_no": "P1",
                "gend": "1",
                "age": 50,
                "fixmedins_code": "H00000000001",
                "med_type": "21",
                "begntime": t,
                "endtime": datetime(2025, 3, 7, 9),
                "ipt_days": 4,
                "dscg_dept_codg": "A03",
            },
            {
                "mdtrt_id": "M2",
                "psn_no": "P1",
                "gend": "1",
                "age": 50,
                "fixmedins_code": "H00000000001",
                "med_type": "21",
                "begntime": datetime(2025, 3, 12, 9),
                "endtime": datetime(2025, 3, 14, 9),
                "ipt_days": 2,
                "dscg_dept_codg": "A03",
            },
            {
                "mdtrt_id": "M3",
                "psn_no": "P2",
                "gend": "2",
                "age": 30,
                "fixmedins_code": "H00000000001",
                "med_type": "11",
                "begntime": sat,
                "dscg_dept_codg": "A03",
            },
            {
                "mdtrt_id": "M4",
                "psn_no": "P3",
                "gend": "2",
                "age": 30,
                "fixmedins_code": "H00000000001",
                "med_type": "11",
                "begntime": t,
                "dscg_dept_codg": "A03",
            },
        ]
    )
    lines = [
        ("M1", "09", 100.0),
        ("M1", "03", 50.0),
        ("M1", "0801", 50.0),
        ("M2", "09", 40.0),
        ("M2", "02", 60.0),
        ("M3", "09", 30.0),
        ("M3", "04", 10.0),
        ("M4", "01", 20.0),
    ]
    fee = pd.DataFrame(
        [
            {
                "feedetl_sn": f"F{i}",
                "mdtrt_id": m,
                "psn_no": mdtrt.set_index("mdtrt_id").loc[m, "psn_no"],
                "fixmedins_code": "H00000000001",
                "fee_ocur_time": t,
                "med_list_codg": f"X{i}",
                "cnt": 1,
                "pric": a,
                "det_item_fee_sumamt": a,
                "med_chrgitm_type": c,
                "bilg_dr_codg": "D0001",
            }
            for i, (m, c, a) in enumerate(lines)
        ]
    )
    return {"fixmedins": fix, "mdtrt": mdtrt, "fee_list": fee}


def _value(df: pd.DataFrame, level: str, indicator: str, period: str = ALL) -> float:
    row = df[(df["level"] == level) & (df["indicator"] == indicator) & (df["period"] == period)]
    assert len(row) == 1, (level, indicator, period)
    return float(row["value"].iloc[0])


def test_institution_indicators_follow_the_default_formulas():
    df = indicators.compute_indicators(source.open_frames(_tiny()))
    assert _value(df, "institution", "hospitalisation_rate") == pytest.approx(2 / 2)
    assert _value(df, "institution", "cost_per_inpatient_visit") == pytest.approx((200 + 100) / 2)
    assert _value(df, "institution", "cost_per_outpatient_visit") == pytest.approx((40 + 20) / 2)
    assert _value(df, "institution", "drug_share") == pytest.approx((100 + 40 + 30) / 360)
    assert _value(df, "institution", "consumable_share") == pytest.approx(50 / 360)
    assert _value(df, "institution", "exam_share") == pytest.approx((50 + 10) / 360)
    assert _value(df, "institution", "avg_length_of_stay") == pytest.approx((4 + 2) / 2)
    assert _value(df, "institution", "readmission_rate") == pytest.approx(1 / 2)
    assert _value(df, "institution", "visits_per_person") == pytest.approx(4 / 3)
    assert _value(df, "institution", "bed_occupancy", "2025-03") == pytest.approx(6 / (10 * 31))
    assert _value(df, "institution", "weekend_admission_share") == pytest.approx(0.0)
    assert _value(df, "department", "avg_length_of_stay", "2025-03") == pytest.approx(3.0)
    assert _value(df, "practitioner", "cost_per_visit") == pytest.approx(360 / 4)


def test_readmission_outside_the_profile_window_is_not_counted(monkeypatch):
    prof = get_profile()
    param = prof.parameters["rule.split_admission_window_days"]
    monkeypatch.setitem(
        prof.parameters, "rule.split_admission_window_days", type(param)(**{**param.__dict__, "value": 3})
    )
    df = indicators.compute_indicators(source.open_frames(_tiny()))
    assert _value(df, "institution", "readmission_rate") == pytest.approx(0.0)


def _peer_rows(values: list[float], peer_key: str = "05|1") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": "institution",
            "entity_id": [f"H{i:011d}" for i in range(len(values))],
            "fixmedins_code": [f"H{i:011d}" for i in range(len(values))],
            "peer_key": peer_key,
            "period": ALL,
            "indicator": "avg_length_of_stay",
            "value": values,
            "numerator": values,
            "denominator": 1.0,
        }
    )


def test_injected_outlier_raises_an_alert_with_value_band_and_group_size():
    alerts = peers.alerts(_peer_rows([5.0, 5.5, 6.0, 6.5, 7.0, 5.8, 15.0]))
    assert list(alerts["entity_id"]) == ["H00000000006"]
    a = alerts.iloc[0]
    assert a["value"] == 15.0
    assert a["peer_median"] == pytest.approx(6.0)
    assert a["peer_n"] == 7
    assert a["band_low"] < a["peer_median"] < a["band_high"] < a["value"]
    assert a["indicator_zh"] == "平均住院日"
    assert a["robust_z"] >= get_profile()["indicator.significant_deviation_robust_z"]


def test_no_alert_below_the_min_peer_group_or_below_the_ratio():
    small = _peer_rows([5.0, 6.0, 7.0, 15.0])  # 4 peers < indicator.min_peer_group (5)
    assert peers.alerts(small).empty
    # z is huge (tight peers) but the value is only 20 % above the median: not significant
    tight = _peer_rows([10.0, 10.01, 10.02, 9.99, 10.0, 12.0])
    assert peers.alerts(tight).empty


def test_zero_mad_falls_back_to_mean_absolute_deviation():
    rows = _peer_rows([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5])
    base = peers.baselines(rows).iloc[0]
    assert base["peer_median"] == 0.0
    assert base["peer_scale"] == pytest.approx(1.2533 * (0.5 / 7))
    assert list(peers.alerts(rows)["entity_id"]) == ["H00000000006"]


def _with(monkeypatch, key: str, value) -> None:
    prof = get_profile()
    param = prof.parameters[key]
    monkeypatch.setitem(prof.parameters, key, type(param)(**{**param.__dict__, "value": value}))


def test_min_volume_keeps_small_samples_out_of_alerts_and_baselines(monkeypatch):
    """indicator.min_volume: an outlier resting on 7 stays neither alerts nor widens the band."""
    rows = _peer_rows([5.0, 5.5, 6.0, 6.5, 7.0, 5.8, 15.0, 40.0]).assign(volume=[50.0] * 7 + [7.0])
    assert get_profile()["indicator.min_volume"] == 30
    cmp = peers.compare(rows).set_index("entity_id")
    assert not cmp.loc["H00000000007", "alert"]  # 40 days over 7 stays: too few cases
    assert bool(cmp.loc["H00000000006", "alert"])
    assert cmp.loc["H00000000006", "peer_n"] == 7  # the small one is not a peer
    _with(monkeypatch, "indicator.min_volume", 5)
    cmp = peers.compare(rows).set_index("entity_id")
    assert bool(cmp.loc["H00000000007", "alert"]) and cmp.loc["H00000000007", "peer_n"] == 8


def _insured_rows(indicator: str, values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": "insured",
            "entity_id": [f"P{i:05d}" for i in range(len(values))],
            "fixmedins_code": "",
            "peer_key": "ALL",
            "period": ALL,
            "indicator": indicator,
            "value": values,
            "numerator": values,
            "denominator": 1.0,
            "volume": float("nan"),
        }
    )


def test_counts_with_a_zero_median_do_not_alert_on_one_event():
    """Most persons have no stay: one stay is rare, not anomalous (Poisson floor); five are."""
    values = [0.0] * 95 + [1.0] * 4 + [5.0]
    cmp = peers.compare(_insured_rows("inpatient_count", values))
    alerted = set(cmp.loc[cmp["alert"], "entity_id"])
    assert alerted == {"P00099"}


def test_skewed_totals_are_compared_on_the_log_scale():
    """Total cost of insured persons is log-normal-ish: twice the median is no outlier, 30× is;
    the band is given back in yuan and is asymmetric."""
    rng = np.random.default_rng(3)
    values = list(np.round(np.exp(rng.normal(6.0, 0.6, 400)), 2)) + [400.0 * 30]
    cmp = peers.compare(_insured_rows("insured_total_cost", values)).set_index("entity_id")
    assert bool(cmp.loc["P00400", "alert"])
    double = cmp["value"].sub(2 * cmp["peer_median"]).abs().idxmin()
    assert not cmp.loc[double, "alert"]
    row = cmp.loc["P00400"]
    assert row["band_high"] - row["peer_median"] > row["peer_median"] - row["band_low"] > 0


@pytest.mark.slow
def test_alert_list_of_a_small_synthetic_city_is_short_and_well_founded():
    """Scale 0.05 synthetic city: the earlier rules gave ~3,200 alerts (insured persons with one
    stay, 3 weekend admissions out of 7 …); now every alert rests on enough cases and peers."""
    from fundguard.analytics import evaluate

    if not evaluate.synth_available():
        pytest.skip("synthetic-city generator not installed")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        folder, _ = evaluate.make_city(Path(tmp) / "c", 303, 0.05, "synth")
        ind = indicators.compute_indicators(source.open_folder(folder))
    alerts = peers.alerts(ind)
    prof = get_profile()
    assert len(alerts) < 400, alerts.groupby(["level", "indicator"]).size()
    assert (alerts["peer_n"] >= prof["indicator.min_peer_group"]).all()
    provider = alerts[alerts["level"] != "insured"]
    assert (provider["volume"] >= prof["indicator.min_volume"]).all()
    persons = ind.loc[(ind["level"] == "insured") & (ind["period"] == ALL), "entity_id"].nunique()
    whole = alerts[(alerts["level"] == "insured") & (alerts["period"] == ALL)]
    assert whole["entity_id"].nunique() < 0.05 * persons
