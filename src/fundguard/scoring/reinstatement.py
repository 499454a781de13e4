"""Re-registration after termination (重新登记备案): no automatic reinstatement.

Allowed only on or after ``barred_until``; appends a ``reinstatement`` entry, after which the person
is active again and the year total starts from 0.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.errors import Conflict
from fundguard.scoring import ledger
from fundguard.scoring.models import PointsEntry
from fundguard.scoring.validation import check_not_future, require_text


def reinstate(
    session: Session, prac_psn_code: str, *, on: date, operator: str, fixmedins_code: str = ""
) -> PointsEntry:
    operator = require_text(operator, "operator", "经办人")
    check_not_future(on, "date", "登记日期")
    status = ledger.derived_status(session, prac_psn_code, on)
    if status.status != "terminated":
        raise Conflict(
            "NOT_TERMINATED",
            f"人员 {prac_psn_code} 未被终止资格，无需重新登记",
            f"{prac_psn_code} is not terminated",
        )
    if status.barred_until and on < status.barred_until:
        raise Conflict(
            "REREGISTRATION_BARRED",
            f"人员 {prac_psn_code} 在 {status.barred_until} 前不得再次登记备案",
            f"{prac_psn_code} may not re-register before {status.barred_until}",
        )
    entry = ledger.append(
        session,
        prac_psn_code=prac_psn_code,
        kind="reinstatement",
        points=0,
        decision_date=on,
        effective_date=on,
        operator=operator,
        fixmedins_code=fixmedins_code,
        facts="重新登记备案",
    )
    audit.record(
        session,
        operator,
        "points.reinstate",
        "points_entry",
        str(entry.seq),
        {"fixmedins_code": fixmedins_code},
    )
    return entry
