"""Roles and 医保区划 scope of credit records (see ``agreements.access`` for the rules).

An institution subject (定点医药机构) is in the region of the institution (master data); an
institution user sees only its own credit. A person subject (参保人, 医保支付资格人员) has no region
of its own: it is in scope when one of its events or list entries carries the user's region
(nationwide users see all). List entries carry their own ``admdvs``. Personal names and ID
numbers are masked unless ``auth.sees_identifiers``.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from fundguard.agreements.access import DECIDERS, STAFF, require_decider  # noqa: F401
from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.credit.models import CreditEvent, CreditListEntry
from fundguard.credit.service import SUBJECT_TYPES
from fundguard.errors import Forbidden, InputError, NotFound
from fundguard.inspections.directory import region_of


def check_subject(session: Session, user: User, subject_type: str, subject_id: str) -> None:
    if subject_type not in SUBJECT_TYPES:
        raise InputError("CREDIT_SUBJECT_TYPE", f"未知的信用主体类型 {subject_type}", "unknown subject type")
    if subject_type == "INSTITUTION":
        auth.check_access(user, subject_id, region_of(session, subject_id))
        return
    if user.role not in STAFF:
        raise Forbidden("ROLE_FORBIDDEN", "当前角色无权查看个人信用", f"role {user.role} may not see persons")
    if not user.region:
        return
    prefix = f"{user.region}%"
    in_scope = session.execute(
        select(
            or_(
                exists().where(
                    CreditEvent.subject_type == subject_type,
                    CreditEvent.subject_id == subject_id,
                    CreditEvent.admdvs.like(prefix),
                ),
                exists().where(
                    CreditListEntry.subject_type == subject_type,
                    CreditListEntry.subject_id == subject_id,
                    CreditListEntry.admdvs.like(prefix),
                ),
            )
        )
    ).scalar()
    if not in_scope:
        raise Forbidden("OUT_OF_SCOPE", "无权访问本辖区以外的数据", "subject is outside your region")


def entries_scope(user: User):
    """Condition on ``CreditListEntry``: institution users see entries about themselves only."""
    if user.role == "institution":
        return and_(
            CreditListEntry.subject_type == "INSTITUTION",
            auth.scope_filter(user, CreditListEntry.subject_id, None),
        )
    return auth.scope_filter(user, None, CreditListEntry.admdvs)


def entry(session: Session, user: User, entry_id: int) -> CreditListEntry:
    row = session.get(CreditListEntry, entry_id)
    if row is None:
        raise NotFound("CREDIT_LIST_NOT_FOUND", f"名单记录 {entry_id} 不存在", "list entry not found")
    if user.role == "institution":
        auth.check_access(user, row.subject_id if row.subject_type == "INSTITUTION" else None, row.admdvs)
    else:
        auth.check_access(user, None, row.admdvs)
    return row


def new_record_region(session: Session, user: User, subject_type: str, subject_id: str, admdvs: str) -> str:
    """The region of a new event or listing: the institution's, else the one given, else the user's."""
    if subject_type == "INSTITUTION":
        region = region_of(session, subject_id) or admdvs or ""
    else:
        region = admdvs or user.region or ""
    auth.check_access(user, None, region)
    return region
