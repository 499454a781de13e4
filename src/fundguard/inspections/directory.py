"""名录库 directories: inspection targets (from the institution master data) and inspectors with
their current/former institutions (任职经历) and declared relations (申报的利害关系), and the
conflict-of-interest rule (回避): an inspector is not sent to an institution they worked at within
``inspection.conflict_years`` (or still work at), nor to one where a declared relation exists."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from fundguard.auth import service as audit
from fundguard.inspections.models import InspectionTarget, Inspector, InspectorAffiliation, InspectorRelation
from fundguard.masterdata.models import Institution
from fundguard.profiles import get_profile


def region_of(session: Session, fixmedins_code: str | None) -> str | None:
    """医保区划 of an institution: master data first, then the target directory; None if unknown."""
    if not fixmedins_code:
        return None
    inst = session.get(Institution, fixmedins_code)
    if inst is not None and inst.admdvs:
        return inst.admdvs
    target = session.get(InspectionTarget, fixmedins_code)
    if target is not None and target.admdvs:
        return target.admdvs
    return None


def region_expr(code_column):
    """SQL expression: the 医保区划 of the institution in ``code_column`` (as ``region_of``).

    Aliases keep the subqueries self-contained when the outer query joins the same tables."""
    inst, target = aliased(Institution), aliased(InspectionTarget)
    return func.coalesce(
        select(func.nullif(inst.admdvs, "")).where(inst.fixmedins_code == code_column).scalar_subquery(),
        select(func.nullif(target.admdvs, "")).where(target.fixmedins_code == code_column).scalar_subquery(),
    )


def sync_targets(session: Session, actor: str = "system") -> int:
    """Insert or refresh one target per institution of the master data; returns the count."""
    n = 0
    for inst in session.scalars(select(Institution)):
        row = session.get(InspectionTarget, inst.fixmedins_code) or InspectionTarget(
            fixmedins_code=inst.fixmedins_code
        )
        row.name, row.fixmedins_type = inst.fixmedins_name, inst.fixmedins_type
        row.hosp_lv, row.admdvs, row.active = inst.hosp_lv or "", inst.admdvs or "", True
        session.add(row)
        n += 1
    session.flush()
    audit.record(session, actor, "inspection.targets.sync", "insp_target", "*", {"count": n})
    return n


def add_target(
    session: Session, fixmedins_code: str, name: str, fixmedins_type: str, hosp_lv: str = "", admdvs: str = ""
) -> InspectionTarget:
    row = InspectionTarget(
        fixmedins_code=fixmedins_code,
        name=name,
        fixmedins_type=fixmedins_type,
        hosp_lv=hosp_lv,
        admdvs=admdvs,
        active=True,
    )
    session.add(row)
    session.flush()
    return row


def targets(session: Session, admdvs: str = "") -> list[InspectionTarget]:
    stmt = select(InspectionTarget).where(InspectionTarget.active.is_(True))
    if admdvs:
        stmt = stmt.where(InspectionTarget.admdvs.startswith(admdvs))
    return list(session.scalars(stmt.order_by(InspectionTarget.fixmedins_code)))


def add_inspector(
    session: Session,
    code: str,
    name: str,
    certno: str = "",
    enforcement_cert: str = "",
    admdvs: str = "",
    actor: str = "system",
) -> Inspector:
    row = Inspector(
        code=code, name=name, certno=certno, enforcement_cert=enforcement_cert, admdvs=admdvs, active=True
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "inspection.inspector.add", "insp_inspector", str(row.id), {"code": code})
    return row


def add_affiliation(
    session: Session,
    inspector_id: int,
    fixmedins_code: str,
    start_on: date | None = None,
    end_on: date | None = None,
) -> InspectorAffiliation:
    """A current (``end_on`` None) or former institution of the inspector."""
    row = InspectorAffiliation(
        inspector_id=inspector_id, fixmedins_code=fixmedins_code, start_on=start_on, end_on=end_on
    )
    session.add(row)
    session.flush()
    return row


def declare_relation(
    session: Session, inspector_id: int, fixmedins_code: str, relation: str, declared_on: date
) -> InspectorRelation:
    row = InspectorRelation(
        inspector_id=inspector_id, fixmedins_code=fixmedins_code, relation=relation, declared_on=declared_on
    )
    session.add(row)
    session.flush()
    return row


def inspectors(session: Session, admdvs: str = "") -> list[Inspector]:
    stmt = select(Inspector).where(Inspector.active.is_(True))
    if admdvs:
        stmt = stmt.where(Inspector.admdvs.startswith(admdvs))
    return list(session.scalars(stmt.order_by(Inspector.code)))


def conflicts(session: Session, on: date) -> dict[int, set[str]]:
    """Inspector id → institution codes the inspector must avoid on ``on``."""
    cutoff = on - relativedelta(years=int(get_profile()["inspection.conflict_years"]))
    avoid: dict[int, set[str]] = {}
    for a in session.scalars(select(InspectorAffiliation)):
        if a.end_on is None or a.end_on > cutoff:
            avoid.setdefault(a.inspector_id, set()).add(a.fixmedins_code)
    for r in session.scalars(select(InspectorRelation).where(InspectorRelation.declared_on <= on)):
        avoid.setdefault(r.inspector_id, set()).add(r.fixmedins_code)
    return avoid
