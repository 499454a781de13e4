"""监督检查 over HTTP: the JSON API's roles and region scope, the 双随机 plan page with its replay,
flight plans ranked by risk, and self-inspection tasks answered by the institution and compared
with the platform's findings by the staff."""

from __future__ import annotations

import pytest

from agreements.web_support import form, login, seed_scenario
from fundguard import db
from fundguard.inspections.models import SelfCheckTask

API = "/api/v1/inspections"


@pytest.fixture
def ids(web):
    with db.session_scope() as session:
        return seed_scenario(session)


def test_api_plans_draws_and_replay_by_role_and_region(web, ids):
    login(web, "sup3204")
    plan = web.post(f"{API}/plans", json={"period": "2026Q2", "on": "2026-04-01"}).json()
    assert plan["admdvs"] == "3204"  # the user's region by default
    r = web.post(f"{API}/plans/{plan['id']}/draw", json={"on": "2026-04-01", "seed": 42})
    assert r.status_code == 200 and r.json()["seed"] == "42"
    replay = web.get(f"{API}/draws/{r.json()['id']}/replay").json()
    assert replay["equal"] and replay["stored"] == replay["recomputed"] and replay["seed"] == "42"
    assert (
        web.post(f"{API}/plans", json={"period": "2026Q2", "on": "2026-04-01", "admdvs": "3205"}).status_code
        == 403
    )

    login(web, "sup3205")
    assert web.get(f"{API}/draws/{ids['draw_3204']}/replay").status_code == 403
    assert web.post(f"{API}/plans/{ids['plan_3204']}/teams", json={"on": "2026-01-06"}).status_code == 403
    assert web.get(f"{API}/plans/{ids['plan_3204']}/inspections").status_code == 403
    assert web.get(f"{API}/flight-plans/{ids['flight_3204']}").status_code == 403
    assert web.get(f"{API}/draws/999999/replay").status_code == 404

    login(web, "inst1")
    assert web.get(f"{API}/draws/{ids['draw_3204']}/replay").status_code == 403
    assert web.post(f"{API}/plans", json={"period": "2026Q2", "on": "2026-04-01"}).status_code == 403

    login(web, "leader1")
    assert web.get(f"{API}/draws/{ids['draw_3205']}/replay").json()["equal"] is True
    assert web.post(f"{API}/plans/{plan['id']}/teams", json={"on": "2026-04-02"}).status_code == 403


def test_api_flight_plan_only_with_institutions_of_the_region(web, ids):
    login(web, "sup3204")
    body = {"title": "飞检", "on": "2026-03-02", "risk": [{"fixmedins_code": "H32050001", "score": 0.9}]}
    assert web.post(f"{API}/flight-plans", json=body).status_code == 403
    body["risk"] = [
        {"fixmedins_code": "H32040002", "score": 0.9},
        {"fixmedins_code": "H32040001", "score": 0.95},
    ]
    r = web.post(f"{API}/flight-plans", json=body)
    assert r.status_code == 201
    assert [t["fixmedins_code"] for t in r.json()["targets"]] == ["H32040001", "H32040002"]
    r = web.post(
        f"{API}/flight-plans/{r.json()['id']}/events/form_team",
        json={"on": "2026-03-03", "team": ["I1", "I2"]},
    )
    assert r.status_code == 200 and r.json()["status"] == "TEAM_FORMED"


def test_api_self_checks_institution_answers_its_own_staff_compare(web, ids):
    login(web, "inst1")
    assert [t["id"] for t in web.get(f"{API}/self-checks").json()] == [ids["task_h1"]]
    assert web.get(f"{API}/self-checks/{ids['task_h2']}").status_code == 403
    report = {
        "on": "2026-04-10",
        "problems": [{"category": "DUPLICATE", "description": "重复收费", "refund_amount": "120"}],
    }
    assert web.post(f"{API}/self-checks/{ids['task_h2']}/report", json=report).status_code == 403
    r = web.post(f"{API}/self-checks/{ids['task_h1']}/report", json=report)
    assert r.status_code == 200 and r.json()["status"] == "SUBMITTED"
    assert web.get(f"{API}/self-checks/{ids['task_h1']}/comparison").status_code == 403

    login(web, "sup3204")
    assert web.post(f"{API}/self-checks/{ids['task_h2']}/report", json=report).status_code == 403
    comparison = web.get(f"{API}/self-checks/{ids['task_h1']}/comparison").json()
    assert comparison["platform_findings"] == 2
    assert [f["finding_id"] for f in comparison["unreported"]] == ["F-2"]
    assert (
        web.post(
            f"{API}/self-checks", json={"period": "2026Q2", "fixmedins_codes": ["H32050001"]}
        ).status_code
        == 403
    )
    assert (
        web.post(
            f"{API}/self-checks", json={"period": "2026Q2", "fixmedins_codes": ["H32040002"]}
        ).status_code
        == 201
    )

    login(web, "sup3205")
    assert web.get(f"{API}/self-checks/{ids['task_h1']}/comparison").status_code == 403
    assert {t["fixmedins_code"] for t in web.get(f"{API}/self-checks").json()} == {"H32050001"}


