"""Credit lists (domain.md §2i): insured-person blacklist for 3 years, list state machine, export."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import load_workbook

from fundguard.credit import export
from fundguard.credit import service as credit
from fundguard.errors import Conflict


def _blacklisted(session, start=date(2026, 3, 2)):
    event, entry = credit.record_insured_fraud(
        session,
        "P3204001",
        "张三丰",
        "320402199003071234",
        start,
        "冒名就医，骗取医保基金 3.2 万元",
        "CASE-1",
    )
    credit.approve_listing(session, entry.id)
    return event, entry


def test_insured_fraud_lowers_the_persons_credit_and_proposes_a_three_year_blacklisting(session):
    event, entry = credit.record_insured_fraud(
        session, "P3204001", "张三丰", "320402199003071234", date(2026, 3, 2), "冒名就医", "CASE-1"
    )
    assert credit.explain(session, "INSURED", "P3204001", date(2026, 3, 2)).score == 60
    assert (entry.status, entry.end_on) == ("PROPOSED", date(2029, 3, 2))
    assert not credit.is_blacklisted(session, "INSURED", "P3204001", date(2026, 3, 2))
    credit.approve_listing(session, entry.id)
    assert credit.is_blacklisted(session, "INSURED", "P3204001", date(2026, 3, 2))


def test_blacklist_stays_in_force_until_removed_and_removal_waits_three_years(session):
    _, entry = _blacklisted(session)
    assert credit.is_blacklisted(session, "INSURED", "P3204001", date(2030, 1, 1))
    with pytest.raises(Conflict) as err:
        credit.remove_listing(session, entry.id, date(2029, 3, 1), "信用修复")
    assert "2029-03-02" in err.value.message_zh
    credit.remove_listing(session, entry.id, date(2029, 3, 2), "信用修复完成")
    assert not credit.is_blacklisted(session, "INSURED", "P3204001", date(2029, 3, 2))


LIST_EVENTS = {
    "approve": ({"PROPOSED"}, "APPROVED", lambda s, e: credit.approve_listing(s, e.id)),
    "reject": ({"PROPOSED"}, "REJECTED", lambda s, e: credit.reject_listing(s, e.id)),
    "publish": ({"APPROVED"}, "PUBLISHED", lambda s, e: credit.publish_listing(s, e.id)),
    "remove": (
        {"APPROVED", "PUBLISHED"},
        "REMOVED",
        lambda s, e: credit.remove_listing(s, e.id, date(2031, 1, 1), "期满"),
    ),
}
PATHS = {
    "PROPOSED": [],
    "APPROVED": ["approve"],
    "REJECTED": ["reject"],
    "PUBLISHED": ["approve", "publish"],
    "REMOVED": ["approve", "remove"],
}


@pytest.mark.parametrize("event", sorted(LIST_EVENTS))
def test_each_list_event_moves_only_from_its_allowed_states(session, event):
    allowed, target, call = LIST_EVENTS[event]
    for state, path in PATHS.items():
        entry = credit.propose_listing(
            session, "BLACKLIST", "INSURED", "P1", "王五", "骗保", date(2026, 1, 1)
        )
        for step in path:
            LIST_EVENTS[step][2](session, entry)
        assert entry.status == state
        if state in allowed:
            call(session, entry)
            assert entry.status == target
        else:
            with pytest.raises(Conflict):
                call(session, entry)


def test_joint_punishment_list_exports_to_csv_and_excel(session, tmp_path):
    _blacklisted(session)
    inst = credit.propose_listing(
        session,
        "PUNISHMENT",
        "INSTITUTION",
        "H32040000009",
        "某某民营医院",
        "虚构医疗服务",
        date(2026, 1, 5),
        id_number="91320400MA1XXXXX0",
        years=3,
    )
    credit.approve_listing(session, inst.id)
    credit.publish_listing(session, inst.id)
    credit.propose_listing(
        session, "INCENTIVE", "INSTITUTION", "H1", "守信医院", "连续三年A级", date(2026, 1, 5)
    )
    path = export.export_joint_punishment(session, date(2026, 3, 2), tmp_path / "list.csv")
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == export.HEADER
    assert [r[0] for r in rows[1:]] == ["欺诈骗保黑名单", "失信联合惩戒名单"]
    assert rows[1][4] == "320402199003071234"
    xlsx = export.export_joint_punishment(session, date(2026, 3, 2), tmp_path / "list.xlsx", masked=True)
    ws = load_workbook(xlsx).active
    assert ws["D2"].value == "张**" and ws["E2"].value == "320402********1234"
    assert ws["D3"].value == "某某民营医院"
