"""公示期投诉 (domain.md §2b step 6a): a complaint blocks signing until verified."""

from __future__ import annotations

from datetime import date

import pytest

from fundguard.agreements import service
from fundguard.errors import Conflict

from .helpers import drive


def _in_notice(session, start=date(2026, 2, 11)):
    app, _ = drive(session, "FILED")
    service.start_public_notice(session, app.id, start)
    return app


def test_complaint_during_public_notice_blocks_signing(session):
    app = _in_notice(session)
    complaint = service.receive_complaint(session, app.id, "反映该机构挂床住院", date(2026, 2, 13))
    assert app.status == "COMPLAINT_VERIFYING"
    assert complaint.due_on == date(2026, 3, 19)
    with pytest.raises(Conflict):
        service.sign(session, app.id, "H32040000001", date(2026, 3, 1))
    with pytest.raises(Conflict):
        service.start_negotiation(session, app.id, date(2026, 3, 1))


@pytest.mark.parametrize("founded", [True, None])
def test_complaint_found_true_or_unverifiable_means_not_signed(session, founded):
    app = _in_notice(session)
    complaint = service.receive_complaint(session, app.id, "反映该机构挂床住院", date(2026, 2, 13))
    service.resolve_complaint(session, complaint.id, founded, date(2026, 2, 27))
    assert app.status == "NOT_SIGNED"


def test_unfounded_complaint_returns_to_notice_and_extends_the_signing_deadline(session):
    app = _in_notice(session)
    complaint = service.receive_complaint(session, app.id, "反映该机构挂床住院", date(2026, 2, 13))
    # Verification took 14 Feb (Sat, worked), 24, 25 and 26 Feb: 4 working days.
    service.resolve_complaint(session, complaint.id, False, date(2026, 2, 26))
    assert app.status == "PUBLIC_NOTICE"
    service.start_negotiation(session, app.id, date(2026, 2, 27))
    assert app.due_on == date(2026, 3, 13)


def test_a_resolved_complaint_cannot_be_resolved_again(session):
    app = _in_notice(session)
    complaint = service.receive_complaint(session, app.id, "反映问题", date(2026, 2, 12))
    service.resolve_complaint(session, complaint.id, False, date(2026, 2, 13))
    with pytest.raises(Conflict):
        service.resolve_complaint(session, complaint.id, True, date(2026, 2, 24))


def test_complaint_after_the_notice_ended_is_not_a_notice_complaint(session):
    app = _in_notice(session)
    with pytest.raises(Conflict):
        service.receive_complaint(session, app.id, "反映问题", date(2026, 2, 25))
