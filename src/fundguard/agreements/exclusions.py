"""不予受理 exclusion checks at intake (domain.md §2b E-5, E-6) and the reapply lock.

E-5: the applicant (matched by 统一社会信用代码 ``uscc``) had an agreement rescinded (解除) less
than ``agreement.exclusion_years`` ago, or longer ago while economic penalties are still unpaid.
E-6: a legal representative, principal or actual controller of the applicant (matched by name
and identity number) held one of those roles at an institution whose agreement was rescinded
less than ``exclusion_years`` ago (that institution found by its code or its ``uscc``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fundguard.agreements.models import Agreement, Application, EconomicPenalty, ResponsiblePerson
from fundguard.errors import Conflict
from fundguard.profiles import get_profile

ROLE_ZH = {"LEGAL_REP": "法定代表人", "PRINCIPAL": "主要负责人", "CONTROLLER": "实际控制人"}
OPEN_APPLICATION = {"NOT_SIGNED", "WAIVED", "PUBLISHED", "INITIAL_FAILED", "EVAL_FAILED"}


def exclusion_reasons(session: Session, uscc: str, persons: list[dict], on: date) -> list[str]:
    """Chinese reasons why an application must not be accepted (empty list = none)."""
    years = int(get_profile()["agreement.exclusion_years"])
    window_start = on - relativedelta(years=years)
    reasons: list[str] = []
    own = list(
        session.scalars(select(Agreement).where(Agreement.uscc == uscc, Agreement.status == "RESCINDED"))
    )
    for agr in own:
        if agr.rescinded_on and agr.rescinded_on > window_start:
            reasons.append(f"该机构服务协议于 {agr.rescinded_on.isoformat()} 被解除，未满{years}年（E-5）")
    if own:
        unpaid = session.scalars(
            select(EconomicPenalty).where(EconomicPenalty.uscc == uscc, EconomicPenalty.paid_on.is_(None))
        ).all()
        if unpaid:
            total = sum((p.amount for p in unpaid), Decimal("0.00"))
            reasons.append(f"该机构协议曾被解除，医保部门作出的经济处罚 {total} 元尚未缴清（E-5）")
    recent = session.scalars(
        select(Agreement).where(Agreement.status == "RESCINDED", Agreement.rescinded_on > window_start)
    ).all()
    for agr in recent:
        conditions = [ResponsiblePerson.fixmedins_code == agr.fixmedins_code]
        if agr.uscc:
            conditions.append(ResponsiblePerson.uscc == agr.uscc)
        former = session.scalars(select(ResponsiblePerson).where(or_(*conditions))).all()
        for p in persons:
            for f in former:
                if p.get("certno") == f.certno and p.get("name") == f.name:
                    reasons.append(
                        f"{ROLE_ZH.get(p.get('role', ''), '相关人员')} {p['name']} 曾任 {agr.fixmedins_code} 的"
                        f"{ROLE_ZH.get(f.role, f.role)}，该机构协议于 {agr.rescinded_on.isoformat()} 被解除，未满{years}年（E-6）"
                    )
    return list(dict.fromkeys(reasons))


def check_can_apply(session: Session, uscc: str, persons: list[dict], on: date) -> None:
    """Refuse (``Conflict``) an excluded applicant, one under reapply lock, or a duplicate."""
    reasons = exclusion_reasons(session, uscc, persons, on)
    if reasons:
        raise Conflict("APPLICATION_EXCLUDED", "不予受理：" + "；".join(reasons), "application excluded")
    previous = session.scalars(select(Application).where(Application.uscc == uscc)).all()
    for app in previous:
        if app.status not in OPEN_APPLICATION:
            raise Conflict(
                "APPLICATION_OPEN", f"该机构已有在办申请（编号 {app.id}）", "an application is open"
            )
        if app.reapply_allowed_on and on < app.reapply_allowed_on:
            raise Conflict(
                "REAPPLY_LOCKED",
                f"评估不合格，{app.reapply_allowed_on.isoformat()} 起方可再次申请",
                f"reapply not before {app.reapply_allowed_on}",
            )