def test_plan_page_shows_seed_algorithm_inputs_and_the_replay_is_identical(web, ids):
    login(web, "sup3204")
    page = web.get(f"/inspections/plans/{ids['plan_3204']}").text
    assert "20260105" in page and "fundguard.stratified_weighted_sample" in page and "SHA-256" in page
    assert "P32040003" in page  # the candidate snapshot (inputs)
    fragment = web.get(f"/inspections/draws/{ids['draw_3204']}/replay", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "复算结果与原抽取结果完全一致" in fragment.text and "校验一致" in fragment.text
    full = web.get(f"/inspections/draws/{ids['draw_3204']}/replay").text
    assert "<html" in full and "完全一致" in full
    listing = web.get("/inspections").text
    assert "2026Q1" in listing and f"/inspections/plans/{ids['plan_3205']}" not in listing

    login(web, "inst1")
    assert web.get(f"/inspections/plans/{ids['plan_3204']}").status_code == 403
    assert web.get(f"/inspections/draws/{ids['draw_3204']}/replay").status_code == 403


def test_plan_created_and_drawn_from_the_page_with_a_given_seed(web, ids):
    login(web, "sup3204")
    r = form(web, "/inspections/plans", {"period": "2026Q3", "on": "2026-07-01"})
    assert r.status_code == 303
    plan_url = r.headers["location"]
    plan_id = int(plan_url.rsplit("/", 1)[1])
    r = form(web, f"/inspections/plans/{plan_id}/draw", {"on": "2026-07-01", "seed": "123456789"})
    assert r.status_code == 303
    assert "123456789" in web.get(plan_url).text
    r = form(web, "/inspections/plans", {"period": "2026-07", "on": "2026-07-01"})
    assert r.status_code == 422 and "季度" in r.text
    login(web, "leader1")
    assert form(web, f"/inspections/plans/{plan_id}/teams", {"on": "2026-07-02"}).status_code == 403


def test_flight_plan_page_ranks_targets_by_risk_with_focus_departments(web, ids):
    login(web, "sup3204")
    page = web.get(f"/inspections/flight/{ids['flight_3204']}").text
    first, second = page.index("H32040002"), page.index("H32040001", page.index("flight-targets"))
    assert first < second and "重症医学" in page and "ICU在床人数与登记不符" in page
    r = form(
        web,
        "/inspections/flight",
        {"title": "第二批", "risk": "H32040001,0.3\nH32040002,0.8,超声检查率异常", "on": "2026-04-01"},
    )
    assert r.status_code == 303
    assert "超声检查率异常" in web.get(r.headers["location"]).text
    login(web, "sup3205")
    assert web.get(f"/inspections/flight/{ids['flight_3204']}").status_code == 403


def test_self_check_page_institution_answers_and_staff_see_what_was_not_reported(web, ids):
    task = ids["task_h1"]
    login(web, "inst1")
    listing = web.get("/inspections").text  # institutions land on their self-inspection tasks
    assert f"/inspections/self-checks/{task}" in listing and "H32040002" not in listing
    page = web.get(f"/inspections/self-checks/{task}").text
    assert "提交自查报告" in page and "平台发现与机构自查比对" not in page
    assert web.get(f"/inspections/self-checks/{ids['task_h2']}").status_code == 403
    r = form(
        web,
        f"/inspections/self-checks/{task}/report",
        {
            "scope": "2026年一季度住院病历",
            "p0_category": "DUPLICATE",
            "p0_description": "重复收取注射费",
            "p0_amount": "120",
            "p0_refund": "120",
            "on": "2026-04-10",
        },
    )
    assert r.status_code == 303
    with db.session_scope() as session:
        assert session.get(SelfCheckTask, task).status == "SUBMITTED"

    login(web, "sup3204")
    page = web.get(f"/inspections/self-checks/{task}").text
    assert "平台发现与机构自查比对" in page and "重复收取注射费" in page
    unreported = page[page.index('id="unreported"') :]
    assert "F-2" in unreported and "F-1" not in unreported and "挂床住院" in unreported
    assert "提交自查报告" not in page
