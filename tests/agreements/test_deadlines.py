"""Working-day deadlines of the admission workflow, across National Day 2025 and Spring Festival 2026.

National Day 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked.
Spring Festival 2026: 15–23 February off, Saturday 14 and Saturday 28 February worked.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from fundguard.agreements import service
from fundguard.calendar_admin import service as calendar_admin
from fundguard.errors import Conflict
from fundguard.timeutil import TZ

from .helpers import drive, new_application


def test_missing_materials_notice_due_five_working_days_after_submission_across_national_day(session):
    app = new_application(session, date(2025, 9, 29))
    assert app.status == "SUBMITTED"
    assert app.due_on == date(2025, 10, 13)
    assert not service.is_overdue(app, date(2025, 10, 13))
    assert service.is_overdue(app, date(2025, 10, 14))


def test_missing_materials_notice_deadline_follows_an_admin_calendar_override(session):
    calendar_admin.set_override(session, date(2025, 10, 13), False, "演示：地方调休")
    app = new_application(session, date(2025, 9, 29))
    assert app.due_on == date(2025, 10, 14)


def test_resubmitted_materials_restart_the_five_working_day_clock(session):
    app = new_application(session, date(2026, 2, 10))
    service.request_materials(session, app.id, ["营业执照副本"], date(2026, 2, 11))
    assert app.due_on is None
    service.resubmit(session, app.id, ["营业执照副本"], date(2026, 2, 13))
    # 14 Feb (Sat, worked), 24, 25, 26, 27 Feb.
    assert app.due_on == date(2026, 2, 27)


def test_initial_evaluation_due_twenty_working_days_after_acceptance_across_spring_festival(session):
    app = new_application(session, date(2026, 2, 6))
    service.accept(session, app.id, date(2026, 2, 9))
    assert app.due_on == date(2026, 3, 13)
    service.start_initial_evaluation(session, app.id, date(2026, 2, 10))
    assert app.due_on == date(2026, 3, 13)
    assert service.is_overdue(app, date(2026, 3, 16))


def test_network_test_due_twenty_working_days_after_test_application_across_national_day(session):
    app, _ = drive(session, "SETUP")
    service.request_network_test(session, app.id, date(2025, 9, 26))
    assert app.due_on == date(2025, 10, 30)


def test_retest_allowed_only_ten_working_days_after_first_failure_across_spring_festival(session):
    app, _ = drive(session, "SETUP")
    service.request_network_test(session, app.id, date(2026, 2, 2))
    service.start_network_test(session, app.id, date(2026, 2, 5))
    service.record_network_test(session, app.id, False, date(2026, 2, 12), reasons="读卡失败")
    assert app.status == "TEST_FAILED_1"
    assert app.retest_allowed_on == date(2026, 3, 4)
    with pytest.raises(Conflict) as err:
        service.request_network_test(session, app.id, date(2026, 3, 3))
    assert "2026-03-04" in err.value.message_zh
    service.request_network_test(session, app.id, date(2026, 3, 4))
    assert app.status == "NETWORK_TEST_REQUESTED"


def test_failed_evaluation_needs_reasons(session):
    from fundguard.errors import InputError

    app, on = drive(session, "INITIAL_EVAL")
    with pytest.raises(InputError):
        service.record_initial_result(session, app.id, False, on, reasons=" ")


def test_initial_evaluation_failure_locks_reapplication_for_one_month(session):
    app, _ = drive(session, "INITIAL_EVAL")
    service.record_initial_result(session, app.id, False, date(2026, 1, 31), reasons="不符合评估细则")
    assert app.reapply_allowed_on == date(2026, 2, 28)
    with pytest.raises(Conflict) as err:
        new_application(session, date(2026, 2, 27), uscc=app.uscc)
    assert "2026-02-28" in err.value.message_zh
    again = new_application(session, date(2026, 2, 28), uscc=app.uscc)
    assert again.status == "SUBMITTED"


def test_second_network_test_failure_fails_the_application_and_locks_reapplication_for_one_month(session):
    app, _ = drive(session, "NETWORK_TEST_2")
    service.record_network_test(session, app.id, False, date(2026, 10, 9), reasons="结算测试不通过")
    assert app.status == "EVAL_FAILED"
    assert app.reapply_allowed_on == date(2026, 11, 9)
    with pytest.raises(Conflict):
        new_application(session, date(2026, 11, 8), uscc=app.uscc)
    assert new_application(session, date(2026, 11, 9), uscc=app.uscc).status == "SUBMITTED"


def test_an_institution_with_an_open_application_cannot_apply_twice(session):
    app = new_application(session, date(2026, 3, 2))
    with pytest.raises(Conflict):
        new_application(session, date(2026, 3, 3), uscc=app.uscc)


def test_public_notice_covers_five_working_days_across_national_day(session):
    app, _ = drive(session, "FILED")
    service.start_public_notice(session, app.id, date(2025, 9, 29))
    assert app.notice_end_on == date(2025, 10, 11)


def test_negotiation_refused_until_the_public_notice_has_ended(session):
    app, _ = drive(session, "FILED")
    service.start_public_notice(session, app.id, date(2025, 9, 29))
    with pytest.raises(Conflict) as err:
        service.start_negotiation(session, app.id, date(2025, 10, 11))
    assert "公示期" in err.value.message_zh
    service.start_negotiation(session, app.id, date(2025, 10, 12))
    assert app.status == "NEGOTIATING"


def test_signing_due_ten_working_days_after_the_notice_ends_across_spring_festival(session):
    app, _ = drive(session, "FILED")
    service.start_public_notice(session, app.id, date(2026, 2, 11))
    assert app.notice_end_on == date(2026, 2, 24)
    service.start_negotiation(session, app.id, date(2026, 2, 25))
    assert app.due_on == date(2026, 3, 9)
    assert service.is_overdue(app, date(2026, 3, 10))


def test_publication_due_ten_working_days_after_signing_across_national_day(session):
    app, _ = drive(session, "NEGOTIATING")
    service.sign(session, app.id, "H32040000001", date(2025, 9, 30))
    assert app.status == "SIGNED"
    assert app.due_on == date(2025, 10, 21)
    service.publish(session, app.id, date(2025, 10, 21))
    assert app.status == "PUBLISHED"
    assert app.due_on is None


def test_overdue_lists_applications_whose_open_step_passed_its_deadline(session):
    late = new_application(session, date(2025, 9, 29))
    on_time = new_application(session, date(2025, 10, 10))
    overdue = service.overdue(session, date(2025, 10, 14))
    assert late in overdue and on_time not in overdue


def test_each_step_keeps_its_own_deadline_in_the_history(session):
    app = new_application(session, date(2026, 2, 6))
    service.accept(session, app.id, date(2026, 2, 9))
    history = service.steps(session, app.id)
    assert [(s.status, s.due_on, s.left_on) for s in history] == [
        ("SUBMITTED", date(2026, 2, 13), date(2026, 2, 9)),
        ("ACCEPTED", date(2026, 3, 13), None),
    ]


def test_publishing_a_new_institution_creates_its_public_announcement(session):
    from fundguard.disclosure import service as disclosure

    app, _ = drive(session, "NEGOTIATING")
    service.sign(session, app.id, "H32040000001", date(2026, 3, 2))
    service.publish(session, app.id, date(2026, 3, 5))
    (pub,) = disclosure.visible(session, datetime(2026, 3, 5, 12, 0, tzinfo=TZ), "NEW_INSTITUTIONS")
    assert "H32040000001" in pub.content and app.applicant_name in pub.title
