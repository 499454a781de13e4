"""Province profiles: every policy number declared with a source, validated, overridable by key."""

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fundguard.profiles import ProfileError, load_profile
from fundguard.settings import PROJECT_ROOT

PROFILES = PROJECT_ROOT / "profiles"


def _province(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    shutil.copy(PROFILES / "national.yaml", folder / "national.yaml")
    (folder / "test-province.yaml").write_text(body, encoding="utf-8")
    return folder


def test_every_national_parameter_has_a_source_and_a_valid_value():
    profile = load_profile("national", PROFILES)
    assert len(profile.parameters) > 100
    for param in profile.parameters.values():
        assert param.source.strip(), param.key
        assert param.scope in {"N", "P", "C"}, param.key


def test_seed_numbers_are_the_national_defaults():
    p = load_profile("national", PROFILES)
    assert p["scoring.suspend_threshold"] == 9
    assert p["scoring.terminate_threshold"] == 12
    assert (p["scoring.ban_years_cumulative"], p["scoring.ban_years_one_time"]) == (1, 3)
    assert p["agreement.public_notice_wd"] == 5
    assert p["inspection.random_ratio_min"] == pytest.approx(0.05)
    assert p["case.criminal_hint_individual"] == Decimal("30000.00")
    assert p["report.reward_max"] == Decimal("200000.00")
    assert p["rule.split_admission_window_days"] == 14
    assert p["rule.trace_code_enforce_from"] == date(2025, 7, 1)


def test_the_shipped_example_province_overrides_only_what_it_names():
    national = load_profile("national", PROFILES)
    province = load_profile("example-province", PROFILES)
    assert province["rule.split_admission_window_days"] == 15
    assert province.parameters["rule.split_admission_window_days"].overridden_by == "example-province"
    changed = {k for k in national.parameters if national[k] != province[k]}
    assert changed == {"rule.split_admission_window_days", "scoring.repair_max_per_year"}


def test_an_override_out_of_range_names_the_key(tmp_path):
    folder = _province(tmp_path, "overrides:\n  scoring.suspend_threshold: 40\n")
    with pytest.raises(ProfileError) as err:
        load_profile("test-province", folder)
    assert err.value.key == "scoring.suspend_threshold"
    assert "上限" in str(err.value)


def test_an_override_of_the_wrong_type_names_the_key(tmp_path):
    folder = _province(tmp_path, "overrides:\n  agreement.term_years: 两年\n")
    with pytest.raises(ProfileError) as err:
        load_profile("test-province", folder)
    assert err.value.key == "agreement.term_years"


def test_an_unknown_override_key_is_refused(tmp_path):
    folder = _province(tmp_path, "overrides:\n  scoring.no_such_number: 3\n")
    with pytest.raises(ProfileError) as err:
        load_profile("test-province", folder)
    assert err.value.key == "scoring.no_such_number"


def test_money_rejects_fractions_of_a_cent(tmp_path):
    folder = _province(tmp_path, "overrides:\n  report.reward_min: 200.005\n")
    with pytest.raises(ProfileError):
        load_profile("test-province", folder)


def test_override_with_its_own_source_keeps_that_source(tmp_path):
    folder = _province(tmp_path, "overrides:\n  scoring.repair_max_per_year: {value: 2, source: 本省细则}\n")
    p = load_profile("test-province", folder)
    assert p["scoring.repair_max_per_year"] == 2
    assert p.parameters["scoring.repair_max_per_year"].source == "本省细则"
