"""Working days (工作日) follow the statutory calendar, including make-up working days (调休)."""

from datetime import date

from fundguard.workdays import Calendar


def test_national_day_holiday_is_skipped():
    # 2025-09-30 (Tue) + 1 working day: 10-01..10-08 are holidays, 10-09 is the next working day.
    assert Calendar().add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)


def test_spring_festival_make_up_saturday_counts_as_a_working_day():
    # 2025-01-26 (Sunday) and 2025-02-08 (Saturday) were make-up working days for the Spring Festival.
    cal = Calendar()
    assert cal.is_workday(date(2025, 2, 8))
    assert not cal.is_workday(date(2025, 1, 29))


def test_five_working_days_from_a_plain_monday():
    assert Calendar().add_working_days(date(2025, 3, 3), 5) == date(2025, 3, 10)


def test_an_admin_override_wins_over_the_package():
    day = date(2025, 3, 5)
    assert Calendar().is_workday(day)
    assert not Calendar({day: False}).is_workday(day)
    assert Calendar({day: False}).add_working_days(date(2025, 3, 4), 1) == date(2025, 3, 6)


def test_working_days_between_counts_the_end_not_the_start():
    cal = Calendar()
    assert cal.working_days_between(date(2025, 3, 3), date(2025, 3, 10)) == 5
    assert cal.working_days_between(date(2025, 3, 10), date(2025, 3, 3)) == -5
