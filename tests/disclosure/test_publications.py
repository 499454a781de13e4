"""信息公开 (domain.md §2k): desensitisation, approval, publication, withdrawal, summary report."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from fundguard.disclosure import report
from fundguard.disclosure import service as disclosure
from fundguard.disclosure.masking import mask_id_number, mask_name, mask_text
from fundguard.errors import Conflict, InputError
from fundguard.timeutil import TZ


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("张三丰", "张**"), ("欧阳娜娜", "欧***"), ("李", "李")]
)
def test_names_keep_only_the_first_character(name, masked):
    assert mask_name(name) == masked


def test_id_numbers_keep_the_first_six_and_last_four():
    assert mask_id_number("32040219900307123X") == "320402********123X"
    assert mask_id_number("320402900307123") == "320402*****7123"


def test_free_text_is_desensitised():
    text = "参保人张三丰（身份证号320402199003071234）冒用他人医保卡，订单号12345678901234567890不变"
    out = mask_text(text, ["张三丰"])
    assert out == "参保人张**（身份证号320402********1234）冒用他人医保卡，订单号12345678901234567890不变"


def _case(session):
    return disclosure.create(
        session,
        "TYPICAL_CASE",
        "张三丰冒名就医案",
        "张三丰（320402199003071234）冒名就医，追回医保基金3.2万元。",
        personal_names=["张三丰"],
    )


def test_approval_masks_personal_data_and_publication_is_visible_from_publish_at(session):
    pub = _case(session)
    disclosure.approve(session, pub.id, actor="legal_reviewer")
    assert pub.title == "张**冒名就医案" and "320402********1234" in pub.content
    disclosure.publish(session, pub.id, datetime(2026, 3, 2, 9, 0, tzinfo=TZ))
    assert disclosure.visible(session, datetime(2026, 3, 2, 8, 59, tzinfo=TZ)) == []
    assert disclosure.visible(session, datetime(2026, 3, 2, 9, 0, tzinfo=TZ)) == [pub]


PATHS = {
    "DRAFT": [],
    "APPROVED": ["approve"],
    "PUBLISHED": ["approve", "publish"],
    "WITHDRAWN": ["approve", "publish", "withdraw"],
}


def _do(session, pub, event):
    at = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    return {
        "approve": lambda: disclosure.approve(session, pub.id),
        "publish": lambda: disclosure.publish(session, pub.id, at),
        "withdraw": lambda: disclosure.withdraw(session, pub.id, at, "当事人复议撤销处罚"),
    }[event]()


@pytest.mark.parametrize("event", ["approve", "publish", "withdraw"])
def test_each_publication_event_moves_only_from_its_allowed_state(session, event):
    allowed, target = disclosure.TRANSITIONS[event]
    for state, path in PATHS.items():
        pub = _case(session)
        for step in path:
            _do(session, pub, step)
        if state in allowed:
            assert _do(session, pub, event).status == target
        else:
            with pytest.raises(Conflict):
                _do(session, pub, event)


def test_withdrawal_needs_a_reason_and_hides_the_publication(session):
    pub = _case(session)
    disclosure.approve(session, pub.id)
    disclosure.publish(session, pub.id, datetime(2026, 3, 2, 9, 0, tzinfo=TZ))
    with pytest.raises(InputError):
        disclosure.withdraw(session, pub.id, datetime(2026, 3, 3, tzinfo=TZ), " ")
    disclosure.withdraw(session, pub.id, datetime(2026, 3, 3, tzinfo=TZ), "信息有误")
    assert disclosure.visible(session, datetime(2026, 3, 4, tzinfo=TZ)) == []


def test_periodic_summary_report_counts_publications_by_type(session, tmp_path):
    for day in (2, 20):
        pub = _case(session)
        disclosure.approve(session, pub.id)
        disclosure.publish(session, pub.id, datetime(2026, 3, day, 9, 0, tzinfo=TZ))
    path = report.summary_report(session, date(2026, 3, 1), date(2026, 3, 15), tmp_path / "summary.xlsx")
    wb = load_workbook(path)
    counts = {row[0]: row[1] for row in wb["汇总"].iter_rows(min_row=3, values_only=True)}
    assert counts["典型案例曝光"] == 1 and counts["新增定点医药机构"] == 0
    assert wb["明细"]["C2"].value == "张**冒名就医案"
