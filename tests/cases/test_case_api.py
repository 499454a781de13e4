"""The case and rectification routers: thin HTTP over the services; an illegal transition answers 409."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fundguard.cases import views
from fundguard.cases.deps import actor_for, current_actor


@pytest.fixture
def client(store):
    app = FastAPI()
    from fundguard.web.errors import install

    install(app)
    app.include_router(views.router)
    who = {"actor": actor_for("wang", "supervisor", "320400")}
    app.dependency_overrides[current_actor] = lambda: who["actor"]
    with TestClient(app) as c:
        c.who = who
        yield c


def test_case_walks_through_the_api_and_an_illegal_step_is_409(client):
    r = client.post(
        "/api/v1/cases",
        json={
            "title": "虚构诊疗",
            "actor_type": "unit",
            "amount": "20000",
            "institution_code": "H1",
            "facts": {"kind": "fraud"},
        },
    )
    assert r.status_code == 201
    case_id = r.json()["id"]
    r = client.post(f"/api/v1/cases/{case_id}/events/notify", json={})
    assert r.status_code == 409
    assert r.json()["code"] == "ILLEGAL_TRANSITION"
    assert (
        client.post(
            f"/api/v1/cases/{case_id}/events/assign_verification", json={"assignee": "王"}
        ).status_code
        == 200
    )
    assert (
        client.post(f"/api/v1/cases/{case_id}/events/file", json={"note": "达到立案标准"}).json()["status"]
        == "FILED"
    )
    proposal = client.get(f"/api/v1/cases/{case_id}/proposal").json()
    assert (proposal["fine_min"], proposal["fine_max"]) == ("40000.00", "100000.00")


def test_evidence_upload_and_download_round_trip(client):
    case_id = client.post(
        "/api/v1/cases", json={"title": "t", "actor_type": "unit", "institution_code": "H1"}
    ).json()["id"]
    r = client.post(
        f"/api/v1/cases/{case_id}/evidence", data={"kind": "处方"}, files={"file": ("rx.txt", b"rx-1")}
    )
    assert r.status_code == 201
    got = client.get(f"/api/v1/cases/evidence/{r.json()['id']}")
    assert got.content == b"rx-1" and got.headers["X-Content-SHA256"] == r.json()["sha256"]


def test_rectification_via_api_with_institution_submission(client):
    r = client.post(
        "/api/v1/rectification/problems",
        json={
            "region": "320400",
            "institution_code": "H1",
            "description": "病历不规范",
            "source_type": "inspection",
            "required_evidence": ["整改报告"],
        },
    )
    pid = r.json()["id"]
    assert r.json()["problem_no"].startswith("320400-")
    client.post(f"/api/v1/rectification/problems/{pid}/notify")
    client.who["actor"] = actor_for("h1-user", "institution")
    r = client.post(
        f"/api/v1/rectification/problems/{pid}/submit",
        data={"plan": "修订制度", "kinds": ["整改报告"]},
        files=[("files", ("report.pdf", b"report"))],
    )
    assert r.json()["status"] == "SUBMITTED"
    assert (
        client.post(f"/api/v1/rectification/problems/{pid}/close", json={"note": "自行销号"}).status_code
        == 403
    )
    client.who["actor"] = actor_for("zhao", "inspector")
    assert (
        client.post(f"/api/v1/rectification/problems/{pid}/close", json={"note": "已整改"}).json()["status"]
        == "CLOSED"
    )
    assert client.get("/api/v1/rectification/board").json()[0]["closed"] == 1


def test_clue_merge_export_and_import_via_api(client):
    body = {
        "source_type": "tip",
        "source_ref": "JB-1",
        "subjects": ["FALSE_ADMISSION"],
        "institution_code": "H1",
    }
    first = client.post("/api/v1/clues", json=body).json()
    second = client.post(
        "/api/v1/clues", json={**body, "source_type": "hotline_12345", "source_ref": "WO-1"}
    ).json()
    assert second["merged"] and second["id"] == first["id"]
    sender = {"kind": "region", "code": "500000", "name": "重庆市医疗保障局"}
    xlsx = client.post(
        "/api/v1/clues/export", json={"clue_ids": [first["id"]], "sender": sender, "as_excel": True}
    )
    assert xlsx.status_code == 200
    imported = client.post("/api/v1/clues/import", files={"file": ("clues.xlsx", xlsx.content)}).json()
    assert imported[0]["id"] == first["id"] and imported[0]["merged"]
    bad = client.post("/api/v1/clues/import", files={"file": ("clues.json", b"{not json")})
    assert bad.status_code == 422
    case = client.post(f"/api/v1/clues/{first['id']}/case", json={"title": "虚假住院线索核查"})
    assert case.status_code == 201 and case.json()["status"] == "CLUE"
