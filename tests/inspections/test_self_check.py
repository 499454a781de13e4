"""自查自纠 (domain.md §2e.3, §4.3): quarterly tasks due 15 days after the quarter, problems and
refunds, and the platform's findings the institution did not report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fundguard.errors import Conflict, InputError
from fundguard.inspections import self_check


@pytest.mark.parametrize(
    ("period", "due"),
    [("2025Q4", date(2026, 1, 15)), ("2026Q1", date(2026, 4, 15)), ("2026Q3", date(2026, 10, 15))],
)
def test_self_check_report_due_fifteen_days_after_quarter_end(session, period, due):
    (task,) = self_check.create_tasks(session, period, ["H1"])
    assert task.due_on == due
    assert not self_check.is_overdue(task, due)
    assert self_check.is_overdue(task, date.fromordinal(due.toordinal() + 1))


def test_tasks_are_created_once_per_institution_and_quarter(session):
    assert len(self_check.create_tasks(session, "2026Q1", ["H1", "H2"])) == 2
    assert len(self_check.create_tasks(session, "2026Q1", ["H1", "H2", "H3"])) == 1
    with pytest.raises(InputError):
        self_check.create_tasks(session, "2026-1", ["H1"])


def test_submitted_report_keeps_problems_and_refunds_and_is_no_longer_overdue(session):
    (task,) = self_check.create_tasks(session, "2026Q1", ["H1"])
    problems = [
        {
            "category": "DUPLICATE",
            "description": "重复收取注射费",
            "amount": "1200.00",
            "refund_amount": "1200.00",
            "owner": "医保办 钱七",
            "deadline": date(2026, 5, 15),
        },
        {
            "category": "PRICE",
            "description": "超标准收取床位费",
            "amount": "300.50",
            "refund_amount": "300.50",
            "finding_refs": ["F-9"],
        },
    ]
    self_check.submit_report(session, task.id, "全院各科室", "系统筛查+病历抽查", problems, date(2026, 4, 10))
    assert task.status == "SUBMITTED" and not self_check.is_overdue(task, date(2026, 5, 1))
    assert self_check.refund_total(session, task.id) == Decimal("1500.50")
    with pytest.raises(Conflict):
        self_check.submit_report(session, task.id, "", "", [], date(2026, 4, 11))


def test_platform_findings_the_institution_did_not_report_are_returned(session):
    (task,) = self_check.create_tasks(session, "2026Q1", ["H1"])
    self_check.submit_report(
        session,
        task.id,
        "全院",
        "自查",
        [{"category": "DUPLICATE", "description": "重复收费", "finding_refs": ["F-3"]}],
        date(2026, 4, 10),
    )
    findings = [
        {"finding_id": "F-1", "category": "DUPLICATE", "amount": "80.00"},
        {"finding_id": "F-2", "category": "SPLIT_ADMISSION", "amount": "5000.00"},
        {"finding_id": "F-3", "category": "PRICE", "amount": "20.00"},
    ]
    assert [f["finding_id"] for f in self_check.unreported_findings(session, task.id, findings)] == ["F-2"]


def test_overdue_self_check_is_flagged_once_and_lowers_credit(session):
    from fundguard.credit import service as credit
    from fundguard.inspections import service

    (task,) = self_check.create_tasks(session, "2026Q1", ["H1"])
    assert service.flag_overdue_self_checks(session, date(2026, 4, 15)) == []
    assert service.flag_overdue_self_checks(session, date(2026, 4, 16)) == [task]
    assert service.flag_overdue_self_checks(session, date(2026, 4, 17)) == []
    (line,) = credit.explain(session, "INSTITUTION", "H1", date(2026, 4, 16)).lines
    assert (line.event_type, line.points) == ("SELF_CHECK_OVERDUE", -3)
    self_check.submit_report(session, task.id, "全院", "自查", [], date(2026, 4, 20))
    assert task.status == "SUBMITTED"
