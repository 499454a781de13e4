"""Emergency and rescue exception (急救、抢救除外) for services by suspended/terminated persons."""

from __future__ import annotations

import re
from collections.abc import Iterable

from fundguard.profiles import get_profile


def is_emergency_visit(med_type: str | None, dept_name: str | None, item_names: Iterable[str] | None) -> bool:
    """Emergency if the med_type is an emergency type, the department looks like 急诊, or a rescue item was billed."""
    profile = get_profile()
    if (med_type or "").strip() in {str(m) for m in profile["scoring.emergency_med_types"]}:
        return True
    if dept_name and re.search(profile["scoring.emergency_dept_pattern"], dept_name):
        return True
    pattern = re.compile(profile["scoring.rescue_item_pattern"])
    return any(name and pattern.search(name) for name in item_names or ())


def is_exempt(
    status: str, med_type: str | None, dept_name: str | None, item_names: Iterable[str] | None
) -> bool:
    """Whether a charge by a person with this status is still settled because the visit is an emergency."""
    profile = get_profile()
    allowed = {
        "suspended": bool(profile["scoring.emergency_exception_suspension"]),
        "terminated": bool(profile["scoring.emergency_exception_termination"]),
    }
    if status == "active":
        return True
    return allowed.get(status, False) and is_emergency_visit(med_type, dept_name, item_names)
