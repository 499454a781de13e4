"""Contract import of points decided elsewhere: append_external_points."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from fundguard.scoring import service
from fundguard.scoring.models import PersonFile, PointsEntry
from fundguard.timeutil import today


def _row(line, **over):
    row = {
        "prac_psn_code": "D440101000009",
        "points": 4,
        "decision_date": date(2025, 4, 1),
        "admdvs": "440101",
        "behaviour_code": "V-9",
        "reason": "重复收费",
        "case_ref": "GZ-2025-1",
        "_line": line,
    }
    row.update(over)
    return row


def _count(session):
    return session.scalar(select(func.count()).select_from(PointsEntry))


def test_person_unknown_to_master_data_gets_a_file_named_unknown(session):
    assert service.append_external_points(session, [_row(2)], "b1") == []
    session.commit()
    file = session.get(PersonFile, "D440101000009")
    assert (file.name, file.origin) == ("未知", "external")
    assert service.status_on(session, "D440101000009", date(2025, 4, 1)).year_points == 4


def test_reimporting_the_same_row_adds_nothing(session):
    service.append_external_points(session, [_row(2)], "b1")
    service.append_external_points(session, [_row(2), _row(3)], "b2")
    session.commit()
    assert _count(session) == 1


def test_same_person_and_date_with_another_case_is_a_second_entry(session):
    service.append_external_points(session, [_row(2), _row(3, case_ref="GZ-2025-2")], "b1")
    session.commit()
    assert _count(session) == 2


def test_invalid_rows_are_rejected_with_line_column_and_reason(session):
    rows = [
        _row(2, points=0),
        _row(3, points=13),
        _row(4, behaviour_code="V-99"),
        _row(5, decision_date=today() + timedelta(days=1)),
        _row(6, points="abc"),
        _row(7),
    ]
    rejections = service.append_external_points(session, rows, "b1")
    session.commit()
    assert [(r[0], r[1], r[2]) for r in rejections] == [
        (2, "points", "POINTS_OUT_OF_RANGE"),
        (3, "points", "POINTS_OUT_OF_RANGE"),
        (4, "behaviour_code", "BEHAVIOUR_UNKNOWN"),
        (5, "decision_date", "DATE_IN_FUTURE"),
        (6, "points", "POINTS_NOT_INTEGER"),
    ]
    assert all(r[3] and r[4] and r[3] != r[4] for r in rejections)  # Chinese and English reasons
    assert _count(session) == 1


def test_imported_twelve_terminates_everywhere(session):
    service.append_external_points(session, [_row(2, points=12, behaviour_code="V-1")], "b1")
    session.commit()
    blocked = service.blocked_persons(session, date(2025, 5, 1))
    assert [(b.prac_psn_code, b.status, b.barred_until) for b in blocked] == [
        ("D440101000009", "terminated", date(2028, 4, 1)),
    ]
