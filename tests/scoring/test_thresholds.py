"""Consequences of points (S-2…S-5): every number read from the national profile."""

from __future__ import annotations

from datetime import date

from fundguard.scoring import service

from ._helpers import add_person, decide


def test_person_with_no_entries_is_active_with_zero_points(session):
    status = service.status_on(session, "D999999999999", date(2025, 6, 1))
    assert status.as_contract() == {"status": "active", "year_points": 0, "until": None, "barred_until": None}


def test_eight_points_in_one_year_do_not_suspend(session, person):
    decide(session, person, 4, date(2025, 3, 1))
    decide(session, person, 4, date(2025, 4, 1))
    status = service.status_on(session, person, date(2025, 4, 2))
    assert (status.status, status.year_points) == ("active", 8)


def test_nine_points_in_one_year_suspends(session, person):
    decide(session, person, 5, date(2025, 3, 1))
    decide(session, person, 4, date(2025, 4, 10))
    assert service.status_on(session, person, date(2025, 4, 9)).status == "active"
    status = service.status_on(session, person, date(2025, 4, 10))
    # proposal table: total 9 → 1 month, from the triggering decision's date
    assert status.as_contract() == {
        "status": "suspended",
        "year_points": 9,
        "until": "2025-05-10",
        "barred_until": None,
    }
    assert service.status_on(session, person, date(2025, 5, 9)).status == "suspended"
    assert service.status_on(session, person, date(2025, 5, 10)).status == "active"


def test_proposed_suspension_months_follow_the_year_total(session, person):
    decide(session, person, 6, date(2025, 3, 1))
    decide(session, person, 5, date(2025, 3, 2))  # total 11 → 3 months
    assert service.status_on(session, person, date(2025, 3, 2)).until == date(2025, 6, 2)


def test_decision_maker_may_choose_months_within_range(session, person):
    decide(session, person, 9, date(2025, 3, 31), suspend_months=6)
    assert service.status_on(session, person, date(2025, 4, 1)).until == date(2025, 9, 30)


def test_twelve_points_by_accumulation_terminate_with_one_year_bar(session, person):
    decide(session, person, 6, date(2025, 2, 1))
    decide(session, person, 6, date(2025, 2, 20))
    status = service.status_on(session, person, date(2025, 3, 1))
    assert status.as_contract() == {
        "status": "terminated",
        "year_points": 12,
        "until": None,
        "barred_until": "2026-02-20",
    }


def test_twelve_points_in_one_decision_bar_three_years(session, person):
    decide(session, person, 12, date(2025, 2, 20))
    status = service.status_on(session, person, date(2025, 2, 20))
    assert (status.status, status.barred_until) == ("terminated", date(2028, 2, 20))


def test_termination_outlasts_the_year_reset(session, person):
    decide(session, person, 12, date(2025, 6, 1))
    status = service.status_on(session, person, date(2026, 1, 5))
    assert (status.status, status.year_points) == ("terminated", 0)


def test_points_reset_on_first_of_january_but_history_stays(session, person):
    decide(session, person, 6, date(2024, 11, 1))
    decide(session, person, 6, date(2025, 1, 2))
    assert service.status_on(session, person, date(2024, 12, 31)).year_points == 6
    status = service.status_on(session, person, date(2025, 1, 2))
    assert (status.status, status.year_points) == ("active", 6)
    assert len(service.ledger_entries(session, person)) == 2


def test_suspension_spanning_year_end_runs_its_full_term(session, person):
    decide(session, person, 9, date(2024, 12, 15), suspend_months=3)
    status = service.status_on(session, person, date(2025, 2, 1))
    assert (status.status, status.year_points, status.until) == ("suspended", 0, date(2025, 3, 15))
    assert service.status_on(session, person, date(2025, 3, 15)).status == "active"


def test_no_second_suspension_in_the_same_year_below_twelve(session, person):
    decide(session, person, 9, date(2025, 1, 10))  # suspended 1 month
    decide(session, person, 2, date(2025, 6, 1))  # total 11, suspension over
    assert service.status_on(session, person, date(2025, 6, 1)).status == "active"
    assert len([p for p in service.suspension_periods(session) if p[0] == person]) == 1


def test_reaching_twelve_during_a_suspension_terminates_at_once(session, person):
    decide(session, person, 9, date(2025, 1, 10), suspend_months=6)
    decide(session, person, 3, date(2025, 2, 1))
    status = service.status_on(session, person, date(2025, 2, 1))
    assert (status.status, status.barred_until) == ("terminated", date(2026, 2, 1))
    assert service.suspension_periods(session) == [
        (person, date(2025, 1, 10), date(2025, 2, 1), "suspension"),
        (person, date(2025, 2, 1), None, "termination"),
    ]


def test_points_from_different_regions_add_up_to_one_national_total(session, person):
    decide(session, person, 5, date(2025, 3, 1), admdvs="110101")
    service.append_external_points(
        session,
        [
            {
                "prac_psn_code": person,
                "points": 4,
                "decision_date": date(2025, 5, 1),
                "admdvs": "310101",
                "_line": 2,
            }
        ],
        batch_id="b1",
    )
    session.commit()
    status = service.status_on(session, person, date(2025, 5, 1))
    assert (status.status, status.year_points) == ("suspended", 9)


def test_blocked_persons_lists_suspended_and_terminated_on_a_date(session, person):
    other = add_person(session, "D110101000002", "李医生")
    decide(session, person, 9, date(2025, 3, 1))
    decide(session, other, 12, date(2025, 3, 5))
    blocked = service.blocked_persons(session, date(2025, 3, 10))
    assert [(b.prac_psn_code, b.status, b.until, b.barred_until) for b in blocked] == [
        (person, "suspended", date(2025, 4, 1), None),
        (other, "terminated", None, date(2028, 3, 5)),
    ]
    assert [b.prac_psn_code for b in service.blocked_persons(session, date(2025, 4, 1))] == [other]


def test_decision_issues_notices_for_person_and_institution(session, person):
    decide(session, person, 9, date(2025, 3, 3))
    file = service.person_file(session, person, date(2025, 3, 3))
    kinds = sorted((n["kind"], n["recipient"]) for n in file["notices"])
    assert kinds == [
        ("decision", "institution"),
        ("decision", "person"),
        ("suspension", "institution"),
        ("suspension", "person"),
    ]
    decision_text = next(n["text"] for n in file["notices"] if n == file["notices"][0])
    assert "记9分" in decision_text and "2025年03月17日前" in decision_text


def test_reinstatement_only_after_the_bar_and_points_start_from_zero(session, person):
    import pytest

    from fundguard.errors import Conflict

    decide(session, person, 6, date(2024, 3, 1))
    decide(session, person, 6, date(2024, 3, 2))  # cumulative: barred one year
    with pytest.raises(Conflict) as exc:
        service.reinstate(session, person, on=date(2025, 3, 1), operator="经办人")
    assert exc.value.code == "REREGISTRATION_BARRED"
    service.reinstate(session, person, on=date(2025, 3, 2), operator="经办人", fixmedins_code="H11010100001")
    session.commit()
    assert service.status_on(session, person, date(2025, 3, 2)).as_contract() == {
        "status": "active", "year_points": 0, "until": None, "barred_until": None,
    }  # fmt: skip
    assert service.status_on(session, person, date(2024, 12, 31)).status == "terminated"
