"""The case, clue and rectification API over HTTP on the real app: roles, data scope, the logged-in
user as the actor, and an illegal transition answers 409."""

from __future__ import annotations

from sqlalchemy import select

from fundguard import db
from fundguard.auth.models import AuditEvent

CASE = {
    "title": "虚构诊疗",
    "actor_type": "unit",
    "amount": "20000",
    "institution_code": "H32040001",
    "facts": {"kind": "fraud"},
}


def _audit_actors(action: str) -> set[str]:
    with db.session_scope() as s:
        return set(s.execute(select(AuditEvent.actor).where(AuditEvent.action == action)).scalars())


def test_case_walks_through_the_api_as_the_logged_in_user_and_an_illegal_step_is_409(as_user):
    sup = as_user("sup3204")
    r = sup.post("/api/v1/cases", json=CASE)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["region"] == "320402"  # the institution's 医保区划 from the master data
    r = sup.post(f"/api/v1/cases/{case['id']}/events/notify", json={})
    assert r.status_code == 409
    assert r.json()["code"] == "ILLEGAL_TRANSITION" and "不能执行" in r.json()["message"]
    assert (
        sup.post(
            f"/api/v1/cases/{case['id']}/events/assign_verification", json={"assignee": "王"}
        ).status_code
        == 200
    )
    r = sup.post(f"/api/v1/cases/{case['id']}/events/file", json={"note": "达到立案标准"})
    assert r.json()["status"] == "FILED" and r.json()["decision_due"]
    proposal = sup.get(f"/api/v1/cases/{case['id']}/proposal").json()
    assert (proposal["fine_min"], proposal["fine_max"]) == ("40000.00", "100000.00")
    assert _audit_actors("case.file") == {"sup3204"}
    assert "api" not in _audit_actors("case.created")


def test_cases_are_scoped_by_region_and_closed_to_institutions_and_leaders_only_read(as_user):
    sup, other, inst, leader = as_user("sup3204"), as_user("sup3205"), as_user("inst1"), as_user("leader1")
    case_id = sup.post("/api/v1/cases", json=CASE).json()["id"]
    assert other.get(f"/api/v1/cases/{case_id}").status_code == 403
    assert (
        other.post(f"/api/v1/cases/{case_id}/events/assign_verification", json={"assignee": "x"}).status_code
        == 403
    )
    assert other.get("/api/v1/cases").json() == []
    assert inst.get(f"/api/v1/cases/{case_id}").status_code == 403
    assert inst.get("/api/v1/cases").status_code == 403
    assert inst.post("/api/v1/cases", json=CASE).status_code == 403
    assert leader.get(f"/api/v1/cases/{case_id}").status_code == 200
    assert (
        leader.post(f"/api/v1/cases/{case_id}/events/assign_verification", json={"assignee": "x"}).status_code
        == 403
    )
    # A supervisor cannot open a case on an institution of another city.
    assert other.post("/api/v1/cases", json=CASE).status_code == 403
    assert as_user("admin1").get(f"/api/v1/cases/{case_id}").status_code == 200


def test_evidence_upload_and_download_round_trip_and_scope(as_user):
    sup = as_user("sup3204")
    case_id = sup.post("/api/v1/cases", json=CASE).json()["id"]
    r = sup.post(
        f"/api/v1/cases/{case_id}/evidence", data={"kind": "处方"}, files={"file": ("rx.txt", b"rx-1")}
    )
    assert r.status_code == 201
    got = sup.get(f"/api/v1/cases/evidence/{r.json()['id']}")
    assert got.content == b"rx-1" and got.headers["X-Content-SHA256"] == r.json()["sha256"]
    assert as_user("sup3205").get(f"/api/v1/cases/evidence/{r.json()['id']}").status_code == 403
    assert as_user("inst1").get(f"/api/v1/cases/evidence/{r.json()['id']}").status_code == 403


PROBLEM = {
    "region": "320402",
    "institution_code": "H32040001",
    "description": "病历不规范",
    "source_type": "inspection",
    "required_evidence": ["整改报告"],
}


