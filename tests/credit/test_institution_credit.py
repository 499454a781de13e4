"""Institution credit (domain.md §2i, §4.6): score from events, grade thresholds, explanation."""

from __future__ import annotations

from datetime import date

import pytest

from fundguard.credit import service as credit
from fundguard.errors import Conflict, InputError

CODE = "H32040000001"


def test_a_new_institution_starts_at_one_hundred_points_grade_a(session):
    result = credit.explain(session, "INSTITUTION", CODE, date(2026, 3, 2))
    assert (result.start_score, result.score, result.grade, result.lines) == (100, 100, "A", [])


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A"), (90, "A"), (89, "B"), (75, "B"), (74, "C"), (60, "C"), (59, "D"), (-5, "D")],
)
def test_grade_thresholds_a_90_b_75_c_60_d_below(score, grade):
    assert credit.grade_for(score) == grade


def test_score_is_explained_event_by_event_with_the_running_total(session):
    credit.add_event(session, "INSTITUTION", CODE, "MEASURE_INTERVIEW", date(2026, 1, 5), "约谈：住院率异常")
    credit.add_event(
        session, "INSTITUTION", CODE, "PENALTY", date(2026, 2, 10), "行政处罚：分解住院，罚款10万元"
    )
    credit.add_event(
        session, "INSTITUTION", CODE, "AWARD", date(2026, 3, 1), "医保政策宣传表现突出", points=3
    )
    result = credit.explain(session, "INSTITUTION", CODE, date(2026, 3, 2))
    assert [(ln.points, ln.score_after) for ln in result.lines] == [(-2, 98), (-15, 83), (3, 86)]
    assert (result.score, result.grade) == (86, "B")
    assert result.as_rows()[1]["explanation"] == "行政处罚：分解住院，罚款10万元"


def test_events_after_the_date_revoked_or_expired_do_not_count(session):
    later = credit.add_event(session, "INSTITUTION", CODE, "FRAUD", date(2026, 6, 1), "虚假住院")
    revoked = credit.add_event(session, "INSTITUTION", CODE, "PENALTY", date(2026, 1, 5), "处罚")
    credit.add_event(
        session,
        "INSTITUTION",
        CODE,
        "MEASURE_RECTIFY",
        date(2025, 1, 5),
        "限期整改",
        expires_on=date(2026, 1, 5),
    )
    credit.revoke_event(session, revoked.id, "复议撤销")
    assert credit.explain(session, "INSTITUTION", CODE, date(2026, 3, 2)).score == 100
    assert credit.explain(session, "INSTITUTION", CODE, date(2026, 6, 1)).score == 60
    assert later.points == -40
    with pytest.raises(Conflict):
        credit.revoke_event(session, revoked.id, "重复撤销")


def test_an_event_needs_an_explanation_and_known_points(session):
    with pytest.raises(InputError):
        credit.add_event(session, "INSTITUTION", CODE, "PENALTY", date(2026, 1, 5), "  ")
    with pytest.raises(InputError):
        credit.add_event(session, "INSTITUTION", CODE, "SOMETHING_NEW", date(2026, 1, 5), "说明")
    with pytest.raises(InputError):
        credit.add_event(session, "HOSPITAL", CODE, "PENALTY", date(2026, 1, 5), "说明")


def test_evaluation_stores_score_grade_method_and_explanation(session):
    credit.add_event(session, "INSTITUTION", CODE, "FRAUD", date(2025, 6, 1), "伪造病历")
    row = credit.evaluate(session, "INSTITUTION", CODE, "2025", date(2025, 12, 31))
    assert (row.score, row.grade, row.method_version) == (60, "C", credit.METHOD_VERSION)
    assert row.explanation[0]["explanation"] == "伪造病历"


def test_lower_grades_are_inspected_more_often():
    assert [credit.inspection_multiplier(g) for g in "ABCD"] == [0.5, 1.0, 2.0, 3.0]
    assert credit.supervision_frequency("D", 2) == 6
    with pytest.raises(InputError):
        credit.inspection_multiplier("E")
