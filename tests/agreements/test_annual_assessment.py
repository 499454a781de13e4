"""年度综合考核 (domain.md §2b, §4.2 assessment_weights): weighted total, emitted as a credit event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fundguard.agreements import service
from fundguard.credit import service as credit
from fundguard.errors import Conflict, InputError

SCORES = {"conduct": 80, "service_quality": 90, "cost_control": 70, "fund_risk_control": 60}


def test_annual_assessment_total_is_the_weighted_mean_and_becomes_a_credit_event(session):
    row = service.record_annual_assessment(session, "H32040000001", 2025, SCORES, date(2026, 1, 20))
    assert row.total == Decimal("75.00")
    explained = credit.explain(session, "INSTITUTION", "H32040000001", date(2026, 1, 20))
    (line,) = explained.lines
    assert line.event_type == "ANNUAL_ASSESSMENT" and line.points == 0
    assert "2025年度综合考核总分 75.00 分" in line.explanation


def test_poor_assessment_lowers_credit_by_the_profile_points(session):
    scores = {"conduct": 50, "service_quality": 60, "cost_control": 55, "fund_risk_control": 50}
    service.record_annual_assessment(session, "H32040000001", 2025, scores, date(2026, 1, 20))
    assert credit.explain(session, "INSTITUTION", "H32040000001", date(2026, 1, 20)).score == 85


def test_assessment_needs_every_dimension_in_range_and_only_once_a_year(session):
    with pytest.raises(InputError):
        service.record_annual_assessment(session, "H1", 2025, {"conduct": 80}, date(2026, 1, 20))
    with pytest.raises(InputError):
        service.record_annual_assessment(session, "H1", 2025, {**SCORES, "conduct": 101}, date(2026, 1, 20))
    service.record_annual_assessment(session, "H1", 2025, SCORES, date(2026, 1, 20))
    with pytest.raises(Conflict):
        service.record_annual_assessment(session, "H1", 2025, SCORES, date(2026, 1, 21))
