"""The HTTP routers of agreements, credit, inspections, disclosure and calendar, end to end."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from fundguard.agreements.views import router as agreements_router
from fundguard.calendar_admin.views import router as calendar_router
from fundguard.credit.views import router as credit_router
from fundguard.disclosure.views import router as disclosure_router
from fundguard.errors import FundguardError
from fundguard.inspections.views import router as inspections_router


def _client() -> TestClient:
    app = FastAPI()
    for router in (agreements_router, calendar_router, credit_router, disclosure_router, inspections_router):
        app.include_router(router)

    @app.exception_handler(FundguardError)
    def _error(_request: Request, exc: FundguardError):
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)

    return TestClient(app)


def test_application_workflow_over_http_with_overdue_flag_and_conflict(store):
    client = _client()
    r = client.post(
        "/api/v1/agreements/applications",
        json={
            "applicant_name": "常州市某某诊所",
            "uscc": "91320400MA1XXXXX0",
            "app_type": "MEDICAL",
            "on": "2025-09-29",
            "persons": [{"role": "LEGAL_REP", "name": "王建国", "certno": "320401197001011234"}],
        },
    )
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    assert r.json()["due_on"] == "2025-10-13"
    assert (
        client.get(f"/api/v1/agreements/applications/{app_id}", params={"on": "2025-10-14"}).json()["overdue"]
        is True
    )
    r = client.post(f"/api/v1/agreements/applications/{app_id}/events/publish", json={"on": "2025-10-09"})
    assert r.status_code == 409 and "不能转为" in r.json()["message"]
    r = client.post(f"/api/v1/agreements/applications/{app_id}/events/accept", json={"on": "2025-10-09"})
    assert r.json()["status"] == "ACCEPTED"
    steps = client.get(f"/api/v1/agreements/applications/{app_id}/steps").json()
    assert [s["status"] for s in steps] == ["SUBMITTED", "ACCEPTED"]


def test_credit_calendar_inspection_and_disclosure_routes(store):
    client = _client()
    r = client.post(
        "/api/v1/credit/subjects/INSTITUTION/H1/events",
        json={"event_type": "PENALTY", "occurred_on": "2026-01-05", "explanation": "分解住院罚款"},
    )
    assert r.status_code == 201
    score = client.get("/api/v1/credit/subjects/INSTITUTION/H1", params={"on": "2026-03-02"}).json()
    assert (score["score"], score["grade"], score["inspection_multiplier"]) == (85, "B", 1.0)
    assert client.get("/api/v1/credit/joint-punishment", params={"fmt": "csv"}).status_code == 200
    r = client.put(
        "/api/v1/calendar/overrides", json={"day": "2026-03-02", "is_workday": False, "reason": "演示"}
    )
    assert r.json()["is_workday"] is False
    plan = client.post("/api/v1/inspections/plans", json={"period": "2026Q1", "on": "2026-01-05"}).json()
    r = client.post(f"/api/v1/inspections/plans/{plan['id']}/draw", json={"on": "2026-01-05", "seed": 1})
    assert r.status_code == 409  # empty directory
    pub = client.post(
        "/api/v1/disclosure/publications",
        json={
            "pub_type": "TYPICAL_CASE",
            "title": "张三丰案",
            "content": "张三丰冒名就医",
            "personal_names": ["张三丰"],
        },
    ).json()
    assert client.post(f"/api/v1/disclosure/publications/{pub['id']}/approve").json()["title"] == "张**案"
