"""The working-day calendar for scoring deadlines: statutory holidays plus the administrators'
overrides (``calendar_admin``), falling back to the package calendar when that domain is absent."""

from __future__ import annotations

import importlib

from sqlalchemy.orm import Session

from fundguard.workdays import Calendar


def calendar(session: Session) -> Calendar:
    try:
        admin = importlib.import_module("fundguard.calendar_admin.service")
    except ModuleNotFoundError:
        return Calendar()
    return admin.calendar(session)
