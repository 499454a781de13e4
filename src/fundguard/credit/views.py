"""HTTP routes /api/v1/credit/…: scores explained, events, lists and the joint-punishment export.

Roles and scope (``credit.access``): deciders record events and decide listings in their region,
the leader reads, institution users read their own institution's credit. Personal names and ID
numbers are masked unless the role may see identifiers. Every export is audit-logged.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.credit import access, export, schemas
from fundguard.credit import service as svc
from fundguard.credit.models import CreditListEntry
from fundguard.db import request_session
from fundguard.disclosure.masking import mask_id_number, mask_name
from fundguard.errors import InputError
from fundguard.timeutil import today
from fundguard.web.security import request_id, require_roles

router = APIRouter(prefix="/api/v1/credit", tags=["credit 信用管理"])

LIST_EVENTS = {"approve": svc.approve_listing, "reject": svc.reject_listing, "publish": svc.publish_listing}

db = request_session  # per-request session dependency (fundguard.db)
READER = require_roles(*access.STAFF, "institution")
STAFF = require_roles(*access.STAFF)
DECIDER = require_roles(*access.DECIDERS)


def listing_out(user: User, entry: CreditListEntry) -> schemas.ListingOut:
    out = schemas.ListingOut.model_validate(entry)
    if entry.subject_type != "INSTITUTION" and not auth.sees_identifiers(user):
        out.subject_name = mask_name(entry.subject_name)
        out.id_number = mask_id_number(entry.id_number)
    return out


def score_out(session: Session, subject_type: str, subject_id: str, on: date) -> schemas.ScoreOut:
    result = svc.explain(session, subject_type, subject_id, on)
    return schemas.ScoreOut(
        subject_type=subject_type,
        subject_id=subject_id,
        on=result.on,
        start_score=result.start_score,
        score=result.score,
        grade=result.grade,
        inspection_multiplier=svc.inspection_multiplier(result.grade),
        lines=result.as_rows(),
    )


@router.get(
    "/subjects/{subject_type}/{subject_id}", response_model=schemas.ScoreOut, summary="信用分、等级及逐项说明"
)
def score(
    subject_type: str,
    subject_id: str,
    on: date | None = None,
    session: Session = Depends(db),
    user: User = Depends(READER),
):
    access.check_subject(session, user, subject_type, subject_id)
    return score_out(session, subject_type, subject_id, on or today())


@router.post(
    "/subjects/{subject_type}/{subject_id}/events",
    response_model=schemas.EventOut,
    status_code=201,
    summary="记录信用事件",
)
def add_event(
    subject_type: str,
    subject_id: str,
    body: schemas.EventIn,
    session: Session = Depends(db),
    user: User = Depends(DECIDER),
):
    if subject_type not in svc.SUBJECT_TYPES:
        raise InputError("CREDIT_SUBJECT_TYPE", f"未知的信用主体类型 {subject_type}", "unknown subject type")
    region = access.new_record_region(session, user, subject_type, subject_id, body.admdvs)
    return svc.add_event(
        session,
        subject_type,
        subject_id,
        body.event_type,
        body.occurred_on,
        body.explanation,
        body.points,
        body.source_type,
        body.source_id,
        expires_on=body.expires_on,
        actor=user.username,
        admdvs=region,
    )


@router.get(
    "/lists", response_model=list[schemas.ListingOut], summary="信用名单（本辖区；个人信息按权限脱敏）"
)
def lists(
    list_type: str | None = None,
    status: str | None = None,
    session: Session = Depends(db),
    user: User = Depends(READER),
):
    stmt = select(CreditListEntry).where(access.entries_scope(user))
    if list_type:
        stmt = stmt.where(CreditListEntry.list_type == list_type)
    if status:
        stmt = stmt.where(CreditListEntry.status == status)
    return [
        listing_out(user, e) for e in session.scalars(stmt.order_by(CreditListEntry.id.desc()).limit(1000))
    ]


@router.post("/lists", response_model=schemas.ListingOut, status_code=201, summary="拟列入信用名单")
def propose(body: schemas.ListingIn, session: Session = Depends(db), user: User = Depends(DECIDER)):
    region = access.new_record_region(session, user, body.subject_type, body.subject_id, body.admdvs)
    entry = svc.propose_listing(
        session,
        body.list_type,
        body.subject_type,
        body.subject_id,
        body.subject_name,
        body.reason,
        body.start_on,
        body.id_number,
        body.years,
        actor=user.username,
        admdvs=region,
    )
    return listing_out(user, entry)


@router.post("/lists/{entry_id}/{event}", response_model=schemas.ListingOut, summary="审批/公布名单记录")
def list_event(entry_id: int, event: str, session: Session = Depends(db), user: User = Depends(STAFF)):
    if event not in LIST_EVENTS:
        raise InputError("UNKNOWN_EVENT", f"未知操作 {event}", f"unknown event {event}", "event")
    access.entry(session, user, entry_id)
    access.require_decider(user)
    return listing_out(user, LIST_EVENTS[event](session, entry_id, actor=user.username))


def joint_punishment_file(
    session: Session, user: User, fmt: str, on: date, masked: bool, rid: str = ""
) -> tuple[bytes, str]:
    """The list in force in the user's scope; full identifiers only for roles that may see them
    (the list goes to partner departments), otherwise masked. Audit-logged."""
    if fmt not in {"csv", "xlsx"}:
        raise InputError("EXPORT_FORMAT", "格式应为 csv 或 xlsx", "format must be csv or xlsx", "fmt")
    masked = masked or not auth.sees_identifiers(user)
    with tempfile.TemporaryDirectory() as tmp:
        path = export.export_joint_punishment(
            session, on, Path(tmp) / f"list.{fmt}", masked, access.entries_scope(user)
        )
        data = path.read_bytes()
    auth.record(
        session,
        user.username,
        "credit.joint_punishment.export",
        "credit_list_entry",
        "",
        {"format": fmt, "on": on.isoformat(), "masked": masked},
        region=user.region,
        request_id=rid,
    )
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return data, media


@router.get("/joint-punishment", summary="导出失信联合惩戒名单（csv 或 xlsx）")
def joint_punishment(
    request: Request,
    fmt: str = "csv",
    on: date | None = None,
    masked: bool = True,
    session: Session = Depends(db),
    user: User = Depends(STAFF),
):
    data, media = joint_punishment_file(session, user, fmt, on or today(), masked, request_id(request))
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="joint-punishment.{fmt}"'},
    )
