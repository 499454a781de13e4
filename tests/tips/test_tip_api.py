"""The tip router: public intake and progress; identity only for the whistleblower officer."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fundguard.cases.deps import actor_for, current_actor
from fundguard.cases.statemachine import Actor
from fundguard.tips import views


@pytest.fixture
def client(store):
    app = FastAPI()
    from fundguard.web.errors import install

    install(app)
    app.include_router(views.router)
    who = {"actor": actor_for("chen", "supervisor")}
    app.dependency_overrides[current_actor] = lambda: who["actor"]
    with TestClient(app) as c:
        c.who = who
        yield c


def test_named_tip_intake_progress_and_protected_identity(client):
    r = client.post(
        "/api/v1/tips",
        json={
            "channel": "online",
            "content": "刷卡买日用品",
            "accused_institution": "P1",
            "identity": {"name": "张三", "phone": "13800000000"},
        },
    )
    assert r.status_code == 201
    receipt = r.json()
    tip = client.get("/api/v1/tips/1").json()
    assert "张三" not in str(tip) and tip["anonymous"] is False
    p = client.get(
        "/api/v1/tips/progress", params={"tip_no": receipt["tip_no"], "code": receipt["retrieval_code"]}
    )
    assert p.json()["status"] == "RECEIVED"
    assert (
        client.post("/api/v1/tips/1/identity", json={"reason": "发放奖励核实身份"}).json()["name"] == "张三"
    )
    client.who["actor"] = Actor.of("li", "case_handler")
    assert client.post("/api/v1/tips/1/identity", json={"reason": "想看"}).status_code == 403


def test_illegal_tip_step_is_409(client):
    client.post("/api/v1/tips", json={"channel": "phone", "content": "x", "accused_institution": "H1"})
    r = client.post("/api/v1/tips/1/feedback", json={"text": "提前反馈"})
    assert r.status_code == 409


def test_wrong_retrieval_code_is_404(client):
    r = client.post("/api/v1/tips", json={"channel": "phone", "content": "x", "accused_institution": "H1"})
    assert (
        client.get("/api/v1/tips/progress", params={"tip_no": r.json()["tip_no"], "code": "NOPE"}).status_code
        == 404
    )
