"""Stored analytics runs and the /api/v1/analytics routes (real migrated store, real router)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fundguard.analytics import service, source
from fundguard.analytics.views import router
from fundguard.db import session_scope


def test_saved_run_is_served_by_the_api(store, city):
    frames, anomalies = city
    result = service.analyse(source.open_frames(frames))
    with session_scope() as session:
        run_id = service.save_run(session, result, "minicity")
    client = TestClient(_app())
    run = client.get("/api/v1/analytics/runs/latest").json()
    assert run["id"] == run_id and run["summary"]["rings"] == 1
    scores = client.get("/api/v1/analytics/risk-scores", params={"entity_type": "insured", "limit": 6}).json()
    ring_people = set(anomalies.loc[anomalies["kind"] == "RING", "entity_id"])
    assert [s["rank"] for s in scores] == [1, 2, 3, 4, 5, 6]
    assert {s["entity_id"] for s in scores} == ring_people
    assert all(r["peer_baseline"] is not None for s in scores for r in s["reasons"])
    alerts = client.get("/api/v1/analytics/alerts", params={"level": "institution"}).json()
    assert alerts and all(a["peer_n"] >= 5 and a["value"] >= a["peer_median"] for a in alerts)
    ring = client.get("/api/v1/analytics/rings/R0001").json()
    assert {m["id"] for m in ring["members"] if m["kind"] == "insured"} == ring_people
    assert client.get("/api/v1/analytics/rings/R9999").status_code == 404


def test_no_run_yet_answers_404_with_a_chinese_message(store):
    res = TestClient(_app()).get("/api/v1/analytics/risk-scores")
    assert res.status_code == 404
    assert "fundguard risk" in res.json()["detail"]["message"]


def _app() -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    return app
