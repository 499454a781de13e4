"""Sessions, CSRF and the request guard (会话、跨站请求伪造防护、登录拦截).

- The session cookie ``fg_session`` holds a random token signed with ``effective_secret_key``
  (itsdangerous); the store keeps only its SHA-256 with the expiry (``auth.session_hours``).
  HttpOnly, SameSite=Lax, Secure when ``auth.cookie_secure`` is set or the request came over HTTPS.
- CSRF: every non-GET request authenticated by the cookie must carry the session's token, as the
  form field ``csrf_token`` or the header ``X-CSRF-Token`` (HTMX sends it via ``hx-headers``).
  The login form uses a double-submit token in the signed cookie ``fg_login_csrf``.
- ``WebGuard`` (pure ASGI): request id, session lookup, redirect to ``/login`` (pages) or
  401 JSON (``/api/``), security headers, and the last-resort 500 page (never a stack trace).
"""

from __future__ import annotations

import hmac
import random
import secrets
from urllib.parse import quote

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Match

from fundguard.auth.models import User
from fundguard.auth.service import Unauthorized, require_role
from fundguard.errors import Forbidden
from fundguard.ids import random_id
from fundguard.profiles import get_profile
from fundguard.settings import get_settings

SESSION_COOKIE = "fg_session"
LOGIN_CSRF_COOKIE = "fg_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
API_KEY_HEADER = "x-api-key"
# The only API paths an institution system reaches with an API key instead of a session; their
# endpoints verify the key themselves. Every other API path needs a logged-in user.
API_KEY_PREFIXES = ("/api/v1/precheck",)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Paths that need no session. API paths that authenticate by API key (pre-check) are let
# through when the request carries an ``X-API-Key`` or ``Authorization: Bearer`` header:
# their endpoint must call ``fundguard.auth.service.verify_api_key``.
PUBLIC_PATHS = frozenset({"/login", "/openapi.json", "/docs", "/healthz", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
# Public pages and the public's API (举报, 信息公开): open to anyone without a session, by method and
# path, so that e.g. POST /api/v1/tips (submit a tip) is public while GET /api/v1/tips/{id} is not.
# A logged-in user's session is still loaded on these paths.
PUBLIC_PAGE_PREFIX = "/public"
PUBLIC_ROUTES = frozenset(
    {
        ("POST", "/api/v1/tips"),
        ("GET", "/api/v1/tips/progress"),
        ("GET", "/api/v1/disclosure/publications"),
    }
)

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().effective_secret_key, salt=salt)


def session_max_age() -> int:
    return int(get_profile()["auth.session_hours"]) * 3600


def sign_session_token(token: str) -> str:
    return _serializer("fundguard.session").dumps(token)


def unsign_session_token(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return _serializer("fundguard.session").loads(value, max_age=session_max_age())
    except BadSignature:
        return None


def cookie_secure(request: Request) -> bool:
    return bool(get_profile().get("auth.cookie_secure", False)) or request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        sign_session_token(token),
        max_age=session_max_age(),
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=cookie_secure(request)
    )


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def set_login_csrf_cookie(request: Request, response: Response, token: str) -> None:
    """The login form's double-submit token: the hidden field must equal this signed cookie."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        _serializer("fundguard.login-csrf").dumps(token),
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        path="/login",
    )


def _login_csrf_expected(request: Request) -> str | None:
    try:
        return _serializer("fundguard.login-csrf").loads(
            request.cookies.get(LOGIN_CSRF_COOKIE, ""), max_age=3600
        )
    except BadSignature:
        return None


_draws = random.Random()  # recycle_connection's coin


def new_request_id() -> str:
    return random_id()


def recycle_connection() -> bool:
    """Whether this answer asks the client to reconnect (``Connection: close``), with probability
    1 / ``keepalive_requests``.

    Uvicorn's workers share one listening socket and a keep-alive connection stays with the worker that
    accepted it; clients that open their connections together (a hospital gateway's pool) can land on
    one worker and leave the other idle (bench 2026-12-06: all 32 connections on one worker, p50 6 ms
    and p99 68 ms at 1,000 req/s instead of 2 and 8). A reconnect is accepted by a worker that is
    waiting for work, so recycling moves connections towards the idler worker. Random, not counted per
    connection: no per-connection state to keep or leak.
    """
    n = get_settings().keepalive_requests
    return n > 0 and (n == 1 or _draws.random() * n < 1.0)


def stamp_response_start(message: dict, rid: str) -> None:
    """The request id, the security headers (a security header the response set itself is kept) and,
    now and then, ``Connection: close`` (``recycle_connection``) on an ``http.response.start`` message."""
    headers = MutableHeaders(scope=message)
    headers["x-request-id"] = rid
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
    if "connection" not in headers and recycle_connection():
        headers["connection"] = "close"


def request_id(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "")


def optional_user(request: Request) -> User | None:
    return request.scope.get("state", {}).get("user")


def current_user(request: Request) -> User:
    user = optional_user(request)
    if user is None:
        raise Unauthorized("NOT_AUTHENTICATED", "未登录或会话已过期，请重新登录", "not logged in")
    return user


def require_roles(*roles: str):
    """Dependency: the current user, who must have one of ``roles``."""

    def dependency(user: User = Depends(current_user)) -> User:
        require_role(user, *roles)
        return user

    return dependency


def has_api_key(request: Request) -> bool:
    """An API-key request to a path that accepts API keys (and checks them itself)."""
    if not request.url.path.startswith(API_KEY_PREFIXES):
        return False
    auth = request.headers.get("authorization", "")
    return bool(request.headers.get(API_KEY_HEADER)) or auth.lower().startswith("bearer ")


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: reject a non-GET request without the right CSRF token (403)."""
    if request.method in SAFE_METHODS:
        return
    state = request.scope.get("state", {})
    if request.url.path == "/login":
        expected = _login_csrf_expected(request)
    elif state.get("user") is not None:
        expected = state.get("csrf_token")
    else:
        return  # API-key requests: no cookie, so nothing a foreign site could ride on
    supplied = request.headers.get(CSRF_HEADER)
    if not supplied:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            supplied = value if isinstance(value, str) else None
    if not expected or not supplied or not hmac.compare_digest(str(expected), str(supplied)):
        raise Forbidden(
            "CSRF_INVALID", "表单已失效或来源不明（CSRF 校验失败），请刷新页面后重试", "CSRF check failed"
        )


def is_api_path(path: str) -> bool:
    return path.startswith("/api/") or path == "/api"


def _is_public(path: str, method: str = "GET") -> bool:
    return (
        path in PUBLIC_PATHS
        or path.startswith(PUBLIC_PREFIXES)
        or path == PUBLIC_PAGE_PREFIX
        or path.startswith(PUBLIC_PAGE_PREFIX + "/")
        or (method, path) in PUBLIC_ROUTES
    )


def _load_session(token: str):
    from fundguard.auth.service import resolve_session
    from fundguard.db import session_scope

    with session_scope() as session:
        found = resolve_session(session, token)
        if found is None:
            return None
        row, user = found
        session.expunge(user)
        return user, row.csrf_token


class WebGuard:
    """Pure ASGI middleware wrapping the whole app (see module docstring)."""

    def __init__(self, app, fastapi_app=None):
        self.app = app
        self.fastapi_app = fastapi_app

    def _route_exists(self, scope) -> bool:
        if self.fastapi_app is None:
            return True
        for route in self.fastapi_app.router.routes:
            match, _ = route.matches(scope)
            if match != Match.NONE:
                return True
        return False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from fundguard.web.errors import log_exception, server_error_response

        rid = new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        started = False

        async def send_wrapper(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                stamp_response_start(message, rid)
            await send(message)

        request = Request(scope)
        try:
            path = scope["path"]
            token = (
                None
                if path.startswith(PUBLIC_PREFIXES)
                else unsign_session_token(request.cookies.get(SESSION_COOKIE))
            )
            loaded = await run_in_threadpool(_load_session, token) if token else None
            state["user"], state["csrf_token"] = loaded if loaded else (None, None)
            state["session_token"] = token if loaded else None
            if (
                loaded is None
                and not _is_public(path, scope["method"])
                and not (is_api_path(path) and has_api_key(request))
                and self._route_exists(scope)
            ):
                await self._deny(request)(scope, receive, send_wrapper)
                return
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 — last resort: log with the id, show a Chinese 500
            log_exception(rid, request, exc)
            if not started:
                await server_error_response(request, rid)(scope, receive, send_wrapper)

    @staticmethod
    def _deny(request: Request) -> Response:
        path = request.url.path
        if is_api_path(path):
            return JSONResponse(
                {"code": "NOT_AUTHENTICATED", "message": "未登录或会话已过期，请先登录"}, status_code=401
            )
        target = path + (f"?{request.url.query}" if request.url.query else "")
        # Come back to the page after login; never to a POST/HTMX endpoint.
        plain_get = request.method == "GET" and not request.headers.get("hx-request")
        location = f"/login?next={quote(target, safe='')}" if plain_get and path != "/" else "/login"
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)


def safe_next(value: str | None) -> str:
    """Only same-site relative targets after login (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
