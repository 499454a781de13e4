"""The pure status function: profile switches exercised directly, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from fundguard.profiles import get_profile
from fundguard.scoring.status import Entry, Params, add_months, add_years, status_on


@pytest.fixture
def params() -> Params:
    return Params.from_profile(get_profile())


def _decision(seq, points, day, **kw):
    return Entry(seq=seq, kind="decision", points=points, decision_date=day, effective_date=day, **kw)


def test_a_month_counts_to_the_same_day_or_the_last_day_of_a_shorter_month():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_without_year_reset_points_keep_accumulating(params):
    entries = [_decision(1, 6, date(2024, 11, 1)), _decision(2, 6, date(2025, 1, 2))]
    assert status_on(entries, params, date(2025, 1, 2)).status == "active"
    no_reset = replace(params, year_reset=False)
    assert status_on(entries, no_reset, date(2025, 1, 2)).status == "terminated"


def test_retrigger_allows_a_second_suspension_in_the_same_year(params):
    entries = [_decision(1, 9, date(2025, 1, 10)), _decision(2, 2, date(2025, 6, 1))]
    assert status_on(entries, params, date(2025, 6, 1)).status == "active"
    retrigger = replace(params, suspension_retrigger=True)
    assert status_on(entries, retrigger, date(2025, 6, 1)).until == date(2025, 9, 1)  # total 11 → 3 months


def test_year_attribution_by_decision_date(params):
    entries = [Entry(1, "decision", 9, date(2024, 12, 30), date(2025, 1, 3))]
    by_effective = status_on(entries, params, date(2025, 1, 3))
    assert (by_effective.status, by_effective.year_points) == ("suspended", 9)
    by_decision = status_on(entries, replace(params, year_attribution="decision_date"), date(2025, 1, 3))
    assert (by_decision.status, by_decision.year_points) == ("suspended", 0)


def test_repair_reverses_status_when_the_profile_says_so(params):
    entries = [
        _decision(1, 9, date(2025, 2, 1)),
        Entry(2, "repair", -1, date(2025, 2, 10), date(2025, 2, 10)),
    ]
    assert status_on(entries, params, date(2025, 2, 11)).status == "suspended"
    assert (
        status_on(entries, replace(params, repair_reverses_status=True), date(2025, 2, 11)).status == "active"
    )


def test_suspension_months_are_clamped_to_the_range(params):
    assert params.proposed_months(9) == 1 and params.proposed_months(11) == 3
    assert replace(params, suspend_months_proposal={9: 12}).proposed_months(9) == params.suspend_months_max
