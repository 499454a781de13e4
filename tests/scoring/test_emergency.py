"""Emergency and rescue exception (急救、抢救除外), detected per scoring.emergency_*."""

from __future__ import annotations

import pytest

from fundguard.scoring.service import is_emergency_visit, is_exempt


@pytest.mark.parametrize(
    ("med_type", "dept", "items", "expected"),
    [
        ("13", "内科", [], True),  # emergency med_type
        ("11", "急诊科", [], True),  # emergency department
        ("21", "心内科", ["抢救费", "床位费"], True),  # rescue fee item
        ("11", "内科", ["一般诊疗费"], False),
        (None, None, None, False),
    ],
)
def test_emergency_visit_detection(med_type, dept, items, expected):
    assert is_emergency_visit(med_type, dept, items) is expected


def test_emergency_charges_by_suspended_or_terminated_person_are_still_settled():
    assert is_exempt("suspended", "11", "急诊科", [])
    assert is_exempt("terminated", "11", "急诊科", [])
    assert not is_exempt("suspended", "11", "内科", [])
    assert is_exempt("active", "11", "内科", [])


def test_termination_exception_follows_the_profile(tmp_path, monkeypatch):
    import shutil

    from fundguard import profiles, settings

    folder = tmp_path / "p"
    folder.mkdir()
    shutil.copy(settings.PROJECT_ROOT / "profiles" / "national.yaml", folder / "national.yaml")
    (folder / "literal.yaml").write_text(
        "name: 字面解释\noverrides:\n  scoring.emergency_exception_termination: false\n", encoding="utf-8"
    )
    monkeypatch.setenv("FUNDGUARD_PROFILES_DIR", str(folder))
    monkeypatch.setenv("FUNDGUARD_PROFILE", "literal")
    settings.reset_settings_cache()
    profiles.reset_profile_cache()
    assert not is_exempt("terminated", "11", "急诊科", [])
    assert is_exempt("suspended", "11", "急诊科", [])
