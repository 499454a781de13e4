"""HTTP routes of the auth domain: 登录/退出, 用户管理 (users and API keys), 审计日志 (audit log)."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select

from fundguard.auth import service
from fundguard.auth.models import AuditEvent, User
from fundguard.db import session_scope
from fundguard.errors import FundguardError, InputError
from fundguard.timeutil import TZ
from fundguard.web.security import (
    clear_session_cookie,
    current_user,
    new_login_csrf,
    request_id,
    require_roles,
    safe_next,
    set_login_csrf_cookie,
    set_session_cookie,
)
from fundguard.web.templating import Page, render

router = APIRouter()
AUDIT_PAGE_SIZE = 50


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _login_page(request: Request, next_url: str, error: str = "", username: str = "", status_code: int = 200):
    token = new_login_csrf()
    response = render(
        request,
        "auth/login.html",
        {"next": next_url, "error": error, "username": username, "login_csrf": token},
        status_code=status_code,
    )
    set_login_csrf_cookie(request, response, token)
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str = "/"):
    if request.scope.get("state", {}).get("user") is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, safe_next(next))


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
def login_submit(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
):
    target = safe_next(next)
    rid = request_id(request)
    with session_scope() as session:
        result = service.authenticate(
            session, username.strip(), password, request_id=rid, client=_client(request)
        )
        token = None
        if result.user is not None:
            token, _ = service.start_session(session, result.user, client=_client(request))
    if token is None:
        return _login_page(request, target, result.message_zh, username, status_code=401)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, token)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, user: User = Depends(current_user)):
    token = request.scope.get("state", {}).get("session_token")
    if token:
        with session_scope() as session:
            service.end_session(session, token, request_id=request_id(request))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get("/api/v1/me", summary="当前用户", tags=["用户"])
def me(user: User = Depends(current_user)) -> dict:
    """当前登录用户的角色与数据范围。"""
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_name": service.ROLES.get(user.role, user.role),
        "region": user.region,
        "fixmedins_code": user.fixmedins_code,
        "sees_identifiers": service.sees_identifiers(user),
    }


# --- 用户管理 -----------------------------------------------------------------------------------


def _users_page(
    request: Request, message: str = "", error: str = "", new_key: str = "", status_code: int = 200
):
    with session_scope() as session:
        users = service.list_users(session)
        keys = service.list_api_keys(session)
    return render(
        request,
        "auth/users.html",
        {"users": users, "keys": keys, "message": message, "error": error, "new_key": new_key},
        status_code=status_code,
        active="users",
    )


@router.get("/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, admin: User = Depends(require_roles("admin"))):
    return _users_page(request)


@router.post("/users", response_class=HTMLResponse, include_in_schema=False)
def users_create(
    request: Request,
    username: str = Form(...),
    role: str = Form(...),
    password: str = Form(...),
    region: str = Form(""),
    fixmedins_code: str = Form(""),
    display_name: str = Form(""),
    admin: User = Depends(require_roles("admin")),
):
    try:
        with session_scope() as session:
            service.create_user(
                session,
                username.strip(),
                password,
                role,
                region=region,
                fixmedins_code=fixmedins_code,
                display_name=display_name.strip(),
                actor=admin.username,
                request_id=request_id(request),
            )
    except FundguardError as exc:
        return _users_page(request, error=exc.message_zh, status_code=exc.http_status)
    return _users_page(request, message=f"已创建用户 {username}")


@router.post("/users/{username}/reset", response_class=HTMLResponse, include_in_schema=False)
def users_reset(
    request: Request, username: str, password: str = Form(...), admin: User = Depends(require_roles("admin"))
):
    try:
        with session_scope() as session:
            service.reset_password(
                session, username, password, actor=admin.username, request_id=request_id(request)
            )
    except FundguardError as exc:
        return _users_page(request, error=exc.message_zh, status_code=exc.http_status)
    return _users_page(request, message=f"已重置用户 {username} 的密码并解除锁定")


@router.post("/apikeys", response_class=HTMLResponse, include_in_schema=False)
def apikey_create(
    request: Request,
    fixmedins_code: str = Form(...),
    label: str = Form(""),
    admin: User = Depends(require_roles("admin")),
):
    try:
        with session_scope() as session:
            raw, _ = service.create_api_key(
                session,
                fixmedins_code,
                actor=admin.username,
                label=label.strip(),
                request_id=request_id(request),
            )
    except FundguardError as exc:
        return _users_page(request, error=exc.message_zh, status_code=exc.http_status)
    return _users_page(
        request, message=f"已为定点机构 {fixmedins_code} 签发接口密钥，仅显示一次", new_key=raw
    )


@router.post("/apikeys/{key_id}/revoke", response_class=HTMLResponse, include_in_schema=False)
def apikey_revoke(request: Request, key_id: int, admin: User = Depends(require_roles("admin"))):
    with session_scope() as session:
        service.revoke_api_key(session, key_id, actor=admin.username, request_id=request_id(request))
    return _users_page(request, message=f"已吊销接口密钥 {key_id}")


# --- 审计日志 -----------------------------------------------------------------------------------


def _parse_day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            "DATE_INVALID", f"参数 {field} 应为日期（YYYY-MM-DD）", "invalid date", field
        ) from None


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    request: Request,
    action: str = "",
    actor: str = "",
    date_from: str = "",
    date_to: str = "",
    page: int = Query(1, ge=1),
    admin: User = Depends(require_roles("admin")),
):
    start, end = _parse_day(date_from, "date_from"), _parse_day(date_to, "date_to")
    conditions = []
    if action:
        conditions.append(AuditEvent.action == action)
    if actor:
        conditions.append(AuditEvent.actor == actor)
    if start:
        conditions.append(AuditEvent.occurred_at >= datetime.combine(start, time.min, TZ))
    if end:
        conditions.append(AuditEvent.occurred_at < datetime.combine(end + timedelta(days=1), time.min, TZ))
    with session_scope() as session:
        total = session.execute(select(func.count()).select_from(AuditEvent).where(*conditions)).scalar_one()
        pg = Page.of(total, page, AUDIT_PAGE_SIZE)
        events = list(
            session.execute(
                select(AuditEvent)
                .where(*conditions)
                .order_by(AuditEvent.seq.desc())
                .offset(pg.offset)
                .limit(pg.size)
            ).scalars()
        )
        actions = [
            a for (a,) in session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
        ]
    filters = {"action": action, "actor": actor, "date_from": date_from, "date_to": date_to}
    return render(
        request,
        "auth/audit.html",
        {"events": events, "page": pg, "filters": filters, "actions": actions},
        active="audit",
    )


@router.post("/audit/verify", response_class=HTMLResponse, include_in_schema=False)
def audit_verify(request: Request, admin: User = Depends(require_roles("admin"))):
    """校验哈希链 (HTMX fragment): every registered chain, intact or with its breaks."""
    import importlib

    for module in ("fundguard.scoring.service",):
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(module)
    with session_scope() as session:
        results = service.verify_all(session)
    return render(request, "auth/_verify_result.html", {"results": results})
