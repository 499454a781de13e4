"""The pre-check lane answers exactly like the FastAPI route it stands in front of."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.testclient import TestClient
from precheck_helpers import line, visit
from sqlalchemy import select, text

from fundguard import db
from fundguard.auth.models import AuditEvent
from fundguard.precheck import lane
from fundguard.precheck.lane import PrecheckLane
from fundguard.settings import get_settings
from fundguard.web import app as web_app
from fundguard.web.security import SECURITY_HEADERS

URL = "/api/v1/precheck"


@pytest.fixture
def route_only(api, monkeypatch):
    """The same app without the lane: every pre-check goes through routing and the route."""
    monkeypatch.setattr(web_app, "LANES", [])
    with TestClient(web_app.create_app()) as client:
        yield client


def _raw(client, raw_key: str | None, data: bytes, **headers):
    h = {"content-type": "application/json", **headers}
    if raw_key is not None:
        h["X-API-Key"] = raw_key
    return client.post(URL, content=data, headers=h)


def _comparable(r) -> tuple[int, dict]:
    body = r.json()
    body.pop("precheck_id", None)
    return r.status_code, body


def _cases(raw: str) -> list[tuple[str, str | None, bytes, dict]]:
    dump = lambda b: json.dumps(b, ensure_ascii=False).encode()  # noqa: E731
    no_psn = visit()
    del no_psn["mdtrt"]["psn_no"]
    priced = visit([line("F1", pric=30, det_item_fee_sumamt=30, pric_uplmt_amt=20)])
    return [
        ("clean", raw, dump(visit()), {}),
        ("price warn, pre scene", raw, dump(dict(priced, scene="pre")), {}),
        ("price warn, settle", raw, dump(dict(priced, mdtrt=dict(priced["mdtrt"], mdtrt_id="MD9"))), {}),
        ("number as code", raw, dump(visit(gend=1)), {}),
        ("offset time", raw, dump(visit(begntime="2026-03-01T01:30:00Z")), {}),
        ("missing field", raw, dump(no_psn), {}),
        ("several errors", raw, dump(visit(age="x", med_type=None)), {}),
        ("three decimals", raw, dump(visit([line("F1", det_item_fee_sumamt=1.005)])), {}),
        ("not an object", raw, b"[]", {}),
        ("invalid json", raw, b'{"scene": "pre", ', {}),
        ("NaN", raw, dump(visit([line("F1")])).replace(b"12.5", b"NaN", 1), {}),
        ("empty body", raw, b"", {}),
        ("no key", None, dump(visit()), {}),
        ("bad key", "fgk_000000000000_nope", dump(visit()), {}),
        ("bad key and bad body", "fgk_000000000000_nope", b"[]", {}),
        ("other institution", raw, dump(visit(fixmedins_code="H99999999999")), {}),
        ("declared too large", raw, dump(visit()), {"content-length": "99999999"}),
        ("too large", raw, b" " * 3_000_000 + dump(visit()), {}),
        ("problem+json", raw, dump(visit()), {"content-type": "application/problem+json; charset=utf-8"}),
    ]


def test_lane_and_route_give_the_same_answers(api, route_only) -> None:
    client, raw = api
    assert client.app.user_middleware[0].cls is PrecheckLane  # the lane is outermost
    for name, key, data, headers in _cases(raw):
        if name == "declared too large":  # the test client sets the length itself: send it raw
            got = [_asgi(c.app, key, data, headers) for c in (client, route_only)]
        else:
            got = [_comparable(_raw(c, key, data, **headers)) for c in (client, route_only)]
        if (
            name == "no key"
        ):  # the one difference: the lane names the missing header, the session guard cannot
            assert got[0][1]["code"] == "API_KEY_REQUIRED" and got[1][1]["code"] == "NOT_AUTHENTICATED"
            assert got[0][0] == got[1][0] == 401
            continue
        assert got[0] == got[1], name
    # and the answers are the documented ones, not just equal
    status, clean = _comparable(_raw(client, raw, json.dumps(visit()).encode()))
    assert status == 200 and clean["decision"] == "pass" and clean["findings"] == []
    codes = {
        name: _comparable(_raw(client, k, d, **h))
        for name, k, d, h in _cases(raw)
        if name != "declared too large"
    }
    assert codes["missing field"][0] == 422 and codes["missing field"][1]["field"] == "mdtrt.psn_no"
    assert codes["invalid json"][1] == {
        "code": "VALIDATION_ERROR",
        "message": "参数 body 不是合法的 JSON",
        "field": "body",
    }
    assert codes["several errors"][1]["message"].endswith("（另有 1 处错误）")
    assert codes["empty body"][1] == {
        "code": "VALIDATION_ERROR",
        "message": "参数 body 为必填项",
        "field": "body",
    }
    assert codes["no key"][0] == 401 and codes["bad key and bad body"][0] == 401  # key before validation
    assert codes["other institution"][0] == 403 and codes["too large"][0] == 413
    assert codes["price warn, settle"][1]["decision"] == "warn"


def _asgi(app, key: str | None, data: bytes, headers: dict, chunks: int = 1) -> tuple[int, dict]:
    """One POST straight to the ASGI app (headers exactly as given), the body in ``chunks`` parts."""
    hdrs = [(b"content-type", b"application/json")]
    hdrs += [(k.encode(), v.encode()) for k, v in headers.items() if k != "content-type"]
    if key is not None:
        hdrs.append((b"x-api-key", key.encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "path": URL,
             "raw_path": URL.encode(), "root_path": "", "scheme": "http", "query_string": b"",
             "server": ("testserver", 80), "client": ("127.0.0.1", 50000), "headers": hdrs}  # fmt: skip
    size = -(-len(data) // chunks)
    parts = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
    out = {"status": 0, "body": b"", "received": 0}

    async def receive():
        i = out["received"]
        out["received"] += 1
        if i < len(parts):
            return {"type": "http.request", "body": parts[i], "more_body": i < len(parts) - 1}
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        else:
            out["body"] += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    body = json.loads(out["body"])
    body.pop("precheck_id", None)
    return out["status"], body


def test_chunked_body_over_the_limit_is_refused_before_it_is_all_read(api) -> None:
    client, raw = api
    limit = 2_000_000  # precheck.max_body_bytes of the default profile
    data = b" " * (limit + 500_000)
    status, body = _asgi(client.app, raw, data, {}, chunks=10)
    assert status == 413 and body["code"] == "PAYLOAD_TOO_LARGE"
    # the declared length is checked before any of the body is read
    status, body = _asgi(client.app, raw, b"{}", {"content-length": str(limit + 1)})
    assert status == 413


def test_lane_answers_carry_request_id_and_security_headers(api, suspended) -> None:
    client, raw = api
    r = _raw(client, raw, json.dumps(visit([line("F1", bilg_dr_codg=suspended)])).encode())
    assert r.status_code == 200 and r.json()["decision"] == "block"
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value
    rid = r.headers["x-request-id"]
    with db.session_scope() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "precheck.block")).all()
    assert [e.request_id for e in events] == [rid]
    refused = _raw(client, None, b"{}")
    assert refused.status_code == 401 and refused.headers["x-request-id"] != rid
    assert refused.headers["content-type"] == "application/json"


def test_other_methods_paths_and_bodies_go_to_the_app(api) -> None:
    client, raw = api
    # a form body is not the lane's: the route answers it (a body that is not a JSON object)
    r = client.post(
        URL, content=b"a=1", headers={"X-API-Key": raw, "content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_ERROR"
    assert client.get(URL, headers={"X-API-Key": raw}).status_code == 405
    fb = client.post(f"{URL}/feedback", json={}, headers={"X-API-Key": raw})
    assert fb.status_code == 422 and fb.json()["code"] == "VALIDATION_ERROR"


def test_a_broken_store_is_a_chinese_500_with_the_request_id_in_the_log(api) -> None:
    client, raw = api
    with db.get_engine().begin() as conn:
        conn.execute(text("DROP TABLE precheck_history_visit"))
    pre = TestClient(client.app, raise_server_exceptions=False)
    r = pre.post(URL, json=visit(), headers={"X-API-Key": raw})
    assert r.status_code == 500
    rid = r.headers["x-request-id"]
    assert r.json()["code"] == "INTERNAL_ERROR" and rid in r.json()["message"]
    assert "precheck_history_visit" not in r.text
    log = (get_settings().log_dir / "web.log").read_text(encoding="utf-8")
    assert f"request_id={rid}" in log and "precheck_history_visit" in log
    assert lane.PATH == URL
