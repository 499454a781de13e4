"""Import of points decided elsewhere (外地/历史系统已作出的记分): the contract's ``points`` table.

Ingest calls ``append_external_points`` inside its own transaction. Each valid row becomes an
``external`` entry effective on its decision date; a person not yet in master data gets a file
(name 未知). Re-importing the same row (person, date, points, case_ref, admdvs) adds nothing.
Band checks are not applied: the deciding region's own points matrix governed the decision.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.errors import InputError
from fundguard.profiles import get_profile
from fundguard.scoring import ledger, periods
from fundguard.scoring.models import PointsEntry
from fundguard.scoring.validation import check_behaviour, check_not_future, check_points

Rejection = tuple[int, str, str, str, str]


def dedup_key(prac_psn_code: str, decision_date: date, points: int, case_ref: str, admdvs: str) -> str:
    text = "|".join([prac_psn_code, decision_date.isoformat(), str(points), case_ref, admdvs])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise InputError(
            "DATE_INVALID",
            f"日期 {value!r} 无法解析",
            f"date {value!r} is not YYYY-MM-DD",
            field="decision_date",
        ) from None


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN from pandas
        return ""
    return str(value).strip()


def append_external_points(session: Session, rows: list[dict], batch_id: str) -> list[Rejection]:
    """Append valid rows as external entries; return ``(line, column, code, 中文, English)`` rejections."""
    profile = get_profile()
    rejections: list[Rejection] = []
    touched: set[str] = set()
    for row in rows:
        line = int(row.get("_line") or 0)
        try:
            code = _text(row.get("prac_psn_code"))
            admdvs = _text(row.get("admdvs"))
            for name, value in (("prac_psn_code", code), ("admdvs", admdvs)):
                if not value:
                    raise InputError("REQUIRED", f"{name} 不能为空", f"{name} is required", field=name)
            points = check_points(profile, row.get("points"))
            decision_date = check_not_future(_as_date(row.get("decision_date")), "decision_date", "决定日期")
            behaviour = _text(row.get("behaviour_code"))
            if behaviour:
                check_behaviour(profile, behaviour)
        except InputError as exc:
            rejections.append((line, exc.field or "", exc.code, exc.message_zh, exc.message_en))
            continue
        case_ref = _text(row.get("case_ref"))
        key = dedup_key(code, decision_date, points, case_ref, admdvs)
        if session.execute(select(PointsEntry.id).where(PointsEntry.dedup_key == key)).first() is not None:
            continue
        ledger.append(
            session,
            prac_psn_code=code,
            kind="external",
            points=points,
            decision_date=decision_date,
            effective_date=decision_date,
            operator=f"ingest:{batch_id}",
            behaviour_code=behaviour,
            facts=_text(row.get("reason")),
            case_ref=case_ref,
            admdvs=admdvs,
            batch_id=batch_id,
            dedup_key=key,
            refresh=False,
        )
        touched.add(code)
    for code in sorted(touched):
        periods.refresh(session, code, ledger.pure_entries(session, code))
    return rejections
