"""The pre-check's own lane (专用通道): ``POST /api/v1/precheck`` answered in front of the app.

Hospital systems call the pre-check at 1,000 req/s on two cores. Through the whole stack each call
paid about as much CPU for the framework as for the check itself: route matching, dependency
injection, cookie and session handling, JSON decoded to dicts and then validated (bench/RESULTS.md,
2026-12-06). The lane answers JSON bodies with the route's semantics — the same order of checks
(413 size, 401/429 key, 422 validation, then the service's 403/422), the same error bodies, request
id and security headers — and passes everything else to the app: other paths and methods, and
bodies that are not declared JSON (the route answers those as before and documents the API).

Cookies play no part here: the pre-check authenticates by API key only, so there is no session to
load and nothing a foreign site could ride on (no CSRF check).
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from starlette.requests import Request

from fundguard.errors import FundguardError
from fundguard.precheck import views
from fundguard.precheck.schemas import PrecheckRequest
from fundguard.web.errors import log_exception, server_error_response, validation_error_body
from fundguard.web.security import SECURITY_HEADERS, new_request_id, recycle_connection, stamp_response_start

PATH = "/api/v1/precheck"
_JSON = b"application/json"
_FIXED_HEADERS = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]  # the answer path: prebuilt
_CLOSE = (b"connection", b"close")


def _is_json(content_type: bytes | None) -> bool:
    """FastAPI's rule: no content type, or ``application/json`` / ``application/*+json``."""
    if content_type is None:
        return True
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == _JSON or (media.startswith(b"application/") and media.endswith(b"+json"))


class PrecheckLane:
    """Pure ASGI middleware (outermost): see the module docstring."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])  # ASGI names are lower-case; a repeated header: the last one
        if not _is_json(headers.get(b"content-type")):
            await self.app(scope, receive, send)
            return
        rid = new_request_id()
        scope.setdefault("state", {})["request_id"] = rid
        try:
            status, data = await self._answer(headers, receive, rid)
        except Exception as exc:  # noqa: BLE001 — last resort, as in WebGuard: log with the id, Chinese 500
            request = Request(scope)
            log_exception(rid, request, exc)
            await server_error_response(request, rid)(scope, receive, _with_headers(send, rid))
            return
        await _send(send, status, data, rid)

    @staticmethod
    async def _answer(headers: dict, receive, rid: str) -> tuple[int, bytes]:
        limit = views.body_limit()
        try:
            views.check_declared_length(headers.get(b"content-length", b"").decode("latin-1"), limit)
            body = await _read_body(receive, limit)
            key = headers.get(b"x-api-key")
            caller = await views.caller_of(None if key is None else key.decode("latin-1"))
            if not body:
                raise _Invalid([{"type": "missing", "loc": ("body",)}])
            try:
                request = PrecheckRequest.model_validate_json(body)
            except ValidationError as exc:
                raise _Invalid(exc.errors(include_url=False, include_context=False)) from None
            return 200, await views.answer(caller, request, rid)
        except FundguardError as exc:
            return exc.http_status, _dump(exc.to_dict())
        except _Invalid as exc:
            return 422, _dump(validation_error_body(exc.errors))


class _Invalid(Exception):
    def __init__(self, errors: list):
        self.errors = errors


async def _read_body(receive, limit: int) -> bytes:
    """The whole body; 413 as soon as it grows past ``limit`` (never buffered beyond it)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise views.too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _dump(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _with_headers(send, rid: str):
    async def wrapped(message):
        if message["type"] == "http.response.start":
            stamp_response_start(message, rid)
        await send(message)

    return wrapped


async def _send(send, status: int, data: bytes, rid: str) -> None:
    headers = [
        (b"content-type", _JSON),
        (b"content-length", str(len(data)).encode()),
        (b"x-request-id", rid.encode()),
        *_FIXED_HEADERS,
    ]
    if recycle_connection():
        headers.append(_CLOSE)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
