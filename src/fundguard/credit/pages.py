"""Web pages of 信用管理: institution credit grades (score, grade and the supervision multiplier of
differentiated supervision), the score of one subject explained event by event, the credit lists
(守信激励 / 失信惩戒 / 欺诈骗保黑名单) with personal names and ID numbers masked unless the role may
see them, list decisions, and the joint-punishment list export (Excel, always masked: domain.md
§4.10; the JSON API gives full identifiers to authorised roles for partner departments).
"""

from __future__ import annotations

import io
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session

from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.credit import access
from fundguard.credit import service as svc
from fundguard.credit import views as api
from fundguard.credit.models import CreditEvent, CreditListEntry
from fundguard.db import session_scope
from fundguard.disclosure.masking import mask_id_number, mask_name
from fundguard.errors import Conflict, FundguardError
from fundguard.inspections.directory import region_expr
from fundguard.masterdata.models import Institution
from fundguard.profiles import get_profile
from fundguard.timeutil import today
from fundguard.web.security import request_id, require_roles
from fundguard.web.templating import Page, render

router = APIRouter()
PAGE_SIZE = 50
STAFF = require_roles(*access.STAFF)
ANY = require_roles(*access.STAFF, "institution")
EVENT_ZH = {
    "AGREEMENT_SUSPENDED": "暂停服务协议",
    "AGREEMENT_RESCINDED": "解除服务协议",
    "ANNUAL_ASSESSMENT": "年度综合考核",
    "INSPECTION_PROBLEM": "检查发现问题",
    "SELF_CHECK_OVERDUE": "自查报告逾期",
    "INSURED_FRAUD": "欺诈骗保",
    "PENALTY": "行政处罚",
    "FRAUD": "欺诈骗保",
    "MEASURE_INTERVIEW": "约谈",
    "MEASURE_RECTIFY": "限期整改",
}
LIST_ACTIONS = {
    "PROPOSED": [("approve", "批准列入"), ("reject", "不予列入")],
    "APPROVED": [("publish", "公布")],
}


def _institution_scores(session: Session, user: User, grade: str, page: int):
    """Institutions in scope (master data and credit subjects) with score and grade, one query."""
    on = today()
    start = int(get_profile()["credit.start_score"])
    codes = union(
        select(Institution.fixmedins_code.label("code")),
        select(CreditEvent.subject_id.label("code")).where(CreditEvent.subject_type == "INSTITUTION"),
    ).subquery()
    counted = (
        select(CreditEvent.subject_id, func.sum(CreditEvent.points).label("points"), func.count().label("n"))
        .where(
            CreditEvent.subject_type == "INSTITUTION",
            CreditEvent.revoked.is_(False),
            CreditEvent.occurred_on <= on,
            or_(CreditEvent.expires_on.is_(None), CreditEvent.expires_on > on),
        )
        .group_by(CreditEvent.subject_id)
        .subquery()
    )
    query = (
        select(
            codes.c.code, Institution.fixmedins_name, region_expr(codes.c.code), counted.c.points, counted.c.n
        )
        .select_from(codes)
        .outerjoin(Institution, Institution.fixmedins_code == codes.c.code)
        .outerjoin(counted, counted.c.subject_id == codes.c.code)
        .where(auth.scope_filter(user, codes.c.code, region_expr(codes.c.code)))
        .order_by(func.coalesce(counted.c.points, 0), codes.c.code)
    )
    rows = []
    for code, name, admdvs, points, n in session.execute(query):
        score = start + int(points or 0)
        g = svc.grade_for(score)
        if grade and g != grade:
            continue
        rows.append(
            {
                "code": code,
                "name": name or "",
                "admdvs": admdvs or "",
                "score": score,
                "grade": g,
                "events": int(n or 0),
                "multiplier": svc.inspection_multiplier(g),
            }
        )
    pg = Page.of(len(rows), page, PAGE_SIZE)
    return rows[pg.offset : pg.offset + pg.size], pg, on


@router.get("/credit", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request, grade: str = "", page: int = Query(1, ge=1), user: User = Depends(ANY)):
    if user.role == "institution":
        return RedirectResponse(f"/credit/institutions/{user.fixmedins_code}", status_code=303)
    with session_scope() as session:
        rows, pg, on = _institution_scores(session, user, grade, page)
    grades = get_profile()["credit.grades"]
    return render(
        request,
        "credit/index.html",
        {"rows": rows, "page": pg, "on": on, "grade": grade, "grades": grades, "tab": "institutions"},
        active="credit",
    )


def _subject_page(request: Request, user: User, subject_type: str, subject_id: str):
    on = today()
    with session_scope() as session:
        access.check_subject(session, user, subject_type, subject_id)
        result = svc.explain(session, subject_type, subject_id, on)
        entries = session.scalars(
            select(CreditListEntry)
            .where(CreditListEntry.subject_type == subject_type, CreditListEntry.subject_id == subject_id)
            .order_by(CreditListEntry.id)
        ).all()
        name = ""
        if subject_type == "INSTITUTION":
            inst = session.get(Institution, subject_id)
            name = inst.fixmedins_name if inst else ""
        masked = not auth.sees_identifiers(user)
        listed = [_entry_view(e, masked) for e in entries]
        if subject_type != "INSTITUTION" and entries:
            name = listed[0]["subject_name"]
    lines = [
        {**ln, "event_zh": EVENT_ZH.get(ln["event_type"], ln["event_type"])}
        for ln in reversed(result.as_rows())
    ]
    return render(
        request,
        "credit/subject.html",
        {
            "r": result,
            "lines": lines,
            "subject_type_zh": svc.SUBJECT_TYPES[subject_type],
            "name": name,
            "multiplier": svc.inspection_multiplier(result.grade),
            "entries": listed,
            "blacklisted": any(e["list_type"] == "BLACKLIST" and e["in_force"] for e in listed),
            "grades": get_profile()["credit.grades"],
        },
        active="credit",
    )


