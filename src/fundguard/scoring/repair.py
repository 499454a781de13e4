"""Repair (修复): a verified qualifying activity lowers the current year's points.

Each activity removes ``repair_points_per_activity`` points, at most ``repair_max_per_year`` per
natural year; the original entries stay in the file. An executed suspension stays unless
``repair_reverses_status`` is on (see ``status.py``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.errors import Conflict, InputError
from fundguard.profiles import get_profile
from fundguard.scoring import ledger
from fundguard.scoring.models import PointsEntry
from fundguard.scoring.validation import check_not_future, require_text

ACTIVITY_ZH = {
    "publicity": "参加医保政策宣传",
    "training": "参加医保培训",
    "flight_inspection": "参加飞行检查",
    "special_inspection": "参加专项检查",
}


def repaired_in_year(session: Session, prac_psn_code: str, year: int) -> int:
    reversed_seqs = set(
        session.execute(select(PointsEntry.target_seq).where(PointsEntry.kind == "reversal")).scalars()
    )
    rows = session.execute(
        select(PointsEntry).where(PointsEntry.prac_psn_code == prac_psn_code, PointsEntry.kind == "repair")
    ).scalars()
    return sum(-e.points for e in rows if e.effective_date.year == year and e.seq not in reversed_seqs)


def repair(
    session: Session, prac_psn_code: str, *, activity: str, on: date, operator: str, note: str = ""
) -> PointsEntry:
    profile = get_profile()
    operator = require_text(operator, "operator", "经办人")
    activities = [str(a) for a in profile["scoring.repair_activities"]]
    if activity not in activities:
        raise InputError(
            "REPAIR_ACTIVITY_UNKNOWN",
            f"修复活动 {activity!r} 不在可修复活动 {activities} 中",
            f"repair activity {activity!r} is not one of {activities}",
            field="activity",
        )
    check_not_future(on, "date", "修复日期")
    if not ledger.is_known_person(session, prac_psn_code):
        raise InputError(
            "PERSON_UNKNOWN", f"人员编码 {prac_psn_code} 没有记分档案", f"person {prac_psn_code} has no file"
        )
    year_points = ledger.derived_status(session, prac_psn_code, on).year_points
    if year_points <= 0:
        raise Conflict("NOTHING_TO_REPAIR", "本年度累计记分为 0，无需修复", "no points to repair this year")
    remaining = int(profile["scoring.repair_max_per_year"]) - repaired_in_year(
        session, prac_psn_code, on.year
    )
    if remaining <= 0:
        raise Conflict(
            "REPAIR_CAP_REACHED",
            f"本年度修复已达上限 {profile['scoring.repair_max_per_year']} 分",
            f"yearly repair cap of {profile['scoring.repair_max_per_year']} points reached",
        )
    amount = min(int(profile["scoring.repair_points_per_activity"]), remaining, year_points)
    entry = ledger.append(
        session,
        prac_psn_code=prac_psn_code,
        kind="repair",
        points=-amount,
        decision_date=on,
        effective_date=on,
        operator=operator,
        facts=f"{ACTIVITY_ZH.get(activity, activity)}{'：' + note if note else ''}",
        outcome=activity,
    )
    audit.record(session, operator, "points.repair", "points_entry", str(entry.seq), {"activity": activity})
    return entry