def test_rectification_institution_submits_only_its_own_and_inspector_closes(as_user):
    insp, inst, other_inst = as_user("insp3204"), as_user("inst1"), as_user("inst2")
    r = insp.post("/api/v1/rectification/problems", json=PROBLEM)
    pid = r.json()["id"]
    assert r.json()["problem_no"].startswith("320402-")
    assert insp.post(f"/api/v1/rectification/problems/{pid}/notify").status_code == 200
    files = [("files", ("report.pdf", b"report"))]
    form = {"plan": "修订制度", "kinds": ["整改报告"]}
    # Another institution and another city's supervisor: refused by URL.
    assert (
        other_inst.post(f"/api/v1/rectification/problems/{pid}/submit", data=form, files=files).status_code
        == 403
    )
    assert other_inst.get(f"/api/v1/rectification/problems/{pid}").status_code == 403
    assert (
        as_user("sup3205").post(f"/api/v1/rectification/problems/{pid}/close", json={"note": "x"}).status_code
        == 403
    )
    # The institution may not take the inspector's actions.
    assert inst.post(f"/api/v1/rectification/problems/{pid}/notify").status_code == 403
    r = inst.post(f"/api/v1/rectification/problems/{pid}/submit", data=form, files=files)
    assert r.json()["status"] == "SUBMITTED", r.text
    assert (
        inst.post(f"/api/v1/rectification/problems/{pid}/close", json={"note": "自行销号"}).status_code == 403
    )
    assert (
        insp.post(f"/api/v1/rectification/problems/{pid}/close", json={"note": "已整改"}).json()["status"]
        == "CLOSED"
    )
    assert inst.get("/api/v1/rectification/board").json()[0]["closed"] == 1
    assert other_inst.get("/api/v1/rectification/board").json() == []
    assert other_inst.get("/api/v1/rectification/problems").json() == []
    assert _audit_actors("problem.submit") == {"inst1"} and _audit_actors("problem.close") == {"insp3204"}
    # Registering a problem for another city's institution is outside the inspector's scope.
    foreign = {**PROBLEM, "region": "320502", "institution_code": "H32050001"}
    assert insp.post("/api/v1/rectification/problems", json=foreign).status_code == 403


def test_clue_sources_merge_export_and_import_via_api(as_user):
    sup = as_user("sup3204")
    body = {
        "source_type": "tip",
        "source_ref": "JB-1",
        "subjects": ["FALSE_ADMISSION"],
        "institution_code": "H32040001",
    }
    first = sup.post("/api/v1/clues", json=body).json()
    second = sup.post(
        "/api/v1/clues",
        json={**body, "source_type": "hotline_12345", "source_ref": "12345-2026-000123"},
    ).json()
    assert second["merged"] and second["id"] == first["id"]
    for ref, partner in (("卫健-1", "卫健"), ("市监-1", "市场监管"), ("公安-1", "公安")):
        r = sup.post(
            "/api/v1/clues", json={**body, "source_type": "department", "source_ref": ref, "partner": partner}
        )
        assert r.status_code == 201 and r.json()["id"] == first["id"]
    r = sup.post(
        "/api/v1/clues",
        json={**body, "source_type": "region", "source_ref": "500000:XS-9", "partner": "川渝"},
    )
    assert r.json()["id"] == first["id"]
    missing = sup.post("/api/v1/clues", json={**body, "source_type": "department", "source_ref": "x"})
    assert missing.status_code == 422 and missing.json()["code"] == "PARTNER_REQUIRED"
    detail = sup.get(f"/api/v1/clues/{first['id']}").json()
    assert {s["type"] for s in detail["sources"]} == {"tip", "hotline_12345", "department", "region"}
    assert as_user("sup3205").get(f"/api/v1/clues/{first['id']}").status_code == 403
    assert as_user("inst1").get(f"/api/v1/clues/{first['id']}").status_code == 403
    sender = {"kind": "region", "code": "500000", "name": "重庆市医疗保障局"}
    xlsx = sup.post(
        "/api/v1/clues/export", json={"clue_ids": [first["id"]], "sender": sender, "as_excel": True}
    )
    assert xlsx.status_code == 200
    assert (
        as_user("sup3205")
        .post("/api/v1/clues/export", json={"clue_ids": [first["id"]], "sender": sender})
        .status_code
        == 403
    )
    imported = sup.post("/api/v1/clues/import", files={"file": ("clues.xlsx", xlsx.content)}).json()
    assert imported[0]["id"] == first["id"] and imported[0]["merged"]
    bad = sup.post("/api/v1/clues/import", files={"file": ("clues.json", b"{not json")})
    assert bad.status_code == 422
    case = sup.post(f"/api/v1/clues/{first['id']}/case", json={"title": "虚假住院线索核查"})
    assert case.status_code == 201 and case.json()["status"] == "CLUE" and case.json()["region"] == "320402"


def test_api_requires_login(app):
    from fastapi.testclient import TestClient

    anon = TestClient(app)
    assert anon.get("/api/v1/cases").status_code == 401
    assert anon.get("/api/v1/rectification/board").status_code == 401
    assert anon.post("/api/v1/clues", json={}).status_code == 401
