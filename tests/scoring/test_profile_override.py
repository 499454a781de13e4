"""Numbers come from the province profile: an override file changes the behaviour."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from fundguard import profiles, settings
from fundguard.errors import Conflict
from fundguard.scoring import service

from ._helpers import decide

OVERRIDE = """name: 测试省
extends: national
overrides:
  scoring.suspend_threshold: {value: 6, source: "测试省实施细则第八条"}
  scoring.suspend_months_proposal: {6: 2}
  scoring.ban_years_one_time: 5
  scoring.repair_max_per_year: 2
  scoring.appeal_window_wd: 5
"""


@pytest.fixture
def province(tmp_path, monkeypatch):
    folder = tmp_path / "profiles"
    folder.mkdir()
    shutil.copy(settings.PROJECT_ROOT / "profiles" / "national.yaml", folder / "national.yaml")
    (folder / "testprov.yaml").write_text(OVERRIDE, encoding="utf-8")
    monkeypatch.setenv("FUNDGUARD_PROFILES_DIR", str(folder))
    monkeypatch.setenv("FUNDGUARD_PROFILE", "testprov")
    settings.reset_settings_cache()
    profiles.reset_profile_cache()
    yield folder
    settings.reset_settings_cache()
    profiles.reset_profile_cache()


def test_province_threshold_of_six_suspends_for_the_proposed_two_months(session, person, province):
    decide(session, person, 6, date(2025, 3, 1))
    status = service.status_on(session, person, date(2025, 3, 1))
    assert (status.status, status.until) == ("suspended", date(2025, 5, 1))


def test_province_one_time_ban_of_five_years(session, person, province):
    decide(session, person, 12, date(2025, 3, 1))
    assert service.status_on(session, person, date(2025, 3, 1)).barred_until == date(2030, 3, 1)


def test_province_repair_cap_of_two(session, person, province):
    decide(session, person, 4, date(2025, 3, 1))
    service.repair_points(session, person, activity="training", on=date(2025, 3, 2), operator="经办人")
    service.repair_points(session, person, activity="training", on=date(2025, 3, 3), operator="经办人")
    with pytest.raises(Conflict):
        service.repair_points(session, person, activity="training", on=date(2025, 3, 4), operator="经办人")


def test_province_appeal_window_of_five_working_days(session, person, province):
    entry = decide(session, person, 4, date(2025, 9, 29))
    # 30 Sep, then the National Day holiday, then 9, 10, 11 (make-up Saturday), 13 October
    assert service.appeal_deadline(session, entry.seq) == date(2025, 10, 13)


def test_the_same_points_do_not_suspend_under_the_national_profile(session, person):
    decide(session, person, 6, date(2025, 3, 1))
    assert service.status_on(session, person, date(2025, 3, 1)).status == "active"
