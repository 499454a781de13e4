"""Processes that cross domains: signing (reads the credit grade), measures and the annual
assessment (emit credit events), information changes (send the agreement to re-evaluation)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.agreements import applications, lifecycle, supervision
from fundguard.agreements.models import Agreement, AnnualAssessment, Application, ChangeRequest
from fundguard.agreements.states import APP_TRANSITIONS, APP_ZH, target_state
from fundguard.auth import service as audit
from fundguard.credit import service as credit
from fundguard.disclosure import service as disclosure
from fundguard.errors import Conflict, InputError
from fundguard.inspections.directory import region_of
from fundguard.profiles import get_profile
from fundguard.timeutil import TZ


def sign(
    session: Session,
    application_id: int,
    fixmedins_code: str,
    on: date,
    template_version: str = "",
    service_scope: list[str] | None = None,
    actor: str = "system",
) -> Agreement:
    """签订协议: the term follows the institution's credit grade on the signing date."""
    app = applications.get(session, application_id)
    target_state(APP_TRANSITIONS, APP_ZH, app.status, "sign", "定点申请")
    grade = credit.institution_grade(session, fixmedins_code, on)
    app.fixmedins_code = fixmedins_code
    agr = lifecycle.create(
        session,
        fixmedins_code,
        on,
        grade,
        uscc=app.uscc,
        application_id=app.id,
        template_version=template_version,
        service_scope=service_scope,
        actor=actor,
    )
    for person in app.persons:
        supervision.register_person(
            session, fixmedins_code, person["role"], person["name"], person["certno"], app.uscc, actor
        )
    applications.mark_signed(session, application_id, agr.id, on, actor)
    return agr


def agreement_region(session: Session, agr: Agreement) -> str | None:
    """医保区划 of an agreement: its institution's (master data), else its application's."""
    region = region_of(session, agr.fixmedins_code)
    if region is None and agr.application_id is not None:
        app = session.get(Application, agr.application_id)
        region = (app.admdvs or None) if app is not None else None
    return region


def suspend(
    session: Session,
    agreement_id: int,
    on: date,
    reason: str,
    actor: str = "system",
    until: date | None = None,
) -> Agreement:
    agr = lifecycle.suspend(session, agreement_id, on, reason, actor, until)
    credit.add_event(
        session,
        "INSTITUTION",
        agr.fixmedins_code,
        "AGREEMENT_SUSPENDED",
        on,
        f"服务协议被暂停：{reason}",
        source_type="agreement",
        source_id=str(agr.id),
        actor=actor,
    )
    return agr


def publish(session: Session, application_id: int, on: date, actor: str = "system"):
    """结果公布: the new designated institution is published (disclosure NEW_INSTITUTIONS)."""
    app = applications.publish(session, application_id, on, actor)
    pub = disclosure.create(
        session,
        "NEW_INSTITUTIONS",
        f"新增定点医药机构：{app.applicant_name}",
        f"{app.applicant_name}（机构编码 {app.fixmedins_code}）自 {app.signed_on.isoformat()} 起为定点医药机构，一地定点，全市互认。",
        source_type="agr_application",
        source_id=str(app.id),
        actor=actor,
        admdvs=app.admdvs or region_of(session, app.fixmedins_code) or "",
    )
    disclosure.approve(session, pub.id, actor)
    disclosure.publish(session, pub.id, datetime.combine(on, time(9, 0), TZ), actor)
    return app


def rescind(session: Session, agreement_id: int, on: date, reason: str, actor: str = "system") -> Agreement:
    """解除: a credit event, and a draft of the published rescission list entry for approval."""
    agr = lifecycle.rescind(session, agreement_id, on, reason, actor)
    disclosure.create(
        session,
        "RESCINDED_INSTITUTIONS",
        f"解除服务协议：{agr.fixmedins_code}",
        f"{agr.fixmedins_code} 服务协议自 {on.isoformat()} 起解除。原因：{reason}",
        source_type="agr_agreement",
        source_id=str(agr.id),
        actor=actor,
        admdvs=agreement_region(session, agr) or "",
    )
    credit.add_event(
        session,
        "INSTITUTION",
        agr.fixmedins_code,
        "AGREEMENT_RESCINDED",
        on,
        f"服务协议被解除：{reason}",
        source_type="agreement",
        source_id=str(agr.id),
        actor=actor,
    )
    return agr


