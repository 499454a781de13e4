"""The /api/v1/points router: thin views over the service, errors as {"code", "message", "field"}."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from fundguard.errors import FundguardError
from fundguard.scoring.views import router


@pytest.fixture
def client(store):
    app = FastAPI()
    app.include_router(router)

    @app.exception_handler(FundguardError)
    async def _error(request: Request, exc: FundguardError):
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)

    return TestClient(app)


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
