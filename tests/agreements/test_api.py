"""The agreements and calendar JSON APIs on the real app: workflow over HTTP, roles, region and
institution scope, and the logged-in user as the actor of every change."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from fundguard import db
from fundguard.agreements import service
from fundguard.agreements.models import Complaint
from fundguard.auth.models import AuditEvent

from .web_support import login, logout

API = "/api/v1/agreements"
PERSONS = [{"role": "LEGAL_REP", "name": "王建国", "certno": "320401197001011234"}]


def _submit(client, uscc: str, code: str | None = None, admdvs: str = "", on: str = "2025-09-29"):
    body = {"applicant_name": f"申请人{uscc[-3:]}", "uscc": uscc, "app_type": "MEDICAL", "on": on}
    body["persons"] = PERSONS
    if code:
        body["fixmedins_code"] = code
    if admdvs:
        body["admdvs"] = admdvs
    r = client.post(f"{API}/applications", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_application_workflow_over_http_with_overdue_flag_conflict_and_actor(web):
    login(web, "sup3204")
    app = _submit(web, "91320400MA1XXXXX0", admdvs="320402")
    assert app["due_on"] == "2025-10-13"  # 5 working days across National Day
    r = web.get(f"{API}/applications/{app['id']}", params={"on": "2025-10-14"})
    assert r.json()["overdue"] is True
    r = web.post(f"{API}/applications/{app['id']}/events/publish", json={"on": "2025-10-09"})
    assert r.status_code == 409 and "不能转为" in r.json()["message"]
    r = web.post(f"{API}/applications/{app['id']}/events/accept", json={"on": "2025-10-09"})
    assert r.json()["status"] == "ACCEPTED"
    steps = web.get(f"{API}/applications/{app['id']}/steps").json()
    assert [s["status"] for s in steps] == ["SUBMITTED", "ACCEPTED"]
    with db.session_scope() as session:
        actors = set(
            session.scalars(
                select(AuditEvent.actor).where(
                    AuditEvent.entity_type == "agr_application", AuditEvent.entity_id == str(app["id"])
                )
            )
        )
    assert actors == {"sup3204"}


def test_other_region_and_other_institution_get_403_and_unknown_ids_404(web):
    login(web, "sup3204")
    own_city = _submit(web, "91320400MA1000001", code="H32040001")
    login(web, "sup3205")
    other_city = _submit(web, "91320500MA1000002", code="H32050001")
    assert other_city["id"] != own_city["id"]

    # Another city's supervisor, by URL: read and act are both refused.
    r = web.get(f"{API}/applications/{own_city['id']}")
    assert r.status_code == 403 and r.json()["message"] == "无权访问本辖区以外的数据"
    r = web.post(f"{API}/applications/{own_city['id']}/events/accept", json={"on": "2025-10-09"})
    assert r.status_code == 403
    assert web.get(f"{API}/applications/{own_city['id']}/steps").status_code == 403
    assert [a["id"] for a in web.get(f"{API}/applications").json()] == [other_city["id"]]
    r = web.post(f"{API}/applications", json={**_body("91320400MA1000009"), "admdvs": "320402"})
    assert r.status_code == 403  # may not file an application for another city
    assert web.get(f"{API}/applications/999999").status_code == 404

    # The institution user of H32040001: its own application only, and only its own steps.
    login(web, "inst1")
    assert web.get(f"{API}/applications/{own_city['id']}").status_code == 200
    r = web.get(f"{API}/applications/{other_city['id']}")
    assert r.status_code == 403 and r.json()["message"] == "无权访问其他定点机构的数据"
    assert [a["id"] for a in web.get(f"{API}/applications").json()] == [own_city["id"]]
    r = web.post(f"{API}/applications/{own_city['id']}/events/accept", json={"on": "2025-10-09"})
    assert r.status_code == 403 and r.json()["code"] == "ROLE_FORBIDDEN"
    r = web.post(f"{API}/applications", json={**_body("91320500MA1000010"), "fixmedins_code": "H32050001"})
    assert r.status_code == 403

    # The leader reads everything and changes nothing.
    login(web, "leader1")
    assert web.get(f"{API}/applications/{other_city['id']}").status_code == 200
    r = web.post(f"{API}/applications/{other_city['id']}/events/accept", json={"on": "2025-10-09"})
    assert r.status_code == 403

    logout(web)
    assert web.get(f"{API}/applications/{own_city['id']}").status_code == 401


def _body(uscc: str) -> dict:
    return {
        "applicant_name": "某诊所",
        "uscc": uscc,
        "app_type": "MEDICAL",
        "on": "2025-09-29",
        "persons": PERSONS,
    }


def test_a_complaint_of_another_application_cannot_be_resolved_through_this_one(web):
    with db.session_scope() as session:
        from .helpers import drive

        mine, _ = drive(session, "COMPLAINT_VERIFYING")
        mine.fixmedins_code, mine.admdvs = "H32040001", "320402"
        other, _ = drive(session, "COMPLAINT_VERIFYING")
        other.fixmedins_code, other.admdvs = "H32050001", "320502"
        foreign = session.scalars(select(Complaint).where(Complaint.application_id == other.id)).one()
        mine_id, foreign_id = mine.id, foreign.id
    login(web, "sup3204")
    r = web.post(
        f"{API}/applications/{mine_id}/events/resolve_complaint",
        json={"on": "2026-06-01", "complaint_id": foreign_id, "founded": True},
    )
    assert r.status_code == 404 and r.json()["code"] == "COMPLAINT_NOT_FOUND"


def test_agreement_events_by_role_and_scope(web):
    with db.session_scope() as session:
        mine = service.create_agreement(session, "H32040001", date(2026, 1, 15), "B").id
        other = service.create_agreement(session, "H32050001", date(2026, 1, 15), "B").id
    login(web, "inst1")
    assert web.get(f"{API}/agreements/{other}").status_code == 403
    assert [a["id"] for a in web.get(f"{API}/agreements").json()] == [mine]
    r = web.post(f"{API}/agreements/{mine}/events/pause", json={"on": "2026-03-02", "reasons": "装修"})
    assert r.status_code == 403  # 中止 is decided by the agency
    r = web.post(f"{API}/agreements/{mine}/events/apply_renewal", json={"on": "2027-10-02"})
    assert r.status_code == 200 and r.json()["status"] == "RENEWAL_NEGOTIATION"
    r = web.post("/api/v1/agreements/institutions/H32050001/changes", json=_change())
    assert r.status_code == 403
    assert web.post("/api/v1/agreements/institutions/H32040001/changes", json=_change()).status_code == 201

    login(web, "sup3205")
    assert web.get(f"{API}/agreements/{mine}").status_code == 403
    r = web.post(
        f"{API}/agreements/{mine}/events/conclude_renewal", json={"on": "2027-11-02", "passed": True}
    )
    assert r.status_code == 403
    r = web.post(
        "/api/v1/agreements/institutions/H32040001/assessments",
        json={"year": 2026, "on": "2027-01-10", "scores": _scores()},
    )
    assert r.status_code == 403
    assert (
        web.put(
            "/api/v1/agreements/institutions/H32040001/investigation", json={"under_investigation": True}
        ).status_code
        == 403
    )

    login(web, "sup3204")
    r = web.post(
        f"{API}/agreements/{mine}/events/conclude_renewal", json={"on": "2027-11-02", "passed": True}
    )
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE"
    r = web.post(f"{API}/agreements/{mine}/events/rescind", json={"on": "2027-12-01", "reasons": ""})
    assert r.status_code == 422 and r.json()["code"] == "REASON_REQUIRED"
    assert web.post(f"{API}/run-due-transitions", params={"on": "2030-01-01"}).status_code == 403

    login(web, "admin1")
    assert web.post(f"{API}/run-due-transitions", params={"on": "2026-01-01"}).json() == []


def _change() -> dict:
    return {"field": "contact", "new_value": "0519-1234567", "changed_on": "2026-03-01", "on": "2026-03-02"}


def _scores() -> dict:
    return {"conduct": 90, "service_quality": 90, "cost_control": 90, "fund_risk_control": 90}


def test_calendar_overrides_are_set_by_administrators_only(web):
    login(web, "sup3204")
    body = {"day": "2026-03-02", "is_workday": False, "reason": "演示"}
    assert web.put("/api/v1/calendar/overrides", json=body).status_code == 403
    assert web.get("/api/v1/calendar/overrides").status_code == 200
    login(web, "admin1")
    r = web.put("/api/v1/calendar/overrides", json=body)
    assert r.status_code == 200 and r.json()["updated_by"] == "admin1"
    login(web, "inst1")
    assert web.delete("/api/v1/calendar/overrides/2026-03-02").status_code == 403
    assert web.get("/api/v1/calendar/overrides").json()[0]["day"] == "2026-03-02"