def request_change(
    session: Session,
    fixmedins_code: str,
    field: str,
    new_value: str,
    changed_on: date,
    on: date,
    actor: str = "system",
) -> ChangeRequest:
    """Record the change; a change of name, legal representative or address sends each active
    agreement of the institution to re-evaluation (RE_EVALUATION)."""
    change = supervision.request_change(session, fixmedins_code, field, new_value, changed_on, on, actor)
    if change.needs_re_evaluation:
        for agr in lifecycle.for_institution(session, fixmedins_code):
            if agr.status == "ACTIVE":
                lifecycle.send_to_re_evaluation(session, agr.id, on, f"信息变更（{field}）需重新评估", actor)
    session.flush()
    return change


def assessment_points(total: Decimal) -> int:
    """Credit points for an assessment total: the row of the highest floor the total reaches."""
    table = get_profile()["agreement.assessment_credit_points"]
    best = None
    for floor, points in table.items():
        if total >= Decimal(str(floor)) and (best is None or Decimal(str(floor)) > best[0]):
            best = (Decimal(str(floor)), int(points))
    return best[1] if best else 0


def record_annual_assessment(
    session: Session,
    fixmedins_code: str,
    year: int,
    scores: dict[str, Decimal | int | float],
    on: date,
    actor: str = "system",
) -> AnnualAssessment:
    """年度综合考核: weighted total of the dimension scores (0–100, weights ``assessment_weights``),
    stored and emitted as an ANNUAL_ASSESSMENT credit event."""
    weights = {k: Decimal(str(v)) for k, v in get_profile()["agreement.assessment_weights"].items()}
    if set(scores) != set(weights):
        raise InputError(
            "ASSESSMENT_DIMENSIONS",
            f"考核维度应为 {sorted(weights)}",
            f"dimensions must be {sorted(weights)}",
            "scores",
        )
    values = {k: Decimal(str(v)) for k, v in scores.items()}
    if any(v < 0 or v > 100 for v in values.values()):
        raise InputError(
            "ASSESSMENT_RANGE", "各维度得分应在 0–100 之间", "scores must be within 0..100", "scores"
        )
    existing = session.scalars(
        select(AnnualAssessment).where(
            AnnualAssessment.fixmedins_code == fixmedins_code, AnnualAssessment.year == year
        )
    ).first()
    if existing is not None:
        raise Conflict("ASSESSMENT_EXISTS", f"{year}年度考核已记录", "assessment already recorded")
    total = (sum(values[k] * weights[k] for k in weights) / sum(weights.values())).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    points = assessment_points(total)
    detail = "，".join(f"{k} {values[k]}（权重{weights[k]}）" for k in sorted(weights))
    event = credit.add_event(
        session,
        "INSTITUTION",
        fixmedins_code,
        "ANNUAL_ASSESSMENT",
        on,
        f"{year}年度综合考核总分 {total} 分（{detail}），信用分 {points:+d}",
        points=points,
        source_type="annual_assessment",
        source_id=f"{fixmedins_code}:{year}",
        actor=actor,
    )
    row = AnnualAssessment(
        fixmedins_code=fixmedins_code,
        year=year,
        scores={k: str(v) for k, v in values.items()},
        weights={k: str(v) for k, v in weights.items()},
        total=total,
        assessed_on=on,
        credit_event_id=event.id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "agreement.assessment.record",
        "agr_annual_assessment",
        str(row.id),
        {"total": str(total)},
    )
    return row
