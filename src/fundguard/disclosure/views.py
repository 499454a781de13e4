"""HTTP routes /api/v1/disclosure/…: publications (create, approve with desensitisation, publish, withdraw)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from fundguard.db import request_session
from fundguard.disclosure import schemas
from fundguard.disclosure import service as svc
from fundguard.timeutil import now

router = APIRouter(prefix="/api/v1/disclosure", tags=["disclosure 信息公开"])


db = request_session  # per-request session dependency (fundguard.db)


@router.post(
    "/publications", response_model=schemas.PublicationOut, status_code=201, summary="新建公开信息（草稿）"
)
def create(body: schemas.PublicationIn, session: Session = Depends(db)):
    return svc.create(
        session, body.pub_type, body.title, body.content, body.personal_names, body.channel, actor="api"
    )


@router.post(
    "/publications/{publication_id}/approve", response_model=schemas.PublicationOut, summary="审核并脱敏"
)
def approve(publication_id: int, session: Session = Depends(db)):
    return svc.approve(session, publication_id, actor="api")


@router.post("/publications/{publication_id}/publish", response_model=schemas.PublicationOut, summary="发布")
def publish(publication_id: int, body: schemas.PublishIn, session: Session = Depends(db)):
    return svc.publish(session, publication_id, body.publish_at, actor="api")


@router.post("/publications/{publication_id}/withdraw", response_model=schemas.PublicationOut, summary="撤回")
def withdraw(publication_id: int, body: schemas.WithdrawIn, session: Session = Depends(db)):
    return svc.withdraw(session, publication_id, body.at, body.reason, actor="api")


@router.get("/publications", response_model=list[schemas.PublicationOut], summary="公众可见的公开信息")
def visible(at: datetime | None = None, pub_type: str | None = None, session: Session = Depends(db)):
    return svc.visible(session, at or now(), pub_type)
