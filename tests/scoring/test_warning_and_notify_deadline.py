"""The warning line (预警：约谈并重点监管) and the 卫健/药监 notification deadline, both profile values."""

from __future__ import annotations

from datetime import date

from fundguard.scoring import service
from fundguard.scoring.models import PointsEntry

from ._helpers import decide


def test_warning_line_from_the_profile(session, person, province):
    decide(session, person, 4, date(2025, 3, 3))
    assert service.warning_list(session, date(2025, 3, 10)) == []
    decide(session, person, 2, date(2025, 3, 4))
    st = service.status_on(session, person, date(2025, 3, 10))
    assert st.status == "active" and service.is_warning(st)
    assert service.warning_list(session, date(2025, 3, 10)) == [{"prac_psn_code": person, "year_points": 6}]
    # A new year starts from zero.
    assert service.warning_list(session, date(2026, 1, 5)) == []
    province({"scoring.warning_threshold": 7})
    assert service.warning_list(session, date(2025, 3, 10)) == []


def test_notification_deadline_counts_working_days_from_the_effective_date(session, person, province):
    decide(session, person, 3, date(2025, 9, 26))
    effective = session.query(PointsEntry).one().effective_date
    rows = service.notification_rows(session, "health", date(2025, 1, 1), date(2025, 12, 31))
    # 10 working days from 2025-09-26 (Fri) across the National Day holiday (10-01 … 10-08, with the
    # make-up working days 09-28 and 10-11) end on 2025-10-16.
    assert effective == date(2025, 9, 26)
    assert rows[0]["notify_by"] == "2025-10-16"
    province({"scoring.notify_health_drug_within_wd": 1})
    rows = service.notification_rows(session, "health", date(2025, 1, 1), date(2025, 12, 31))
    assert rows[0]["notify_by"] == "2025-09-28"
