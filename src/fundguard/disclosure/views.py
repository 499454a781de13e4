"""HTTP routes /api/v1/disclosure/…: publications (create, approve with desensitisation, publish, withdraw).

``GET /api/v1/disclosure/publications`` is public (``web.security.PUBLIC_ROUTES``): anyone sees the
published entries whose publication time has come; ``at`` may look back, never ahead (an entry
scheduled for later is not public yet). Managing publications is for deciders of the
publication's region (``Publication.admdvs``); the leader reads.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.agreements.access import DECIDERS, STAFF
from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.db import request_session
from fundguard.disclosure import schemas
from fundguard.disclosure import service as svc
from fundguard.disclosure.models import Publication
from fundguard.timeutil import localize, now
from fundguard.web.security import require_roles

router = APIRouter(prefix="/api/v1/disclosure", tags=["disclosure 信息公开"])

db = request_session  # per-request session dependency (fundguard.db)
DECIDER = require_roles(*DECIDERS)
READER = require_roles(*STAFF)


def scoped(session: Session, user: User, publication_id: int) -> Publication:
    pub = svc.get(session, publication_id)
    auth.check_access(user, None, pub.admdvs)
    return pub


def manage_scope(user: User):
    return auth.scope_filter(user, None, Publication.admdvs)


def public_at(at: datetime | None) -> datetime:
    """The moment the public looks at: now, or an earlier moment asked for (never a later one)."""
    current = now()
    return current if at is None or localize(at) > current else at


@router.post(
    "/publications", response_model=schemas.PublicationOut, status_code=201, summary="新建公开信息（草稿）"
)
def create(body: schemas.PublicationIn, session: Session = Depends(db), user: User = Depends(DECIDER)):
    return svc.create(
        session,
        body.pub_type,
        body.title,
        body.content,
        body.personal_names,
        body.channel,
        actor=user.username,
        admdvs=user.region or "",
    )


@router.post(
    "/publications/{publication_id}/approve", response_model=schemas.PublicationOut, summary="审核并脱敏"
)
def approve(publication_id: int, session: Session = Depends(db), user: User = Depends(DECIDER)):
    scoped(session, user, publication_id)
    return svc.approve(session, publication_id, actor=user.username)


@router.post("/publications/{publication_id}/publish", response_model=schemas.PublicationOut, summary="发布")
def publish(
    publication_id: int,
    body: schemas.PublishIn,
    session: Session = Depends(db),
    user: User = Depends(DECIDER),
):
    scoped(session, user, publication_id)
    return svc.publish(session, publication_id, body.publish_at, actor=user.username)


@router.post("/publications/{publication_id}/withdraw", response_model=schemas.PublicationOut, summary="撤回")
def withdraw(
    publication_id: int,
    body: schemas.WithdrawIn,
    session: Session = Depends(db),
    user: User = Depends(DECIDER),
):
    scoped(session, user, publication_id)
    return svc.withdraw(session, publication_id, body.at, body.reason, actor=user.username)


@router.get(
    "/publications", response_model=list[schemas.PublicationOut], summary="公众可见的公开信息（无需登录）"
)
def visible(at: datetime | None = None, pub_type: str | None = None, session: Session = Depends(db)):
    return svc.visible(session, public_at(at), pub_type)


@router.get("/manage", response_model=list[schemas.PublicationOut], summary="本辖区全部公开信息（含草稿）")
def manage(status: str | None = None, session: Session = Depends(db), user: User = Depends(READER)):
    stmt = select(Publication).where(manage_scope(user))
    if status:
        stmt = stmt.where(Publication.status == status)
    return list(session.scalars(stmt.order_by(Publication.id.desc()).limit(1000)))
