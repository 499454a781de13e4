"""A clean city (violation rate 0) breaks none of the rules decision 0003 lists, and is valid input."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from fundguard import refdata
from fundguard.contract import TABLES
from fundguard.profiles import get_profile
from synth.oracle import City


@pytest.fixture(scope="module")
def city(clean_city: Path) -> City:
    return City(clean_city)


def test_clean_background_has_no_finding_in_any_category(city: City):
    findings = city.findings()
    assert {cat: found for cat, found in findings.items() if found} == {}
    assert city.labels.empty


def test_restricted_items_are_used_legitimately(city: City):
    """Female-only drugs go to women, children's drugs to children, inpatient-only drugs to inpatients."""
    nb = "nhsa-rules/national_batches/"
    women = {r["药品代码"] for r in refdata.read_rows(nb + "batch01_drug_gender_restriction_codes.csv")}
    kids = {r["国标代码"] for r in refdata.read_rows(nb + "batch01_drug_age_restriction_codes.csv")}
    inpatient = {
        r["国标代码"] for r in refdata.read_rows(nb + "batch04_drug_care_setting_restriction_codes.csv")
    }
    level = {
        r["国标代码"] for r in refdata.read_rows(nb + "batch05_drug_hospital_level_restriction_codes.csv")
    }
    f = city.fee
    for codes in (women, kids, inpatient, level):
        assert f["med_list_codg"].isin(codes).sum() > 0
    assert (f.loc[f["med_list_codg"].isin(kids), "v_age"] <= 17).all()
    assert f.loc[f["med_list_codg"].isin(inpatient), "v_med_type"].isin(["21"]).all()


def test_money_adds_up(city: City, clean_city: Path):
    f = city.fee
    assert (f["units"] * f["pric_c"] == f["amount"]).all()
    assert f["det_item_fee_sumamt"].str.fullmatch(r"\d+\.\d{2}").all()
    assert (f["pric"].astype(float) <= f["pric_uplmt_amt"].astype(float) + 0.005).all()
    setl = pd.read_csv(clean_city / "setl.csv", dtype=str)
    totals = f.groupby("mdtrt_id")["amount"].sum()
    med = setl.set_index("mdtrt_id")["medfee_sumamt"].astype(float).mul(100).round().astype("int64")
    assert (med == totals.reindex(med.index)).all()
    assert (setl["fund_pay_sumamt"].astype(float) <= setl["medfee_sumamt"].astype(float)).all()


def test_fee_times_lie_inside_their_visit(city: City):
    f = city.fee
    assert (f["t"] >= pd.to_datetime(f["v_begntime"])).all()
    assert (f["t"] <= pd.to_datetime(f["v_endtime"])).all()
    assert f["fee_ocur_time"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all()


def test_inpatient_stays_bill_beds_per_night_and_surgery_with_procedures(city: City):
    m = city.mdtrt[city.mdtrt["med_type"] == "21"]
    assert len(m) > 0
    beds = city.fee[city.fee["med_chrgitm_type"] == "01"].groupby("mdtrt_id")["units"].sum()
    assert (beds.reindex(m["mdtrt_id"]).fillna(0).astype(int) == m["ipt_days"].astype(int).values).all()
    surgery = set(city.fee.loc[city.fee["med_chrgitm_type"] == "06", "mdtrt_id"])
    assert surgery <= set(city.oprn["mdtrt_id"])


def test_codes_match_the_profile_and_dictionaries(city: City, clean_city: Path):
    p = get_profile()
    divisions = refdata.admin_division_codes()
    assert city.inst["fixmedins_code"].str.fullmatch(p["codes.institution"]).all()
    assert set(city.inst["admdvs"]) <= divisions
    assert set(city.mdtrt["insu_admdvs"]) <= divisions
    assert city.prac["prac_psn_code"].str.fullmatch(p["codes.practitioner"]).all()
    doctors = city.prac[city.prac["prac_psn_type"] == "1"]
    assert doctors["prac_psn_code"].str.startswith("D").all()
    assert not city.prac.loc[city.prac["prac_psn_type"] != "1", "prac_psn_code"].str.startswith("D").any()
    assert city.trace["drug_trac_codg"].str.fullmatch(p["codes.trace_code"]).all()
    assert city.trace["drug_trac_codg"].is_unique
    assert city.diag["diag_code"].str.match(p["codes.diagnosis"]).all()
    assert city.oprn["oprn_oprt_code"].str.match(p["codes.procedure"]).all()
    assert city.mdtrt["certno"].str.fullmatch(r"[0-9]{17}[0-9X]").all()
    assert set(city.inst["hosp_lv"]) - {""} <= set(refdata.field_codes()["hosp_lv"])
    assert set(city.inst.loc[city.inst["fixmedins_type"] == "2", "fixmedins_code"].str[0]) == {"P"}
    for name in TABLES:
        assert (clean_city / f"{name}.csv").exists(), name


def test_every_billing_doctor_is_registered_at_the_institution(city: City):
    registered = set(zip(city.prac["prac_psn_code"], city.prac["fixmedins_code"], strict=True))
    pairs = set(zip(city.fee["bilg_dr_codg"], city.fee["fixmedins_code"], strict=True))
    assert pairs <= registered


def test_diagnoses_are_consistent_with_sex(city: City):
    d = city.diag.merge(city.mdtrt[["mdtrt_id", "gend"]], on="mdtrt_id")
    obstetric = d["diag_code"].str.match(r"^(O|N7|N8)")
    assert (d.loc[obstetric, "gend"] == "2").all()
    assert d["diag_name"].map(lambda s: bool(re.search(r"[\u4e00-\u9fff]", s))).all()
