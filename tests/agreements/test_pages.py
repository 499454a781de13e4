"""协议管理 pages over HTTP: lists scoped by region and institution, the application workflow with each
step's due date and overdue state, actions by role, the agreement lifecycle and assessments."""

from __future__ import annotations

from datetime import date

import pytest

from fundguard import db
from fundguard.agreements import service

from .web_support import form, login, seed_scenario


@pytest.fixture
def ids(web):
    with db.session_scope() as session:
        return seed_scenario(session)


def test_supervisor_sees_each_step_with_its_working_day_due_date(web, ids):
    login(web, "sup3204")
    page = web.get(f"/agreements/applications/{ids['app_3204']}")
    assert page.status_code == 200
    text = page.text
    # Submitted Mon 29 Sep 2025: notice due 5 working days later across National Day = 13 Oct.
    assert "2025-10-13" in text and "按期完成" in text
    # Accepted 9 Oct 2025: initial evaluation due 20 working days later (11 Oct is a make-up day).
    with db.session_scope() as session:
        due = service.get_application(session, ids["app_3204"]).due_on
    assert due == date(2025, 11, 5)
    assert "2025-11-05" in text and "已逾期" in text  # today is after 5 Nov 2025
    assert "开始初次评估" in text and 'name="csrf_token"' in text
    listing = web.get("/agreements")
    assert "常州市第一人民医院" in listing.text and "苏州市立医院" not in listing.text
    assert "已逾期" in listing.text


def test_actions_follow_role_and_scope(web, ids):
    app = ids["app_3204"]
    login(web, "inst1")
    page = web.get(f"/agreements/applications/{app}")
    assert page.status_code == 200 and "开始初次评估" not in page.text  # not the institution's step
    assert (
        form(
            web, f"/agreements/applications/{app}/events/start_initial_eval", {"on": "2025-10-10"}
        ).status_code
        == 403
    )
    assert web.get(f"/agreements/applications/{ids['app_3205']}").status_code == 403
    assert "苏州市立医院" not in web.get("/agreements").text

    login(web, "sup3205")
    assert web.get(f"/agreements/applications/{app}").status_code == 403
    assert (
        form(
            web, f"/agreements/applications/{app}/events/start_initial_eval", {"on": "2025-10-10"}
        ).status_code
        == 403
    )
    assert web.get(f"/agreements/{ids['agr_3204']}").status_code == 403

    login(web, "leader1")
    page = web.get(f"/agreements/applications/{app}")
    assert page.status_code == 200 and "没有可办理的操作" in page.text

    login(web, "sup3204")
    r = form(web, f"/agreements/applications/{app}/events/start_initial_eval", {"on": "2025-10-10"})
    assert r.status_code == 303
    assert "初次评估中" in web.get(r.headers["location"]).text
    r = form(web, f"/agreements/applications/{app}/events/publish", {"on": "2025-10-10"})
    assert r.status_code == 409 and "不能转为" in r.text  # shown on the page, not a bare error
    r = form(
        web, f"/agreements/applications/{app}/events/initial_result", {"on": "2025-10-20", "passed": "false"}
    )
    assert r.status_code == 422 and "评估不合格须说明理由" in r.text


def test_agreement_lifecycle_with_reasons_periods_and_moved_renewal_deadline(web, ids):
    agr = ids["agr_3204"]
    login(web, "sup3204")
    r = form(web, f"/agreements/{agr}/events/pause", {"on": "2026-01-31", "reasons": ""})
    assert r.status_code == 422 and "中止服务协议须说明原因" in r.text
    r = form(web, f"/agreements/{agr}/events/pause", {"on": "2026-01-31", "reasons": "院区改造，申请中止"})
    assert r.status_code == 303
    page = web.get(f"/agreements/{agr}").text
    assert "院区改造，申请中止" in page and "2026-07-31" in page and "顺延至其期满" in page
    assert "有效 → 中止" in page and "sup3204" in page
    r = form(
        web,
        f"/agreements/{agr}/assessments",
        {
            "year": "2025",
            "conduct": "90",
            "service_quality": "80",
            "cost_control": "70",
            "fund_risk_control": "60",
            "on": "2026-01-10",
        },
    )
    assert r.status_code == 303
    assert "75.00" in web.get(f"/agreements/{agr}").text
    listing = web.get("/agreements?tab=agreements").text
    assert "2026-07-31" in listing and "苏州" not in listing

    login(web, "inst1")
    page = web.get(f"/agreements/{agr}").text
    assert "申请恢复" in page and "解除服务协议" not in page and "录入年度综合考核" not in page
    r = form(web, f"/agreements/{agr}/events/rescind", {"on": "2026-02-02", "reasons": "x"})
    assert r.status_code == 403
    assert form(web, f"/agreements/{agr}/events/request_resume", {"on": "2026-04-01"}).status_code == 303


def test_institution_submits_its_own_application_from_the_page(web, ids):
    login(web, "inst2")
    r = form(
        web,
        "/agreements/applications",
        {
            "applicant_name": "苏州市立医院分院",
            "uscc": "91320500MA0000099",
            "app_type": "MEDICAL",
            "channel": "ONLINE",
            "on": "2026-03-02",
        },
    )
    assert r.status_code == 303
    page = web.get(r.headers["location"])
    assert page.status_code == 200 and "H32050001" in page.text and "320502" in page.text
