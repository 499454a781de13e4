"""At the default rate every category is injected and labelled exactly as decision 0003 defines it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fundguard.contract import LABEL_COLUMNS, VIOLATION_CATEGORIES
from synth.oracle import City


@pytest.fixture(scope="module")
def city(labelled_city: Path) -> City:
    return City(labelled_city)


def test_every_category_is_labelled(city: City):
    assert tuple(city.labels.columns) == LABEL_COLUMNS
    assert set(city.labels["category"]) == set(VIOLATION_CATEGORIES)
    assert city.labels["amount"].str.fullmatch(r"\d+\.\d{2}").all()


def test_findings_under_0003_equal_the_labels_to_the_cent(city: City):
    found, labelled = city.findings(), city.labelled()
    for category in VIOLATION_CATEGORIES:
        assert found[category] == labelled.get(category, {}), category


def test_one_category_per_injected_line(city: City):
    line_labels = city.labels[city.labels["feedetl_sn"] != ""]
    assert line_labels["feedetl_sn"].is_unique
    assert not city.labels.duplicated(["category", "mdtrt_id", "feedetl_sn"]).any()


def test_line_labels_point_at_lines_of_their_visit(city: City):
    lines = city.labels[city.labels["feedetl_sn"] != ""].merge(
        city.fee[["feedetl_sn", "mdtrt_id"]], on="feedetl_sn", suffixes=("", "_fee")
    )
    assert len(lines) == (city.labels["feedetl_sn"] != "").sum()
    assert (lines["mdtrt_id"] == lines["mdtrt_id_fee"]).all()


def test_suspended_doctor_has_a_points_decision(city: City, labelled_city: Path):
    points = pd.read_csv(labelled_city / "points.csv", dtype=str)
    assert (points["points"].astype(int) >= 9).all()
    suspended = city.fee.merge(city.labels[city.labels["category"] == "SUSPENDED_PERSON"], on="feedetl_sn")
    assert set(suspended["bilg_dr_codg"]) <= set(points["prac_psn_code"])


def test_injected_lines_stay_valid_input(city: City):
    f = city.fee
    assert (f["units"] * f["pric_c"] == f["amount"]).all()
    assert (f["t"] >= pd.to_datetime(f["v_begntime"])).all()
    assert (f["t"] <= pd.to_datetime(f["v_endtime"])).all()
    assert f["feedetl_sn"].is_unique


def test_anomalies_for_the_risk_models(labelled_city: Path):
    a = pd.read_csv(labelled_city / "anomalies.csv", dtype=str)
    assert list(a.columns) == ["entity_type", "entity_id", "kind", "note"]
    assert {
        "long_stay",
        "high_cost",
        "sells_more_than_bought",
        "ring",
        "split_admission",
        "bed_hanging",
    } <= set(a["kind"])
    assert set(a["entity_type"]) <= {"institution", "practitioner", "insured"}
