"""Repair (修复): repair_points_per_activity per activity, at most repair_max_per_year per year."""

from __future__ import annotations

from datetime import date

import pytest

from fundguard.errors import Conflict, InputError
from fundguard.scoring import service

from ._helpers import decide


def test_each_activity_repairs_one_point_up_to_four_a_year(session, person):
    decide(session, person, 6, date(2025, 2, 1))
    for day in (3, 4, 5, 6):
        service.repair_points(session, person, activity="training", on=date(2025, 3, day), operator="经办人")
    session.commit()
    assert service.status_on(session, person, date(2025, 3, 6)).year_points == 2
    with pytest.raises(Conflict) as exc:
        service.repair_points(session, person, activity="publicity", on=date(2025, 3, 7), operator="经办人")
    assert exc.value.code == "REPAIR_CAP_REACHED"


def test_repair_cap_starts_again_in_a_new_year(session, person):
    decide(session, person, 6, date(2024, 2, 1))
    for day in (3, 4, 5, 6):
        service.repair_points(session, person, activity="training", on=date(2024, 3, day), operator="经办人")
    decide(session, person, 3, date(2025, 2, 1))
    service.repair_points(session, person, activity="training", on=date(2025, 3, 1), operator="经办人")
    session.commit()
    assert service.status_on(session, person, date(2025, 3, 1)).year_points == 2


def test_repair_does_not_undo_an_executed_suspension(session, person):
    decide(session, person, 9, date(2025, 2, 1), suspend_months=3)
    service.repair_points(
        session, person, activity="flight_inspection", on=date(2025, 2, 10), operator="经办人"
    )
    session.commit()
    status = service.status_on(session, person, date(2025, 2, 10))
    assert (status.status, status.year_points, status.until) == ("suspended", 8, date(2025, 5, 1))


def test_unknown_repair_activity_is_refused(session, person):
    decide(session, person, 3, date(2025, 2, 1))
    with pytest.raises(InputError) as exc:
        service.repair_points(session, person, activity="donation", on=date(2025, 2, 2), operator="经办人")
    assert exc.value.code == "REPAIR_ACTIVITY_UNKNOWN"