@router.get("/credit/institutions/{fixmedins_code}", response_class=HTMLResponse, include_in_schema=False)
def institution_page(request: Request, fixmedins_code: str, user: User = Depends(ANY)):
    return _subject_page(request, user, "INSTITUTION", fixmedins_code)


@router.get(
    "/credit/subjects/{subject_type}/{subject_id}", response_class=HTMLResponse, include_in_schema=False
)
def subject_page(request: Request, subject_type: str, subject_id: str, user: User = Depends(ANY)):
    return _subject_page(request, user, subject_type, subject_id)


@router.get("/credit/insured", include_in_schema=False)
def insured_lookup(psn_no: str = "", user: User = Depends(STAFF)):
    from urllib.parse import quote

    psn_no = psn_no.strip()
    if not psn_no:
        return RedirectResponse("/credit/lists?subject_type=INSURED", status_code=303)
    return RedirectResponse(f"/credit/subjects/INSURED/{quote(psn_no, safe='')}", status_code=303)


def _entry_view(e: CreditListEntry, masked: bool, on: date | None = None) -> dict:
    on = on or today()
    personal = e.subject_type != "INSTITUTION"
    in_force = (
        e.status in svc.IN_FORCE
        and e.start_on <= on
        and (e.list_type == "BLACKLIST" or e.end_on is None or on < e.end_on)
    )
    return {
        "id": e.id,
        "list_type": e.list_type,
        "list_zh": svc.LIST_TYPES.get(e.list_type, e.list_type),
        "subject_type": e.subject_type,
        "subject_type_zh": svc.SUBJECT_TYPES.get(e.subject_type, e.subject_type),
        "subject_id": e.subject_id,
        "subject_name": mask_name(e.subject_name) if masked and personal else e.subject_name,
        "id_number": mask_id_number(e.id_number) if masked and personal else e.id_number,
        "admdvs": e.admdvs,
        "reason": e.reason,
        "start_on": e.start_on,
        "end_on": e.end_on,
        "status": e.status,
        "status_zh": svc.STATUS_ZH.get(e.status, e.status),
        "in_force": in_force,
    }


@router.get("/credit/lists", response_class=HTMLResponse, include_in_schema=False)
def lists_page(
    request: Request,
    list_type: str = "",
    subject_type: str = "",
    page: int = Query(1, ge=1),
    user: User = Depends(STAFF),
):
    return _lists(request, user, list_type, subject_type, page)


def _lists(request, user, list_type, subject_type, page, error: str = "", status_code: int = 200):
    masked = not auth.sees_identifiers(user)
    with session_scope() as session:
        query = select(CreditListEntry).where(access.entries_scope(user))
        if list_type:
            query = query.where(CreditListEntry.list_type == list_type)
        if subject_type:
            query = query.where(CreditListEntry.subject_type == subject_type)
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        entries = session.scalars(
            query.order_by(CreditListEntry.id.desc()).offset(pg.offset).limit(pg.size)
        ).all()
        rows = [{**_entry_view(e, masked), "actions": LIST_ACTIONS.get(e.status, [])} for e in entries]
    return render(
        request,
        "credit/lists.html",
        {
            "rows": rows,
            "page": pg,
            "list_type": list_type,
            "subject_type": subject_type,
            "list_types": svc.LIST_TYPES,
            "subject_types": svc.SUBJECT_TYPES,
            "masked": masked,
            "may_decide": user.role in access.DECIDERS,
            "error": error,
            "tab": "lists",
        },
        status_code=status_code,
        active="credit",
    )


@router.post("/credit/lists/{entry_id}/{event}", include_in_schema=False)
def list_action(request: Request, entry_id: int, event: str, user: User = Depends(STAFF)):
    try:
        with session_scope() as session:
            access.entry(session, user, entry_id)
            access.require_decider(user)
            if event not in api.LIST_EVENTS:
                raise Conflict("UNKNOWN_EVENT", f"未知操作 {event}", f"unknown event {event}")
            api.LIST_EVENTS[event](session, entry_id, actor=user.username)
    except Conflict as exc:
        return _lists_error(request, user, exc)
    return RedirectResponse("/credit/lists?saved=1", status_code=303)


def _lists_error(request: Request, user: User, exc: FundguardError):
    return _lists(request, user, "", "", 1, exc.message_zh, exc.http_status)


@router.get("/credit/joint-punishment.xlsx", include_in_schema=False)
def joint_punishment_export(request: Request, user: User = Depends(STAFF)):
    """失信联合惩戒名单（Excel），本辖区，个人信息一律脱敏；导出写入审计日志。"""
    with session_scope() as session:
        data, media = api.joint_punishment_file(session, user, "xlsx", today(), True, request_id(request))
    name = f"joint-punishment-{today().isoformat()}.xlsx"
    return StreamingResponse(
        io.BytesIO(data), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
