"""The /api/v1/points router: thin views over the service, errors as {"code", "message", "field"}."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from fundguard import db
from fundguard.auth import service as auth
from fundguard.web.app import create_app

PASSWORD = "Points-pass-123"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _logged_in(username: str, role: str, fixmedins_code: str | None = None) -> TestClient:
    with db.session_scope() as session:
        auth.create_user(session, username, PASSWORD, role, fixmedins_code=fixmedins_code)
    client = TestClient(create_app(), raise_server_exceptions=False)
    token = CSRF_RE.search(client.get("/login").text).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"})
    client.headers["X-CSRF-Token"] = CSRF_RE.search(client.get("/").text).group(1)
    return client


@pytest.fixture
def client(store):
    """The real app, logged in as an auditor (a role that decides points)."""
    return _logged_in("auditor1", "auditor")


def test_points_api_needs_a_staff_session(store, person):
    anonymous = TestClient(create_app(), raise_server_exceptions=False)
    assert anonymous.get(f"/api/v1/points/{person}/status").status_code == 401
    hospital = _logged_in("hosp1", "institution", "H11010100001")
    assert hospital.get(f"/api/v1/points/{person}/status").status_code == 403
    leader = _logged_in("leader1", "leader")
    assert leader.get(f"/api/v1/points/{person}/status").status_code == 200
    proposal = {"prac_psn_code": person, "behaviour_code": "V-4", "points": 9, "admdvs": "110101"}
    assert leader.post("/api/v1/points/proposals", json=proposal).status_code == 403


def test_the_operator_is_the_logged_in_user_not_the_request_body(client, person):
    created = client.post(
        "/api/v1/points/proposals",
        json={
            "prac_psn_code": person,
            "behaviour_code": "V-4",
            "points": 9,
            "admdvs": "110101",
            "operator": "冒名者",
        },
    )
    approved = client.post(
        f"/api/v1/points/proposals/{created.json()['proposal_id']}/approve",
        json={"reviewer": "冒名者", "decision_date": "2025-03-01"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["operator"] == "auditor1"


def test_propose_approve_and_read_status_over_http(client, person):
    created = client.post(
        "/api/v1/points/proposals",
        json={
            "prac_psn_code": person,
            "behaviour_code": "V-4",
            "points": 9,
            "admdvs": "110101",
            "operator": "稽核员",
        },
    )
    assert created.status_code == 201, created.text
    approved = client.post(
        f"/api/v1/points/proposals/{created.json()['proposal_id']}/approve",
        json={"reviewer": "审核员", "decision_date": "2025-03-01"},
    )
    assert approved.status_code == 200, approved.text
    status = client.get(f"/api/v1/points/{person}/status", params={"on": "2025-03-02"})
    assert status.json() == {
        "status": "suspended",
        "year_points": 9,
        "until": "2025-04-01",
        "barred_until": None,
    }
    file = client.get(f"/api/v1/points/{person}/file", params={"on": "2025-03-02"}).json()
    assert file["name"] == "张医生" and file["registrations"][0]["fixmedins_code"] == "H11010100001"
    blocked = client.get("/api/v1/points/blocked", params={"on": "2025-03-02"}).json()
    assert [b["prac_psn_code"] for b in blocked] == [person]


def test_invalid_proposal_answers_422_with_chinese_message(client, person):
    response = client.post(
        "/api/v1/points/proposals",
        json={
            "prac_psn_code": person,
            "behaviour_code": "V-9",
            "points": 13,
            "admdvs": "110101",
            "operator": "x",
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "POINTS_OUT_OF_RANGE", "message": "记分分值 13 超出 1–12 分范围", "field": "points",
    }  # fmt: skip
