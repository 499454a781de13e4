"""HTTP routes /api/v1/credit/…: scores explained, events, lists and the joint-punishment export."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from fundguard.credit import export, schemas
from fundguard.credit import service as svc
from fundguard.db import request_session
from fundguard.errors import InputError
from fundguard.timeutil import today

router = APIRouter(prefix="/api/v1/credit", tags=["credit 信用管理"])

LIST_EVENTS = {"approve": svc.approve_listing, "reject": svc.reject_listing, "publish": svc.publish_listing}


db = request_session  # per-request session dependency (fundguard.db)


@router.get(
    "/subjects/{subject_type}/{subject_id}", response_model=schemas.ScoreOut, summary="信用分、等级及逐项说明"
)
def score(subject_type: str, subject_id: str, on: date | None = None, session: Session = Depends(db)):
    result = svc.explain(session, subject_type, subject_id, on or today())
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


@router.post(
    "/subjects/{subject_type}/{subject_id}/events",
    response_model=schemas.EventOut,
    status_code=201,
    summary="记录信用事件",
)
def add_event(subject_type: str, subject_id: str, body: schemas.EventIn, session: Session = Depends(db)):
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
        actor="api",
    )


@router.post("/lists", response_model=schemas.ListingOut, status_code=201, summary="拟列入信用名单")
def propose(body: schemas.ListingIn, session: Session = Depends(db)):
    return svc.propose_listing(
        session,
        body.list_type,
        body.subject_type,
        body.subject_id,
        body.subject_name,
        body.reason,
        body.start_on,
        body.id_number,
        body.years,
        actor="api",
    )


@router.post("/lists/{entry_id}/{event}", response_model=schemas.ListingOut, summary="审批/公布名单记录")
def list_event(entry_id: int, event: str, session: Session = Depends(db)):
    if event not in LIST_EVENTS:
        raise InputError("UNKNOWN_EVENT", f"未知操作 {event}", f"unknown event {event}", "event")
    return LIST_EVENTS[event](session, entry_id, actor="api")


@router.get("/joint-punishment", summary="导出失信联合惩戒名单（csv 或 xlsx）")
def joint_punishment(
    fmt: str = "csv", on: date | None = None, masked: bool = False, session: Session = Depends(db)
):
    if fmt not in {"csv", "xlsx"}:
        raise InputError("EXPORT_FORMAT", "格式应为 csv 或 xlsx", "format must be csv or xlsx", "fmt")
    with tempfile.TemporaryDirectory() as tmp:
        path = export.export_joint_punishment(session, on or today(), Path(tmp) / f"list.{fmt}", masked)
        data = path.read_bytes()
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="joint-punishment.{fmt}"'},
    )
