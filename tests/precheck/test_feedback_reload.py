"""Feedback (3103) with override rates, and knowledge hot reload under concurrent requests."""

from __future__ import annotations

import threading

from precheck_helpers import line, visit
from sqlalchemy import select

from fundguard import db
from fundguard.auth.models import AuditEvent
from fundguard.precheck import reload, service
from fundguard.rules import service as rules_service

FEEDBACK = "/api/v1/precheck/feedback"


def test_feedback_stored_and_override_rate(api):
    client, raw = api
    h = {"X-API-Key": raw}
    items = [
        {"rule_code": "PRC-P01", "feedetl_sn": "F1", "action": "overridden", "reason": "物价部门新批准价格"},
        {"rule_code": "PRC-P01", "feedetl_sn": "F2", "action": "changed"},
        {"rule_code": "SUS-P01", "feedetl_sn": "F3", "action": "accepted"},
    ]
    r = client.post(FEEDBACK, json={"precheck_id": "abc", "mdtrt_id": "MD1", "items": items}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"stored": 3}
    with db.session_scope() as s:
        rates = {x["rule_code"]: x for x in service.override_rates(s)}
        overrides = [e for e in s.execute(select(AuditEvent)).scalars() if e.action == "precheck.override"]
    assert rates["PRC-P01"]["override_rate"] == 0.5 and rates["PRC-P01"]["feedback"] == 2
    assert rates["SUS-P01"]["override_rate"] == 0.0
    assert len(overrides) == 1 and overrides[0].detail["reason"] == "物价部门新批准价格"


def test_override_needs_reason(api):
    client, raw = api
    items = [{"rule_code": "PRC-P01", "action": "overridden", "reason": "  "}]
    r = client.post(FEEDBACK, json={"mdtrt_id": "MD1", "items": items}, headers={"X-API-Key": raw})
    assert r.status_code == 422
    assert r.json()["field"] == "items.0.reason"
    assert client.post(FEEDBACK, json={"mdtrt_id": "MD1", "items": items}).status_code == 401


def test_disable_rule_while_requests_run(api):
    """Requests keep succeeding during the reload; once refreshed, PRC-P01 no longer fires."""
    client, raw = api
    body = visit([line("F1", pric=30, det_item_fee_sumamt=30, pric_uplmt_amt=20)])
    h = {"X-API-Key": raw}
    first = client.post("/api/v1/precheck", json=body, headers=h).json()
    assert [f["rule_code"] for f in first["findings"]] == ["PRC-P01"]
    old_key = reload.current().key
    statuses: list[int] = []
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            statuses.append(client.post("/api/v1/precheck", json=body, headers=h).status_code)

    workers = [threading.Thread(target=hammer) for _ in range(3)]
    for w in workers:
        w.start()
    with db.session_scope() as s:
        rules_service.set_enabled(s, "PRC-P01", False, actor="test")
    new = reload.refresh()
    after = client.post("/api/v1/precheck", json=body, headers=h).json()
    stop.set()
    for w in workers:
        w.join()
    assert new.key != old_key
    assert statuses and set(statuses) == {200}
    assert after["decision"] == "pass" and after["findings"] == []


def test_knowledge_reloads_by_itself_after_the_period(api, monkeypatch):
    """No explicit refresh: a request after the check period runs the knowledge check, so the rule
    switch shows at once (period 0 here) while every request keeps answering 200."""
    import time

    from fundguard.profiles import get_profile

    client, raw = api
    body = visit([line("F1", pric=30, det_item_fee_sumamt=30, pric_uplmt_amt=20)])
    h = {"X-API-Key": raw}
    assert [
        f["rule_code"] for f in client.post("/api/v1/precheck", json=body, headers=h).json()["findings"]
    ] == ["PRC-P01"]
    profile = get_profile()
    real = profile.__class__.__getitem__
    monkeypatch.setattr(
        profile.__class__,
        "__getitem__",
        lambda self, key: 0 if key == "precheck.reload_check_seconds" else real(self, key),
    )
    with db.session_scope() as s:
        rules_service.set_enabled(s, "PRC-P01", False, actor="test")
    deadline, codes = time.monotonic() + 20, ["PRC-P01"]
    while codes and time.monotonic() < deadline:
        r = client.post("/api/v1/precheck", json=body, headers=h)
        assert r.status_code == 200
        codes = [f["rule_code"] for f in r.json()["findings"]]
        time.sleep(0.05)
    assert codes == []
