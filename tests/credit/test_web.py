"""信用管理 over HTTP: grades and explanations scoped by region and institution, person credit and the
blacklist with identifiers masked unless the role may see them, list decisions by role, and the
joint-punishment export (Excel on the page, always masked; audit-logged)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from agreements.web_support import form, login, seed_scenario
from fundguard import db
from fundguard.auth.models import AuditEvent

API = "/api/v1/credit"


@pytest.fixture
def ids(web):
    with db.session_scope() as session:
        return seed_scenario(session)


def test_api_scores_and_events_by_region_and_institution(web, ids):
    login(web, "inst1")
    own = web.get(f"{API}/subjects/INSTITUTION/H32040001").json()
    assert (own["score"], own["grade"], own["lines"][0]["explanation"]) == (85, "B", "分解住院罚款")
    assert web.get(f"{API}/subjects/INSTITUTION/H32050001").status_code == 403
    assert web.get(f"{API}/subjects/INSURED/PSN3204001").status_code == 403
    assert web.post(f"{API}/subjects/INSTITUTION/H32040001/events", json=_event()).status_code == 403

    login(web, "sup3205")
    assert web.get(f"{API}/subjects/INSTITUTION/H32040001").status_code == 403
    assert web.get(f"{API}/subjects/INSURED/PSN3204001").status_code == 403
    assert web.post(f"{API}/subjects/INSTITUTION/H32040001/events", json=_event()).status_code == 403
    assert web.post(f"{API}/lists/{ids['blacklist_3204']}/publish").status_code == 403
    assert ids["blacklist_3204"] not in [e["id"] for e in web.get(f"{API}/lists").json()]

    login(web, "sup3204")
    r = web.post(f"{API}/subjects/INSTITUTION/H32040001/events", json=_event())
    assert r.status_code == 201
    assert web.get(f"{API}/subjects/INSURED/PSN3204001").json()["lines"][0]["event_type"] == "INSURED_FRAUD"
    r = web.post(f"{API}/lists/{ids['blacklist_3204']}/publish")
    assert r.status_code == 200 and r.json()["status"] == "PUBLISHED"
    with db.session_scope() as session:
        actors = set(
            session.scalars(
                select(AuditEvent.actor).where(
                    AuditEvent.action.like("credit.%"), AuditEvent.actor != "system"
                )
            )
        )
    assert actors == {"sup3204"}

    login(web, "leader1")
    assert web.post(f"{API}/lists/{ids['blacklist_3205']}/approve").status_code == 403


def _event() -> dict:
    return {"event_type": "PENALTY", "occurred_on": "2026-03-01", "explanation": "超标准收费罚款"}


def test_api_lists_mask_identifiers_unless_the_role_sees_them(web, ids):
    login(web, "leader1")
    entry = next(e for e in web.get(f"{API}/lists").json() if e["id"] == ids["blacklist_3204"])
    assert (entry["subject_name"], entry["id_number"]) == ("张**", "320402********1234")
    csv = web.get(f"{API}/joint-punishment", params={"fmt": "csv", "masked": "false"}).content.decode(
        "utf-8-sig"
    )
    assert "320402********1234" in csv and "320402199001011234" not in csv  # forced masked for the leader
    login(web, "sup3204")
    entry = next(e for e in web.get(f"{API}/lists").json() if e["id"] == ids["blacklist_3204"])
    assert (entry["subject_name"], entry["id_number"]) == ("张三丰", "320402199001011234")
    assert "320402********1234" in web.get(f"{API}/joint-punishment").content.decode("utf-8-sig")
    full = web.get(f"{API}/joint-punishment", params={"masked": "false"}).content.decode("utf-8-sig")
    assert "320402199001011234" in full and "李四" not in full  # other city's entry is out of scope


def test_grades_page_explanation_and_institution_view(web, ids):
    login(web, "sup3204")
    page = web.get("/credit").text
    assert "H32040001" in page and "H32050001" not in page and ">85<" in page
    detail = web.get("/credit/institutions/H32040001").text
    assert "分解住院罚款" in detail and "-15" in detail and 'id="credit-grade">B<' in detail
    assert web.get("/credit/institutions/H32050001").status_code == 403

    login(web, "inst1")
    r = web.get("/credit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/credit/institutions/H32040001"
    assert web.get("/credit/institutions/H32040001").status_code == 200
    assert web.get("/credit/institutions/H32050001").status_code == 403
    assert web.get("/credit/lists").status_code == 403
    assert web.get("/credit/joint-punishment.xlsx").status_code == 403


def test_blacklist_page_masks_for_the_leader_and_decisions_stay_with_deciders(web, ids):
    login(web, "leader1")
    page = web.get("/credit/lists").text
    assert "张**" in page and "320402********1234" in page and "张三丰" not in page
    assert "批准列入" not in page
    person = web.get("/credit/subjects/INSURED/PSN3204001").text
    assert "冒名就医骗取医保基金" in person and "张三丰" not in person
    assert form(web, f"/credit/lists/{ids['blacklist_3205']}/approve", {}).status_code == 403

    login(web, "sup3204")
    page = web.get("/credit/lists").text
    assert "张三丰" in page and "李四" not in page
    assert web.get("/credit/subjects/INSURED/PSN3205001").status_code == 403
    r = web.get("/credit/insured", params={"psn_no": "PSN3204001"}, follow_redirects=False)
    assert r.headers["location"] == "/credit/subjects/INSURED/PSN3204001"
    r = form(web, f"/credit/lists/{ids['blacklist_3204']}/publish", {})
    assert r.status_code == 303
    r = form(web, f"/credit/lists/{ids['blacklist_3204']}/publish", {})
    assert r.status_code == 409 and "不能执行该操作" in r.text


def test_joint_punishment_excel_is_masked_scoped_and_audited(web, ids):
    login(web, "sup3204")
    r = web.get("/credit/joint-punishment.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "名单类型" and len(rows) == 2
    assert rows[1][3:5] == ("张**", "320402********1234")
    with db.session_scope() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "credit.joint_punishment.export")
        ).one()
        assert (event.actor, event.detail["masked"]) == ("sup3204", True)
