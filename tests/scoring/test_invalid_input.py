"""Bad input gets a clear error (code + 中文 + English) and nothing is written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fundguard.errors import InputError
from fundguard.scoring import service
from fundguard.scoring.models import PersonFile, PointsEntry, Proposal
from fundguard.timeutil import today


def _nothing_written(session):
    session.rollback()
    counts = [
        session.scalar(select(func.count()).select_from(m)) for m in (PointsEntry, Proposal, PersonFile)
    ]
    assert counts == [0, 0, 0]


@pytest.mark.parametrize(
    ("code", "behaviour", "points", "error"),
    [
        ("D110101000001", "V-9", 0, "POINTS_OUT_OF_RANGE"),
        ("D110101000001", "V-9", 13, "POINTS_OUT_OF_RANGE"),
        ("D110101000001", "V-99", 5, "BEHAVIOUR_UNKNOWN"),
        ("D110101000001", "V-9", 9, "POINTS_BAND_MISMATCH"),
        ("D110101000001", "V-1", 3, "POINTS_BAND_MISMATCH"),
        ("D000000000404", "V-9", 5, "PERSON_UNKNOWN"),
    ],
)
def test_bad_proposal_is_refused(session, person, code, behaviour, points, error):
    with pytest.raises(InputError) as exc:
        service.propose(
            session,
            prac_psn_code=code,
            behaviour_code=behaviour,
            points=points,
            admdvs="110101",
            proposed_by="稽核员",
        )
    assert exc.value.code == error
    assert exc.value.message_zh != exc.value.message_en
    _nothing_written(session)


def test_decision_dated_in_the_future_is_refused(session, person):
    proposal = service.propose(
        session, prac_psn_code=person, behaviour_code="V-9", points=5, admdvs="110101", proposed_by="稽核员"
    )
    session.commit()
    with pytest.raises(InputError) as exc:
        service.approve(session, proposal.id, reviewer="审核员", decision_date=today() + timedelta(days=1))
    session.rollback()
    assert exc.value.code == "DATE_IN_FUTURE"
    assert session.scalar(select(func.count()).select_from(PointsEntry)) == 0
    assert session.get(Proposal, proposal.id).status == "proposed"


def test_changing_the_points_needs_a_reason(session, person):
    proposal = service.propose(
        session, prac_psn_code=person, behaviour_code="V-9", points=5, admdvs="110101", proposed_by="稽核员"
    )
    session.commit()
    with pytest.raises(InputError) as exc:
        service.approve(session, proposal.id, reviewer="审核员", decision_date=date(2025, 1, 2), points=6)
    assert exc.value.code == "REQUIRED"
    entry = service.approve(
        session,
        proposal.id,
        reviewer="审核员",
        decision_date=date(2025, 1, 2),
        points=6,
        reason="涉及金额较大",
    )
    assert entry.points == 6


def test_suspension_months_outside_the_range_are_refused(session, person):
    proposal = service.propose(
        session, prac_psn_code=person, behaviour_code="V-4", points=9, admdvs="110101", proposed_by="稽核员"
    )
    with pytest.raises(InputError) as exc:
        service.approve(
            session, proposal.id, reviewer="审核员", decision_date=date(2025, 1, 2), suspend_months=7
        )
    assert exc.value.code == "SUSPEND_MONTHS_OUT_OF_RANGE"
