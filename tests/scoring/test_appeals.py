"""Appeals (申诉): window of appeal_window_wd working days, holiday-aware; outcomes are ledger entries."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from fundguard.errors import Conflict, InputError
from fundguard.scoring import service
from fundguard.scoring.models import Appeal, PointsEntry

from ._helpers import decide


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_appeal_deadline_skips_national_day_holiday(session, person):
    # notified Mon 2025-09-29; 1–8 Oct are holidays, Sat 11 Oct is a make-up working day
    entry = decide(session, person, 4, date(2025, 9, 29))
    assert service.appeal_deadline(session, entry.seq) == date(2025, 10, 20)
    appeal = service.file_appeal(
        session, entry.seq, filed_on=date(2025, 10, 20), reason="事实不清", operator="本人"
    )
    session.commit()
    assert appeal.status == "pending"


def test_appeal_after_the_deadline_is_refused_and_nothing_written(session, person):
    entry = decide(session, person, 4, date(2025, 9, 29))
    before = _count(session, PointsEntry)
    with pytest.raises(InputError) as exc:
        service.file_appeal(
            session, entry.seq, filed_on=date(2025, 10, 21), reason="事实不清", operator="本人"
        )
    session.rollback()
    assert exc.value.code == "APPEAL_LATE" and "2025-10-20" in exc.value.message_zh
    assert (_count(session, PointsEntry), _count(session, Appeal)) == (before, 0)


def test_points_under_appeal_do_not_count(session, person):
    entry = decide(session, person, 9, date(2025, 3, 3))
    service.file_appeal(session, entry.seq, filed_on=date(2025, 3, 5), reason="非本人开具", operator="本人")
    session.commit()
    status = service.status_on(session, person, date(2025, 3, 10))
    assert (status.status, status.year_points) == ("active", 0)


def test_upheld_appeal_counts_the_points_from_the_decision_on_the_appeal(session, person):
    entry = decide(session, person, 9, date(2025, 3, 3))
    appeal = service.file_appeal(
        session, entry.seq, filed_on=date(2025, 3, 5), reason="不服", operator="本人"
    )
    service.decide_appeal(
        session,
        appeal.id,
        outcome="upheld",
        decided_on=date(2025, 3, 20),
        reviewer="复核员",
        reason="事实清楚",
    )
    session.commit()
    status = service.status_on(session, person, date(2025, 3, 20))
    assert (status.status, status.year_points, status.until) == ("suspended", 9, date(2025, 4, 20))


def test_reduced_appeal_counts_the_reduced_points(session, person):
    entry = decide(session, person, 9, date(2025, 3, 3))
    appeal = service.file_appeal(
        session, entry.seq, filed_on=date(2025, 3, 4), reason="情节较轻", operator="本人"
    )
    service.decide_appeal(
        session,
        appeal.id,
        outcome="reduced",
        points=7,
        decided_on=date(2025, 3, 10),
        reviewer="复核员",
        reason="主动退回",
    )
    session.commit()
    status = service.status_on(session, person, date(2025, 3, 10))
    assert (status.status, status.year_points) == ("active", 7)
    kinds = session.execute(select(PointsEntry.kind, PointsEntry.points).order_by(PointsEntry.seq)).all()
    assert [tuple(k) for k in kinds] == [("decision", 9), ("appeal_filed", 0), ("appeal_outcome", -2)]


def test_revoked_appeal_removes_the_points(session, person):
    entry = decide(session, person, 12, date(2025, 3, 3))
    appeal = service.file_appeal(
        session, entry.seq, filed_on=date(2025, 3, 4), reason="认定错误", operator="本人"
    )
    service.decide_appeal(
        session,
        appeal.id,
        outcome="revoked",
        decided_on=date(2025, 3, 10),
        reviewer="复核员",
        reason="证据不足",
    )
    session.commit()
    assert service.status_on(session, person, date(2025, 3, 11)).as_contract() == {
        "status": "active",
        "year_points": 0,
        "until": None,
        "barred_until": None,
    }
    assert service.blocked_persons(session, date(2025, 3, 3)) == []


def test_an_appeal_is_decided_only_once(session, person):
    entry = decide(session, person, 4, date(2025, 3, 3))
    appeal = service.file_appeal(
        session, entry.seq, filed_on=date(2025, 3, 4), reason="不服", operator="本人"
    )
    service.decide_appeal(
        session, appeal.id, outcome="upheld", decided_on=date(2025, 3, 5), reviewer="复核员", reason="维持"
    )
    session.commit()
    with pytest.raises(Conflict):
        service.decide_appeal(
            session,
            appeal.id,
            outcome="revoked",
            decided_on=date(2025, 3, 6),
            reviewer="复核员",
            reason="改判",
        )


def test_an_administrator_declared_holiday_extends_the_appeal_deadline(session, person):
    calendar_admin = pytest.importorskip("fundguard.calendar_admin.service")
    entry = decide(session, person, 4, date(2025, 9, 29))
    calendar_admin.set_override(session, date(2025, 10, 20), False, reason="地方调休（测试）", actor="管理员")
    session.commit()
    assert service.appeal_deadline(session, entry.seq) == date(2025, 10, 21)
