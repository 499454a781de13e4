"""Publications (信息公开): DRAFT 草稿 → APPROVED 已审核 → PUBLISHED 已发布 → WITHDRAWN 已撤回.

Approval desensitises the content (``masking.mask_text``: identity numbers and the personal names
listed on the publication); a publication is visible from ``publish_at``. Types: NEW_INSTITUTIONS
新增定点机构, RESCINDED_INSTITUTIONS 解除协议机构, RANDOM_INSPECTION_RESULTS 双随机抽查结果,
CREDIT_LIST 信用名单, TYPICAL_CASE 典型案例曝光, FUND_STATUS 基金收支, OTHER 其他.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.disclosure.masking import mask_text
from fundguard.disclosure.models import Publication
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.timeutil import localize

PUB_TYPES = {
    "NEW_INSTITUTIONS": "新增定点医药机构",
    "RESCINDED_INSTITUTIONS": "解除服务协议机构",
    "RANDOM_INSPECTION_RESULTS": "双随机抽查结果",
    "CREDIT_LIST": "信用名单",
    "TYPICAL_CASE": "典型案例曝光",
    "FUND_STATUS": "基金收支情况",
    "OTHER": "其他",
}
STATUS_ZH = {"DRAFT": "草稿", "APPROVED": "已审核", "PUBLISHED": "已发布", "WITHDRAWN": "已撤回"}
TRANSITIONS = {
    "approve": (frozenset({"DRAFT"}), "APPROVED"),
    "publish": (frozenset({"APPROVED"}), "PUBLISHED"),
    "withdraw": (frozenset({"PUBLISHED"}), "WITHDRAWN"),
}


def get(session: Session, publication_id: int) -> Publication:
    pub = session.get(Publication, publication_id)
    if pub is None:
        raise NotFound("PUBLICATION_NOT_FOUND", f"公开信息 {publication_id} 不存在", "publication not found")
    return pub


def _move(
    session: Session, pub: Publication, event: str, actor: str, detail: dict | None = None
) -> Publication:
    allowed, target = TRANSITIONS[event]
    if pub.status not in allowed:
        raise Conflict(
            "ILLEGAL_TRANSITION",
            f"公开信息处于“{STATUS_ZH[pub.status]}”状态，不能转为“{STATUS_ZH[target]}”",
            f"cannot {event} a publication in {pub.status}",
        )
    before, pub.status = pub.status, target
    session.flush()
    audit.record(
        session,
        actor,
        f"disclosure.{event}",
        "disclosure_publication",
        str(pub.id),
        {"from": before, "to": target, **(detail or {})},
    )
    return pub


def create(
    session: Session,
    pub_type: str,
    title: str,
    content: str,
    personal_names: list[str] | None = None,
    channel: str = "WEBSITE",
    source_type: str = "",
    source_id: str = "",
    actor: str = "system",
    admdvs: str = "",
) -> Publication:
    """A draft; ``admdvs`` is the publishing agency's 医保区划 (scopes who may approve it)."""
    if pub_type not in PUB_TYPES:
        raise InputError(
            "PUBLICATION_TYPE", f"未知公开类型 {pub_type}", f"unknown type {pub_type}", "pub_type"
        )
    pub = Publication(
        pub_type=pub_type,
        title=title,
        content=content,
        personal_names=list(personal_names or []),
        channel=channel,
        source_type=source_type,
        source_id=str(source_id),
        admdvs=admdvs or "",
        status="DRAFT",
        created_by=actor,
    )
    session.add(pub)
    session.flush()
    audit.record(
        session, actor, "disclosure.create", "disclosure_publication", str(pub.id), {"type": pub_type}
    )
    return pub


def approve(session: Session, publication_id: int, actor: str = "system") -> Publication:
    """审核: desensitise title and content, then approve."""
    pub = get(session, publication_id)
    _move(session, pub, "approve", actor)
    pub.title = mask_text(pub.title, pub.personal_names)
    pub.content = mask_text(pub.content, pub.personal_names)
    pub.approved_by = actor
    session.flush()
    return pub


def publish(
    session: Session, publication_id: int, publish_at: datetime, actor: str = "system"
) -> Publication:
    pub = _move(
        session, get(session, publication_id), "publish", actor, {"publish_at": publish_at.isoformat()}
    )
    pub.publish_at = localize(publish_at)
    session.flush()
    return pub


def withdraw(
    session: Session, publication_id: int, at: datetime, reason: str, actor: str = "system"
) -> Publication:
    if not reason.strip():
        raise InputError("WITHDRAWAL_REASON", "撤回须说明理由", "a withdrawal needs a reason", "reason")
    pub = _move(session, get(session, publication_id), "withdraw", actor, {"reason": reason})
    pub.withdrawn_at, pub.withdrawal_reason = localize(at), reason
    session.flush()
    return pub


def visible(session: Session, at: datetime, pub_type: str | None = None) -> list[Publication]:
    """Publications the public sees at ``at``."""
    stmt = select(Publication).where(Publication.status == "PUBLISHED")
    if pub_type:
        stmt = stmt.where(Publication.pub_type == pub_type)
    at = localize(at)
    return [
        p
        for p in session.scalars(stmt.order_by(Publication.id))
        if p.publish_at and localize(p.publish_at) <= at
    ]
