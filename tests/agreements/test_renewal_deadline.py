"""协议续签期限 (seed 002: "服务协议期满时仍处暂停期的医药机构顺延至暂停期满前"): the renewal
application is due by the last day of the term; a 中止 (PAUSED) or 暂停 (SUSPENDED) period that covers
that day moves the deadline to the end of the period. Months are calendar months counted to the
same day (domain.md §1), so month ends clamp and holidays do not move these dates."""

from __future__ import annotations

from datetime import date

import pytest

from fundguard.agreements import service
from fundguard.errors import Conflict, InputError

# Term 2024-03-01 .. 2026-02-28 (grade B: 2 years).
START = date(2024, 3, 1)
END = date(2026, 2, 28)


def _agreement(session, code="H32040000009"):
    agr = service.create_agreement(session, code, START, "B")
    assert agr.end_on == END
    return agr


def test_without_interruption_the_deadline_is_the_last_day_of_the_term(session):
    agr = _agreement(session)
    assert service.renewal_deadline(session, agr) == END
    assert service.renewal_due_on(session, agr) == date(2025, 11, 28)  # 3 months before (profile)
    assert not service.renewal_overdue(session, agr, date(2025, 11, 28))
    assert service.renewal_overdue(session, agr, date(2025, 11, 29))


def test_a_pause_covering_the_end_of_the_term_moves_the_deadline_to_the_end_of_the_pause(session):
    agr = _agreement(session)
    service.pause(session, agr.id, date(2026, 1, 31), "院区改造，申请中止")
    assert agr.pause_deadline == date(2026, 7, 31)
    assert service.renewal_deadline(session, agr) == date(2026, 7, 31)
    assert service.renewal_due_on(session, agr) == date(2026, 4, 30)  # 31 Jul − 3 months
    # Still paused at the end of the term: not expired; resumed later, it may still apply.
    assert service.run_due_transitions(session, date(2026, 3, 1)) == []
    service.request_resume(session, agr.id, date(2026, 4, 1))
    service.conclude_re_evaluation(session, agr.id, True, date(2026, 4, 15))
    assert agr.status == "ACTIVE" and agr.pause_deadline is None
    # The period is kept after resumption, so the moved deadline survives it.
    assert service.renewal_deadline(session, agr) == date(2026, 7, 31)
    assert service.run_due_transitions(session, date(2026, 7, 31)) == []
    service.apply_renewal(session, agr.id, date(2026, 7, 31))
    assert agr.status == "RENEWAL_NEGOTIATION"
    service.conclude_renewal(session, agr.id, True, date(2026, 8, 20), "B")
    # The new term follows the old one without a gap.
    assert (agr.start_on, agr.end_on) == (date(2026, 3, 1), date(2028, 2, 29))


def test_a_resumed_agreement_not_applying_by_the_moved_deadline_exits_the_day_after(session):
    agr = _agreement(session)
    service.pause(session, agr.id, date(2026, 1, 31), "停业装修")
    service.request_resume(session, agr.id, date(2026, 4, 1))
    service.conclude_re_evaluation(session, agr.id, True, date(2026, 4, 15))
    with pytest.raises(Conflict) as err:
        service.apply_renewal(session, agr.id, date(2026, 8, 1))
    assert "2026-07-31" in err.value.message_zh
    assert service.run_due_transitions(session, date(2026, 8, 1)) == [(agr.id, "ACTIVE", "EXPIRED_EXIT")]


def test_a_pause_that_ended_before_the_end_of_the_term_moves_nothing(session):
    agr = _agreement(session)
    service.pause(session, agr.id, date(2025, 6, 2), "停业装修")
    service.request_resume(session, agr.id, date(2025, 8, 1))
    service.conclude_re_evaluation(session, agr.id, True, date(2025, 8, 20))
    assert service.renewal_deadline(session, agr) == END
    with pytest.raises(Conflict):
        service.apply_renewal(session, agr.id, date(2026, 3, 1))
    assert service.run_due_transitions(session, date(2026, 3, 1)) == [(agr.id, "ACTIVE", "EXPIRED_EXIT")]


def test_resumption_on_the_last_day_of_the_term_moves_nothing(session):
    agr = _agreement(session)
    service.pause(session, agr.id, date(2025, 12, 1), "停业装修")
    service.request_resume(session, agr.id, date(2026, 2, 2))
    service.conclude_re_evaluation(session, agr.id, True, END)
    assert service.interruption_on(session, agr.id, END) is None
    assert service.renewal_deadline(session, agr) == END


