"""HTTP routes /api/v1/calendar/overrides: list (any logged-in user: deadlines depend on it), set and
remove (system administrators only) working-day overrides."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from fundguard.auth.models import User
from fundguard.calendar_admin import service
from fundguard.calendar_admin.schemas import OverrideIn, OverrideOut
from fundguard.db import request_session
from fundguard.web.security import current_user, require_roles

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar 工作日历"])

db = request_session  # per-request session dependency (fundguard.db)
ADMIN = require_roles("admin")


@router.get("/overrides", response_model=list[OverrideOut], summary="日历调整列表")
def list_overrides(
    year: int | None = None, session: Session = Depends(db), user: User = Depends(current_user)
):
    return service.list_overrides(session, year)


@router.put("/overrides", response_model=OverrideOut, summary="设置某日为工作日或节假日（仅系统管理员）")
def put_override(body: OverrideIn, session: Session = Depends(db), user: User = Depends(ADMIN)):
    return service.set_override(session, body.day, body.is_workday, body.reason, actor=user.username)


@router.delete("/overrides/{day}", status_code=204, summary="删除日历调整（仅系统管理员）")
def delete_override(day: date, session: Session = Depends(db), user: User = Depends(ADMIN)) -> None:
    service.remove_override(session, day, actor=user.username)
