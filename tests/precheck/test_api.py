"""POST /api/v1/precheck: contract shapes, errors, severities, suspended practitioners, audit."""

from __future__ import annotations

from precheck_helpers import line, visit
from sqlalchemy import select

from fundguard import db
from fundguard.auth.models import AuditEvent

URL = "/api/v1/precheck"


def post(client, raw, body, **headers):
    return client.post(URL, json=body, headers={"X-API-Key": raw, **headers})


def test_clean_visit_passes(api):
    client, raw = api
    r = post(client, raw, visit())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"] == "pass"
    assert body["findings"] == []
    assert body["precheck_id"]


def test_price_over_ceiling_warns_per_scene(api):
    client, raw = api
    fee = [
        line("F1", pric=30, det_item_fee_sumamt=30, pric_uplmt_amt=20),
        line("F2", med_list_codg="001202000020000"),
    ]
    settle = post(client, raw, visit(fee)).json()
    assert settle["decision"] == "warn"
    (f,) = settle["findings"]
    assert (f["rule_code"], f["category"], f["severity"], f["feedetl_sn"]) == (
        "PRC-P01",
        "PRICE",
        "warn",
        "F1",
    )
    assert f["amount"] > 0 and f["message"] and f["suggested_action"] and f["rule_version"]
    pre = post(client, raw, dict(visit(fee), scene="pre")).json()
    assert [x["severity"] for x in pre["findings"]] == ["info"]


def test_missing_or_bad_key_is_401(api):
    client, raw = api
    assert client.post(URL, json=visit()).status_code == 401
    r = post(client, "fgk_000000000000_nope", visit())
    assert r.status_code == 401
    assert r.json()["code"] and r.json()["message"]


def test_other_institution_is_403(api):
    client, raw = api
    r = post(client, raw, visit(fixmedins_code="H99999999999"))
    assert r.status_code == 403
    assert r.json()["field"] == "mdtrt.fixmedins_code"


def test_validation_errors_name_the_field(api):
    client, raw = api
    r = client.post(URL, content=b"{not json", headers={"X-API-Key": raw, "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_ERROR"
    body = visit()
    del body["mdtrt"]["psn_no"]
    r = post(client, raw, body)
    assert r.status_code == 422
    assert r.json()["field"] == "mdtrt.psn_no" and "mdtrt.psn_no" in r.json()["message"]
    r = post(client, raw, visit([line("F1", cnt="many")]))
    assert r.status_code == 422 and r.json()["field"] == "fee_list.0.cnt"
    r = post(client, raw, dict(visit(), scene="later"))
    assert r.status_code == 422 and r.json()["field"] == "scene"


def test_birth_date_instead_of_age(api):
    client, raw = api
    body = visit()
    del body["mdtrt"]["age"]
    body["mdtrt"]["brdy"] = "1990-05-01"
    assert post(client, raw, body).status_code == 200
    del body["mdtrt"]["brdy"]
    r = post(client, raw, body)
    assert r.status_code == 422 and r.json()["field"] == "mdtrt"


def test_unknown_gender_code_is_a_warning_not_an_error(api):
    client, raw = api
    r = post(client, raw, visit(gend="7"))
    assert r.status_code == 200
    assert [f["rule_code"] for f in r.json()["findings"]] == ["PCK-P01"]
    assert r.json()["decision"] == "warn"


def test_body_and_line_limits(api):
    client, raw = api
    big = visit([line(f"F{i}") for i in range(2001)])
    r = post(client, raw, big)
    assert r.status_code == 422 and r.json()["field"] == "fee_list"
    pad = dict(visit(), padding="x" * 1_100_000)
    r = post(client, raw, pad)
    assert r.status_code == 413
    assert r.json()["code"] == "PAYLOAD_TOO_LARGE"


def _audit_actions():
    with db.session_scope() as s:
        return [(e.action, e.entity_id, e.detail) for e in s.execute(select(AuditEvent)).scalars()]


def test_suspended_practitioner_blocks_and_emergency_warns(api, suspended):
    client, raw = api
    r = post(
        client, raw, visit([line("F1", bilg_dr_codg=suspended), line("F2", med_list_codg="001202000020000")])
    )
    assert r.status_code == 200
    body = r.json()
    assert body["decision"] == "block"
    (f,) = body["findings"]
    assert (f["rule_code"], f["category"], f["severity"], f["feedetl_sn"]) == (
        "SUS-P01",
        "SUSPENDED_PERSON",
        "block",
        "F1",
    )
    # pre scene: still block (domain §2a)
    pre = post(client, raw, dict(visit([line("F1", bilg_dr_codg=suspended)]), scene="pre")).json()
    assert pre["findings"][0]["severity"] == "block"
    emergency = visit([line("F1", bilg_dr_codg=suspended)], mdtrt_id="MD2", adm_dept_name="急诊科")
    e = post(client, raw, emergency).json()
    assert e["decision"] == "warn"
    assert e["findings"][0]["severity"] == "warn" and "急" in e["findings"][0]["suggested_action"]
    actions = _audit_actions()
    assert any(
        a == "precheck.block" and eid == "MD1" and d["lines"][0][0] == "SUS-P01" for a, eid, d in actions
    )
    assert any(a == "precheck.emergency_override" and eid == "MD2" for a, eid, _ in actions)


def test_suspension_outside_period_passes(api, suspended):
    client, raw = api
    r = post(client, raw, visit([line("F1", bilg_dr_codg=suspended, fee_ocur_time="2025-01-01 10:00:00")]))
    assert r.json()["decision"] == "pass"


def test_rate_limit_429(api, monkeypatch):
    client, raw = api
    from fundguard.profiles import get_profile

    profile = get_profile()
    real = profile.__class__.__getitem__

    def limited(self, key):
        return 3 if key == "precheck.rate_limit_per_minute" else real(self, key)

    monkeypatch.setattr(profile.__class__, "__getitem__", limited)
    codes = [post(client, raw, visit()).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
    assert "频繁" in post(client, raw, visit()).json()["message"]


def test_revoked_key_is_401(api):
    client, raw = api
    from fundguard.auth import service as auth_service

    with db.session_scope() as s:
        key = auth_service.verify_api_key(s, raw)
        auth_service.revoke_api_key(s, key.id, actor="test")
    assert post(client, raw, visit()).status_code == 401


def test_knowledge_check_renews_cached_keys_and_drops_keys_revoked_elsewhere(api):
    import time

    from sqlalchemy import update

    from fundguard.auth.models import ApiKey
    from fundguard.precheck import reload, service
    from fundguard.timeutil import now

    client, raw = api
    assert post(client, raw, visit()).status_code == 200
    caller = service.KEYS.get(raw)
    assert caller is not None
    # a key past its period is looked up in the store again — unless the check renewed it first
    service.KEYS._keys[service.KEYS._digest(raw)] = (caller, time.monotonic() - 1)
    assert service.KEYS.get(raw) is None
    reload.refresh()
    assert service.KEYS.get(raw) == caller
    # revoked by another process: a bulk UPDATE fires no ORM event here, the cache still holds it
    with db.session_scope() as s:
        s.execute(update(ApiKey).where(ApiKey.id == caller.key_id).values(revoked_at=now()))
    assert service.KEYS.get(raw) == caller
    reload.refresh()
    assert service.KEYS.get(raw) is None
    assert post(client, raw, visit()).status_code == 401