def test_month_ends_clamp_and_a_deadline_in_the_spring_festival_is_not_moved(session):
    """Paused 31 Aug 2025: the pause may last to 28 Feb 2026 (no 31 Feb); a term ending in the
    pause gets that deadline. Paused 17 Aug 2025: deadline 17 Feb 2026, 春节 (a statutory holiday)
    — month periods are calendar periods, not moved to the next working day (decision 0016)."""
    agr = service.create_agreement(session, "H1", date(2023, 12, 31), "B")  # ends 2025-12-30
    service.pause(session, agr.id, date(2025, 8, 31), "停业装修")
    assert service.renewal_deadline(session, agr) == date(2026, 2, 28)
    assert service.renewal_due_on(session, agr) == date(2025, 11, 28)
    festival = service.create_agreement(session, "H2", date(2023, 12, 31), "B")
    service.pause(session, festival.id, date(2025, 8, 17), "停业装修")
    from fundguard.calendar_admin.service import calendar

    assert not calendar(session).is_workday(date(2026, 2, 17))
    assert service.renewal_deadline(session, festival) == date(2026, 2, 17)


def test_a_suspension_with_an_end_date_moves_the_deadline_to_that_date(session):
    agr = _agreement(session)
    service.suspend(session, agr.id, date(2026, 1, 5), "拒不配合检查", until=date(2026, 7, 4))
    assert service.renewal_deadline(session, agr) == date(2026, 7, 4)
    service.request_resume(session, agr.id, date(2026, 7, 1))
    service.conclude_re_evaluation(session, agr.id, True, date(2026, 7, 20))
    # Service resumed after the scheduled end: the institution may still apply that day.
    assert service.renewal_deadline(session, agr) == date(2026, 7, 20)
    service.apply_renewal(session, agr.id, date(2026, 7, 20))
    assert agr.status == "RENEWAL_NEGOTIATION"


def test_an_open_ended_suspension_leaves_the_deadline_open_until_it_ends(session):
    agr = _agreement(session)
    service.suspend(session, agr.id, date(2026, 1, 5), "拒不配合检查")
    assert service.renewal_deadline(session, agr) is None
    assert service.renewal_due_on(session, agr) is None
    assert service.run_due_transitions(session, date(2026, 6, 1)) == []
    service.request_resume(session, agr.id, date(2026, 5, 1))
    service.conclude_re_evaluation(session, agr.id, True, date(2026, 5, 20))
    assert service.renewal_deadline(session, agr) == date(2026, 5, 20)


def test_a_failed_re_evaluation_after_an_information_change_starts_a_suspension(session):
    agr = _agreement(session)
    service.request_change(
        session, agr.fixmedins_code, "address", "新北区太湖路1号", date(2026, 2, 1), date(2026, 2, 2)
    )
    service.conclude_re_evaluation(session, agr.id, False, date(2026, 2, 20), "新址面积不达标")
    assert agr.status == "SUSPENDED"
    (period,) = service.interruptions(session, agr.id)
    assert (period.kind, period.start_on, period.ended_on) == ("SUSPENSION", date(2026, 2, 20), None)
    assert service.renewal_deadline(session, agr) is None


def test_the_period_ends_with_the_agreement(session):
    agr = _agreement(session)
    service.suspend(session, agr.id, date(2025, 6, 2), "拒不配合检查", until=date(2025, 12, 1))
    service.rescind(session, agr.id, date(2025, 7, 1), "虚构医疗服务")
    (period,) = service.interruptions(session, agr.id)
    assert period.ended_on == date(2025, 7, 1) and "解除" in period.end_reason


@pytest.mark.parametrize(
    "call",
    [
        lambda s, a: service.pause(s, a.id, date(2025, 6, 2), " "),
        lambda s, a: service.suspend(s, a.id, date(2025, 6, 2), ""),
        lambda s, a: service.rescind(s, a.id, date(2025, 6, 2), ""),
        lambda s, a: service.terminate(s, a.id, date(2025, 6, 2), ""),
    ],
)
def test_pause_suspension_rescission_and_termination_need_a_reason(session, call):
    agr = _agreement(session)
    with pytest.raises(InputError) as err:
        call(session, agr)
    assert "须说明原因" in err.value.message_zh
    assert agr.status == "ACTIVE"


def test_a_suspension_cannot_end_before_it_starts(session):
    agr = _agreement(session)
    with pytest.raises(InputError):
        service.suspend(session, agr.id, date(2025, 6, 2), "拒不配合检查", until=date(2025, 6, 1))
