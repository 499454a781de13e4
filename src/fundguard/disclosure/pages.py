"""Web pages of 信息公开: the public page ``/public/disclosure`` (no login: published entries whose
publication time has come, already desensitised on approval) and the staff page ``/disclosure``
(drafts, approval with desensitisation, publication, withdrawal) scoped by the publication's region.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from fundguard.agreements.access import DECIDERS, STAFF
from fundguard.auth.models import User
from fundguard.db import session_scope
from fundguard.disclosure import service as svc
from fundguard.disclosure import views as api
from fundguard.disclosure.models import Publication
from fundguard.disclosure.report import summary_pdf, summary_workbook
from fundguard.errors import Conflict, Forbidden, FundguardError, InputError
from fundguard.pdf import PDF_TYPE
from fundguard.timeutil import TZ, now, today
from fundguard.web.security import require_roles
from fundguard.web.templating import Page, render

router = APIRouter()
PAGE_SIZE = 20
READER = require_roles(*STAFF)
EVENTS = {"approve": "审核（脱敏）", "publish": "发布", "withdraw": "撤回"}
NEXT = {"DRAFT": "approve", "APPROVED": "publish", "PUBLISHED": "withdraw"}


@router.get("/public/disclosure", response_class=HTMLResponse, include_in_schema=False)
def public_page(request: Request, pub_type: str = "", page: int = Query(1, ge=1)):
    """信息公开 (public, no login)."""
    with session_scope() as session:
        items = svc.visible(session, now(), pub_type or None)
        items.sort(key=lambda p: (p.publish_at, p.id), reverse=True)
        pg = Page.of(len(items), page, PAGE_SIZE)
        rows = [
            {
                "id": p.id,
                "type_zh": svc.PUB_TYPES.get(p.pub_type, p.pub_type),
                "title": p.title,
                "content": p.content,
                "publish_at": p.publish_at,
            }
            for p in items[pg.offset : pg.offset + pg.size]
        ]
    return render(
        request,
        "public/disclosure.html",
        {"rows": rows, "page": pg, "pub_type": pub_type, "pub_types": svc.PUB_TYPES},
    )


def _manage(request: Request, user: User, status: str, page: int, error: str = "", status_code: int = 200):
    with session_scope() as session:
        query = select(Publication).where(api.manage_scope(user))
        if status:
            query = query.where(Publication.status == status)
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        pubs = session.scalars(query.order_by(Publication.id.desc()).offset(pg.offset).limit(pg.size)).all()
        rows = [
            {
                "id": p.id,
                "type_zh": svc.PUB_TYPES.get(p.pub_type, p.pub_type),
                "title": p.title,
                "content": p.content,
                "status": p.status,
                "status_zh": svc.STATUS_ZH.get(p.status, p.status),
                "publish_at": p.publish_at,
                "withdrawn_at": p.withdrawn_at,
                "withdrawal_reason": p.withdrawal_reason,
                "source": f"{p.source_type}:{p.source_id}" if p.source_type else "",
                "next": NEXT.get(p.status),
            }
            for p in pubs
        ]
    return render(
        request,
        "disclosure/index.html",
        {
            "rows": rows,
            "page": pg,
            "status": status,
            "statuses": svc.STATUS_ZH,
            "events": EVENTS,
            "may_decide": user.role in DECIDERS,
            "now": now().strftime("%Y-%m-%dT%H:%M"),
            "error": error,
        },
        status_code=status_code,
        active="disclosure",
    )


@router.get("/disclosure", response_class=HTMLResponse, include_in_schema=False)
def manage_page(request: Request, status: str = "", page: int = Query(1, ge=1), user: User = Depends(READER)):
    return _manage(request, user, status, page)


def _period(start: str, end: str) -> tuple[date, date]:
    try:
        last = date.fromisoformat(end) if end else today()
        first = date.fromisoformat(start) if start else last - timedelta(days=89)
    except ValueError:
        raise InputError("BAD_DATE", "日期格式应为 YYYY-MM-DD", "bad date", "start") from None
    if first > last:
        raise InputError("BAD_PERIOD", "起始日期不能晚于截止日期", "start after end", "start")
    return first, last


@router.get("/disclosure/report.xlsx", include_in_schema=False)
def report_xlsx(start: str = "", end: str = "", user: User = Depends(READER)):
    """定期公开汇总报告（Excel）：各类公开信息的发布数与明细。"""
    first, last = _period(start, end)
    buffer = io.BytesIO()
    with session_scope() as session:
        summary_workbook(session, first, last).save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="disclosure-{first}-{last}.xlsx"'},
    )


@router.get("/disclosure/report.pdf", include_in_schema=False)
def report_pdf(start: str = "", end: str = "", user: User = Depends(READER)):
    """定期公开汇总报告（PDF，中文字体嵌入）。"""
    first, last = _period(start, end)
    with session_scope() as session:
        data = summary_pdf(session, first, last)
    return Response(
        data,
        media_type=PDF_TYPE,
        headers={"Content-Disposition": f'attachment; filename="disclosure-{first}-{last}.pdf"'},
    )


def _when(value: str | None) -> datetime:
    if not value:
        return now()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError("BAD_DATETIME", f"时间格式不正确：{value}", "bad datetime", "at") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)


@router.post("/disclosure/{publication_id}/{event}", include_in_schema=False)
async def manage_action(request: Request, publication_id: int, event: str, user: User = Depends(READER)):
    form = await request.form()
    try:
        with session_scope() as session:
            api.scoped(session, user, publication_id)
            if user.role not in DECIDERS:
                raise Forbidden("ROLE_FORBIDDEN", "当前角色无权执行此操作", "not a decider")
            if event == "approve":
                svc.approve(session, publication_id, actor=user.username)
            elif event == "publish":
                svc.publish(session, publication_id, _when(form.get("at")), actor=user.username)
            elif event == "withdraw":
                svc.withdraw(session, publication_id, now(), form.get("reason") or "", actor=user.username)
            else:
                raise InputError("UNKNOWN_EVENT", f"未知操作 {event}", f"unknown event {event}", "event")
    except (Conflict, InputError) as exc:
        return _manage_error(request, user, exc)
    return RedirectResponse("/disclosure?saved=1", status_code=303)


def _manage_error(request: Request, user: User, exc: FundguardError):
    return _manage(request, user, "", 1, exc.message_zh, exc.http_status)
