"""监管状态 supervision status of an institution, responsible persons, economic penalties and
信息变更 information changes.

While an institution is under investigation (被调查处理期间) a change of its registered
information is refused (``Conflict``) and it may not terminate its agreement. A change of name,
legal representative/principal or address (三项之一) requires re-evaluation of the agreement.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.agreements.models import ChangeRequest, EconomicPenalty, InstitutionStatus, ResponsiblePerson
from fundguard.auth import service as audit
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.profiles import get_profile
from fundguard.timeutil import now

RE_EVALUATION_FIELDS = {"name": "名称", "legal_representative": "法定代表人/主要负责人", "address": "地址"}
CHANGE_FIELDS = {
    **RE_EVALUATION_FIELDS,
    "beds": "床位数",
    "service_scope": "服务范围",
    "contact": "联系方式",
    "other": "其他",
}
ROLES = {"LEGAL_REP", "PRINCIPAL", "CONTROLLER"}


def set_under_investigation(session: Session, fixmedins_code: str, flag: bool, actor: str = "system") -> None:
    row = session.get(InstitutionStatus, fixmedins_code)
    if row is None:
        row = InstitutionStatus(fixmedins_code=fixmedins_code)
        session.add(row)
    row.under_investigation = flag
    row.changed_at = now()
    session.flush()
    audit.record(
        session,
        actor,
        "agreement.institution.investigation",
        "institution",
        fixmedins_code,
        {"under_investigation": flag},
    )


def is_under_investigation(session: Session, fixmedins_code: str) -> bool:
    row = session.get(InstitutionStatus, fixmedins_code)
    return bool(row and row.under_investigation)


def request_change(
    session: Session,
    fixmedins_code: str,
    field: str,
    new_value: str,
    changed_on: date,
    on: date,
    actor: str = "system",
) -> ChangeRequest:
    """Record a change of registered information; refused while under investigation."""
    if field not in CHANGE_FIELDS:
        raise InputError("CHANGE_FIELD", f"未知变更事项 {field}", f"unknown field {field}", "field")
    if is_under_investigation(session, fixmedins_code):
        raise Conflict(
            "UNDER_INVESTIGATION",
            "机构正在接受调查处理，信息变更暂缓办理，待案件办结后再办理",
            "institution under investigation",
        )
    late = on > changed_on + timedelta(days=int(get_profile()["agreement.change_report_within_days"]))
    row = ChangeRequest(
        fixmedins_code=fixmedins_code,
        field=field,
        new_value=new_value,
        changed_on=changed_on,
        requested_on=on,
        needs_re_evaluation=field in RE_EVALUATION_FIELDS,
        late=late,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "agreement.change.request",
        "agr_change_request",
        str(row.id),
        {"fixmedins_code": fixmedins_code, "field": field, "late": late},
    )
    return row


def register_person(
    session: Session,
    fixmedins_code: str,
    role: str,
    name: str,
    certno: str,
    uscc: str = "",
    actor: str = "system",
) -> ResponsiblePerson:
    """Register a legal representative / principal / actual controller (matched for E-6)."""
    if role not in ROLES:
        raise InputError("PERSON_ROLE", f"未知人员角色 {role}", f"unknown role {role}", "role")
    row = ResponsiblePerson(fixmedins_code=fixmedins_code, uscc=uscc, role=role, name=name, certno=certno)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "agreement.person.register",
        "agr_responsible_person",
        str(row.id),
        {"fixmedins_code": fixmedins_code, "role": role},
    )
    return row


def record_penalty(
    session: Session,
    fixmedins_code: str,
    amount: Decimal,
    imposed_on: date,
    uscc: str = "",
    decision_ref: str = "",
    actor: str = "system",
) -> EconomicPenalty:
    row = EconomicPenalty(
        fixmedins_code=fixmedins_code,
        uscc=uscc,
        amount=Decimal(str(amount)),
        imposed_on=imposed_on,
        decision_ref=decision_ref,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "agreement.penalty.record",
        "agr_economic_penalty",
        str(row.id),
        {"amount": str(row.amount)},
    )
    return row


def mark_penalty_paid(
    session: Session, penalty_id: int, paid_on: date, actor: str = "system"
) -> EconomicPenalty:
    row = session.get(EconomicPenalty, penalty_id)
    if row is None:
        raise NotFound("PENALTY_NOT_FOUND", f"经济处罚 {penalty_id} 不存在", "penalty not found")
    if row.paid_on is not None:
        raise Conflict("PENALTY_PAID", "该经济处罚已缴清", "penalty already paid")
    row.paid_on = paid_on
    session.flush()
    audit.record(
        session,
        actor,
        "agreement.penalty.paid",
        "agr_economic_penalty",
        str(row.id),
        {"paid_on": paid_on.isoformat()},
    )
    return row


def changes(session: Session, fixmedins_code: str) -> list[ChangeRequest]:
    return list(session.scalars(select(ChangeRequest).where(ChangeRequest.fixmedins_code == fixmedins_code)))
