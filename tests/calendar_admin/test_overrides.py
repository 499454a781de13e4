"""工作日历调整: administrators add the State Council's notice where chinesecalendar lags."""

from __future__ import annotations

from datetime import date

import pytest

from fundguard.calendar_admin import service
from fundguard.errors import NotFound


def test_stored_overrides_win_over_the_statutory_calendar(session):
    assert service.calendar(session).is_workday(date(2026, 3, 2))
    service.set_override(session, date(2026, 3, 2), False, "地方性假日（演示）", actor="admin")
    cal = service.calendar(session)
    assert not cal.is_workday(date(2026, 3, 2))
    assert cal.add_working_days(date(2026, 2, 27), 1) == date(2026, 2, 28)  # Saturday make-up day
    assert cal.add_working_days(date(2026, 2, 28), 1) == date(2026, 3, 3)


def test_an_override_can_declare_a_make_up_working_day_and_be_edited_and_removed(session):
    service.set_override(session, date(2026, 3, 7), True, "调休上班")
    assert service.calendar(session).is_workday(date(2026, 3, 7))
    service.set_override(session, date(2026, 3, 7), False, "更正")
    assert [(o.day, o.is_workday) for o in service.list_overrides(session, 2026)] == [
        (date(2026, 3, 7), False)
    ]
    service.remove_override(session, date(2026, 3, 7))
    assert service.list_overrides(session) == []
    with pytest.raises(NotFound):
        service.remove_override(session, date(2026, 3, 7))
