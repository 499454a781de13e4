"""Request payloads for pre-check tests."""

from __future__ import annotations

INST = "H11010500001"


def visit(lines=None, **mdtrt):
    m = {
        "mdtrt_id": "MD1",
        "psn_no": "P1",
        "gend": "1",
        "age": 34,
        "fixmedins_code": INST,
        "med_type": "11",
        "begntime": "2026-03-01 09:30:00",
    }
    m.update(mdtrt)
    fee = lines if lines is not None else [line("F1")]
    return {
        "scene": "settle",
        "mdtrt": m,
        "diag": [{"diag_code": "J06.900", "maindiag_flag": "1"}],
        "fee_list": fee,
    }


def line(sn, **kw):
    out = {
        "feedetl_sn": sn,
        "med_list_codg": "001202000010000",
        "cnt": 1,
        "pric": 12.5,
        "det_item_fee_sumamt": 12.5,
        "fee_ocur_time": "2026-03-01 09:40:00",
        "bilg_dr_codg": "D110105000001",
    }
    out.update(kw)
    return out


def asgi_posts(app, path: str, posts: list[tuple[dict, str]]) -> list[tuple[int, dict]]:
    """POST each (body, api_key) straight to the ASGI app, in order, in one event loop.

    The whole API path (middleware, routing, validation, handler, serialization) without a test
    client's per-request thread hand-off: cheap enough to send every visit of a city.
    """
    import asyncio
    import json

    async def one(body: dict, key: str) -> tuple[int, dict]:
        data = json.dumps(body, ensure_ascii=False).encode()
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "path": path, "raw_path": path.encode(), "root_path": "", "scheme": "http", "query_string": b"",
            "server": ("testserver", 80), "client": ("127.0.0.1", 50000),
            "headers": [(b"host", b"testserver"), (b"x-api-key", key.encode()),
                        (b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
        }  # fmt: skip
        delivered = False
        status, chunks = 0, []

        async def receive():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": data, "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, json.loads(b"".join(chunks) or b"{}")

    async def run():
        return [await one(body, key) for body, key in posts]

    return asyncio.run(run())
