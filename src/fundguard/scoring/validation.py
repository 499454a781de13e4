"""Input checks shared by every step: each failure is an ``InputError`` (code + 中文 + English)."""

from __future__ import annotations

from datetime import date

from fundguard.errors import InputError
from fundguard.profiles import Profile
from fundguard.scoring import catalogue
from fundguard.timeutil import today


def require_text(value: str | None, field: str, name_zh: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InputError("REQUIRED", f"{name_zh}不能为空", f"{field} is required", field=field)
    return text


def check_points(profile: Profile, points: object, field: str = "points") -> int:
    low, high = int(profile["scoring.min_points"]), int(profile["scoring.max_points"])
    try:
        if isinstance(points, bool) or isinstance(points, float) and not points.is_integer():
            raise ValueError
        value = int(points)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(
            "POINTS_NOT_INTEGER",
            f"记分分值 {points!r} 不是整数",
            f"points {points!r} is not an integer",
            field=field,
        ) from None
    if not low <= value <= high:
        raise InputError(
            "POINTS_OUT_OF_RANGE",
            f"记分分值 {value} 超出 {low}–{high} 分范围",
            f"points {value} outside {low}-{high}",
            field=field,
        )
    return value


def check_behaviour(profile: Profile, code: str | None, field: str = "behaviour_code") -> str:
    code = (code or "").strip()
    if code not in catalogue.catalogue(profile):
        raise InputError(
            "BEHAVIOUR_UNKNOWN",
            f"违规行为代码 {code!r} 不在违规行为目录中",
            f"behaviour code {code!r} is not in the behaviour catalogue",
            field=field,
        )
    return code


def check_band(profile: Profile, code: str, points: int, field: str = "points") -> None:
    low, high = catalogue.band(profile, code)
    if not low <= points <= high:
        raise InputError(
            "POINTS_BAND_MISMATCH",
            f"违规行为 {code} 的记分档次为 {low}–{high} 分，不能记 {points} 分",
            f"behaviour {code} scores {low}-{high} points, not {points}",
            field=field,
        )


def check_not_future(day: date, field: str, name_zh: str) -> date:
    if day > today():
        raise InputError(
            "DATE_IN_FUTURE", f"{name_zh} {day} 晚于今天", f"{field} {day} is in the future", field=field
        )
    return day


def check_months(profile: Profile, months: int | None) -> int | None:
    if months is None:
        return None
    low, high = int(profile["scoring.suspend_months_min"]), int(profile["scoring.suspend_months_max"])
    if not low <= int(months) <= high:
        raise InputError(
            "SUSPEND_MONTHS_OUT_OF_RANGE",
            f"暂停期限 {months} 个月超出 {low}–{high} 个月范围",
            f"suspension of {months} months outside {low}-{high}",
            field="suspend_months",
        )
    return int(months)


def parse_date(value: str | date, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(
            "DATE_INVALID",
            f"日期 {value!r} 不是 YYYY-MM-DD 格式",
            f"{field} {value!r} is not YYYY-MM-DD",
            field=field,
        ) from None
