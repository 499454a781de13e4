"""Keep-alive connections are recycled now and then (``settings.keepalive_requests``), so that the
connections of a client pool keep spreading over uvicorn's workers instead of staying where they landed."""

from __future__ import annotations

import json
import random
import socket

import pytest
from fastapi.testclient import TestClient

from fundguard import settings
from fundguard.web import security
from fundguard.web.app import create_app


def _keepalive(monkeypatch, n: int) -> None:
    monkeypatch.setenv("FUNDGUARD_KEEPALIVE_REQUESTS", str(n))
    settings.reset_settings_cache()


@pytest.mark.parametrize(("n", "low", "high"), [(0, 0, 0), (1, 4000, 4000), (100, 20, 60), (10, 320, 480)])
def test_about_one_answer_in_n_asks_for_a_new_connection(monkeypatch, n, low, high) -> None:
    _keepalive(monkeypatch, n)
    monkeypatch.setattr(security, "_draws", random.Random(20261206))
    closes = sum(security.recycle_connection() for _ in range(4000))
    assert low <= closes <= high


def test_every_kind_of_answer_can_carry_the_close(store, monkeypatch) -> None:
    _keepalive(monkeypatch, 1)
    client = TestClient(create_app(), raise_server_exceptions=False)
    answers = [
        client.get("/healthz"),
        client.get("/api/v1/no-such-thing"),
        client.post("/api/v1/precheck", json={}),  # the pre-check lane: 401 without a key
    ]
    assert [r.status_code for r in answers] == [200, 404, 401]
    assert all(r.headers["connection"] == "close" for r in answers)
    _keepalive(monkeypatch, 0)
    assert "connection" not in TestClient(create_app()).get("/healthz").headers


def _exchange(sock: socket.socket, path: str, body: bytes | None = None) -> bytes:
    method = "POST" if body is not None else "GET"
    head = f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(body or b'')}\r\n\r\n"
    sock.sendall(head.encode() + (body or b""))
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    header, rest = data.split(b"\r\n\r\n", 1)
    length = int(next(x for x in header.split(b"\r\n") if x.lower().startswith(b"content-length:"))[15:])
    while len(rest) < length:
        rest += sock.recv(65536)
    return header.lower()


@pytest.mark.parametrize("n", [1, 0])
def test_the_real_server_closes_the_connection_it_asked_to_recycle(live_url, monkeypatch, n) -> None:
    _keepalive(monkeypatch, n)  # read per answer: the running server sees it
    port = int(live_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        first = _exchange(sock, "/api/v1/precheck", json.dumps({}).encode())
        assert first.startswith(b"http/1.1 401")
        if n == 1:
            assert b"\r\nconnection: close" in first
            assert sock.recv(1) == b""  # the server closed it: the client's next request opens a new one
        else:
            assert b"connection: close" not in first
            assert _exchange(sock, "/healthz").startswith(b"http/1.1 200")  # same connection, still open
