"""Working-day overrides (工作日历调整) edited by administrators, and the effective ``Calendar``.

``chinesecalendar`` lags the State Council's yearly holiday notice (国务院办公厅放假通知); an
override stored here wins over the package. Every deadline of the agreements, inspections and
credit domains is computed on ``calendar(session)``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.calendar_admin.models import CalendarOverride
from fundguard.errors import NotFound
from fundguard.timeutil import now
from fundguard.workdays import Calendar


def set_override(
    session: Session, day: date, is_workday: bool, reason: str = "", actor: str = "system"
) -> CalendarOverride:
    row = session.get(CalendarOverride, day)
    if row is None:
        row = CalendarOverride(day=day)
        session.add(row)
    row.is_workday = is_workday
    row.reason = reason
    row.updated_by = actor
    row.updated_at = now()
    session.flush()
    audit.record(
        session,
        actor,
        "calendar.override.set",
        "calendar_override",
        day.isoformat(),
        {"is_workday": is_workday, "reason": reason},
    )
    return row


def remove_override(session: Session, day: date, actor: str = "system") -> None:
    row = session.get(CalendarOverride, day)
    if row is None:
        raise NotFound("CALENDAR_OVERRIDE_NOT_FOUND", f"{day} 没有日历调整", f"no override on {day}")
    session.delete(row)
    session.flush()
    audit.record(session, actor, "calendar.override.remove", "calendar_override", day.isoformat())


def list_overrides(session: Session, year: int | None = None) -> list[CalendarOverride]:
    stmt = select(CalendarOverride).order_by(CalendarOverride.day)
    if year is not None:
        stmt = stmt.where(
            CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day <= date(year, 12, 31)
        )
    return list(session.scalars(stmt))


def calendar(session: Session) -> Calendar:
    """The working-day calendar with every stored override applied."""
    return Calendar({row.day: row.is_workday for row in session.scalars(select(CalendarOverride))})
