"""Time in Asia/Shanghai (北京时间) everywhere: the contract's times are local times."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"


def now() -> datetime:
    return datetime.now(TZ)


def today() -> date:
    return now().date()


def localize(value: datetime) -> datetime:
    """Attach Asia/Shanghai to a naive local time, or convert an aware one."""
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=TZ)


def format_time(value: datetime) -> str:
    return localize(value).strftime(TIME_FORMAT)
