"""The tip API on the real app: public intake and progress without login; everything else needs
staff in the tip's region; identity only for the whistleblower officer, audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from fundguard import db
from fundguard.auth.models import AuditEvent

TIP = {"channel": "online", "content": "刷卡买日用品", "accused_institution": "H32040001"}


def test_named_tip_public_intake_progress_and_protected_identity(app, as_user):
    public = TestClient(app)
    r = public.post("/api/v1/tips", json={**TIP, "identity": {"name": "张三", "phone": "13800000000"}})
    assert r.status_code == 201
    receipt = r.json()
    p = public.get(
        "/api/v1/tips/progress", params={"tip_no": receipt["tip_no"], "code": receipt["retrieval_code"]}
    )
    assert p.status_code == 200 and p.json()["status"] == "RECEIVED"
    assert public.get("/api/v1/tips/1").status_code == 401
    assert public.get("/api/v1/tips").status_code == 401
    assert public.post("/api/v1/tips/1/accept").status_code == 401
    sup = as_user("sup3204")
    tip = sup.get("/api/v1/tips/1").json()
    assert "张三" not in str(tip) and tip["anonymous"] is False
    assert sup.post("/api/v1/tips/1/identity", json={"reason": "发放奖励核实身份"}).json()["name"] == "张三"
    with db.session_scope() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "tip.identity_revealed")).scalar_one()
        assert event.actor == "sup3204" and "张三" not in str(event.detail)
    # An inspector is staff but not a whistleblower officer; an institution user is not staff.
    assert as_user("insp3204").post("/api/v1/tips/1/identity", json={"reason": "想看"}).status_code == 403
    assert as_user("inst1").get("/api/v1/tips/1").status_code == 403


def test_tips_are_scoped_to_the_accused_institutions_region(app, as_user):
    TestClient(app).post("/api/v1/tips", json=TIP)
    other = as_user("sup3205")
    assert other.get("/api/v1/tips/1").status_code == 403
    assert other.post("/api/v1/tips/1/accept").status_code == 403
    assert other.get("/api/v1/tips").json() == []
    assert as_user("leader1").post("/api/v1/tips/1/accept").status_code == 403
    r = as_user("sup3204").post("/api/v1/tips/1/accept")
    assert r.status_code == 200 and r.json()["status"] == "ACCEPTED"
    with db.session_scope() as s:
        actors = set(s.execute(select(AuditEvent.actor).where(AuditEvent.action == "tip.accept")).scalars())
    assert actors == {"sup3204"}


def test_triage_counts_the_data_when_no_numbers_are_given(app, as_user):
    TestClient(app).post("/api/v1/tips", json=TIP)
    sup = as_user("sup3204")
    sup.post("/api/v1/cases", json={"title": "t", "actor_type": "unit", "institution_code": "H32040001"})
    r = sup.post("/api/v1/tips/1/triage")
    assert r.status_code == 200 and r.json()["triage_score"] == 10  # one prior case × weight 10


def test_illegal_tip_step_is_409(app, as_user):
    TestClient(app).post(
        "/api/v1/tips", json={"channel": "phone", "content": "x", "accused_institution": "H32040001"}
    )
    r = as_user("sup3204").post("/api/v1/tips/1/feedback", json={"text": "提前反馈"})
    assert r.status_code == 409


def test_wrong_retrieval_code_is_404(app):
    public = TestClient(app)
    r = public.post("/api/v1/tips", json={"channel": "phone", "content": "x", "accused_institution": "H1"})
    assert (
        public.get("/api/v1/tips/progress", params={"tip_no": r.json()["tip_no"], "code": "NOPE"}).status_code
        == 404
    )
