"""Cross-domain steps when a case is decided (作出处罚决定后的联动), domain.md §2f.

- 记分 points: one proposal per responsible practitioner, sent to ``fundguard.scoring`` when the
  case facts name the behaviour code and points (``facts["points"][prac_code]``), else kept here
  as PROPOSED for the handler to complete.
- 信用 credit: one event for the institution (``FRAUD`` for Art. 40, else ``PENALTY``) through
  ``fundguard.credit.service.add_event``.
- 信息披露 disclosure: a desensitised entry proposed for publication (典型案例曝光), kept here
  until the disclosure domain takes it.
- 整改 rectification: a decision ordering 限期整改 registers a problem item for the institution.
- 疑点判定 verdicts: every linked finding is marked CONFIRMED (REJECTED when no case is filed) in
  ``case_finding_verdict`` and, when the rule engine stores the finding, via ``rules.service.record_verdict``.

A delivery that the other domain refuses (e.g. a person not on file) does not undo the decision:
it runs in a savepoint and the proposal stays PROPOSED with the reason.
"""

from __future__ import annotations

import importlib
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.cases import clues, rectification, service
from fundguard.cases.models import Case, Clue, DownstreamProposal, FindingVerdict
from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict, FundguardError
from fundguard.timeutil import now
from fundguard.timeutil import today as local_today


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


def decide_case(session: Session, case_id: int, actor: Actor, basis: str, today: date | None = None) -> Case:
    """作出决定 and start the downstream proposals in the same transaction."""
    case = service.decide(session, case_id, actor, basis, today)
    on_decided(session, case, actor, today or local_today())
    return case


def _proposal(session: Session, case: Case, kind: str, target: str, payload: dict, delivered: bool) -> None:
    session.add(
        DownstreamProposal(
            case_id=case.id,
            kind=kind,
            target=target,
            payload=payload,
            status="DELIVERED" if delivered else "PROPOSED",
            created_at=now(),
        )
    )


def _try(session: Session, call) -> tuple[bool, str]:
    try:
        with session.begin_nested():
            call()
    except FundguardError as exc:
        return False, exc.message_zh
    return True, ""


def on_decided(session: Session, case: Case, actor: Actor, day: date) -> None:
    decision = service.get_decision(session, case.id)
    basis = f"{case.case_no} 条例第{decision.article}条：{decision.basis}"
    scoring = _module("fundguard.scoring.service")
    plan = case.facts.get("points") or {}
    for code in case.practitioner_codes:
        item = plan.get(code) or {}
        payload = {"prac_psn_code": code, **item}
        ok, why = False, "待办案人员补充记分行为代码与分值"
        if scoring is not None and item.get("behaviour_code") and item.get("points"):
            ok, why = _try(
                session,
                lambda code=code, item=item: scoring.propose(
                    session,
                    prac_psn_code=code,
                    behaviour_code=item["behaviour_code"],
                    points=int(item["points"]),
                    admdvs=case.region or item.get("admdvs", ""),
                    proposed_by=actor.name,
                    facts=case.title,
                    legal_basis=basis,
                    case_ref=case.case_no,
                    fixmedins_code=case.institution_code or "",
                ),
            )
        _proposal(session, case, "points", code, {**payload, "note": why}, ok)

    if case.institution_code:
        event_type = "FRAUD" if decision.article == 40 else "PENALTY"
        payload = {"subject_type": "INSTITUTION", "event_type": event_type, "basis": basis}
        credit = _module("fundguard.credit.service")
        ok, why = False, "信用模块未就绪"
        if credit is not None:
            ok, why = _try(
                session,
                lambda: credit.add_event(
                    session,
                    "INSTITUTION",
                    case.institution_code,
                    event_type,
                    day,
                    basis,
                    source_type="case",
                    source_id=case.case_no,
                    actor=actor.name,
                ),
            )
        _proposal(session, case, "credit", case.institution_code, {**payload, "note": why}, ok)

    disclosure = {
        "title": case.title,
        "article": decision.article,
        "fine_amount": str(decision.fine_amount),
        "recover_amount": str(decision.recover_amount),
        "measures": decision.measures,
        "institution_code": case.institution_code,  # person codes are never disclosed
    }
    _proposal(session, case, "disclosure", case.case_no, disclosure, False)

    if "限期整改" in decision.measures and case.institution_code and case.region:
        rectification.register(
            session,
            actor,
            region=case.region,
            institution_code=case.institution_code,
            description=f"{case.title}（{case.case_no} 处罚决定责令限期整改）",
            source_type="case",
            source_id=case.case_no,
            basis=basis,
            today=day,
        )

    _verdicts(session, case, "CONFIRMED", f"{case.case_no} 已作出处罚决定", actor)


def _verdicts(session: Session, case: Case, verdict: str, reason: str, actor: Actor) -> None:
    """Record the case's verdict here and, when the finding is in the rule engine's table, there too."""
    rules = _module("fundguard.rules.service")
    for finding_id in map(str, case.finding_ids):
        session.merge(
            FindingVerdict(finding_id=finding_id, case_id=case.id, verdict=verdict, decided_at=now())
        )
        if rules is not None:
            _try(
                session,
                lambda fid=finding_id: rules.record_verdict(
                    session, fid, verdict.lower(), reason, actor=actor.name
                ),
            )
    session.flush()


def clue_from_tip(session: Session, tip_id: int, actor: Actor, subjects: list[str]) -> Clue:
    """An accepted tip becomes a clue source (merged with what data and other channels already say).

    The reporter's identity never travels: the clue carries the tip number and the content only.
    """
    from fundguard.tips import service as tips

    tip = tips.get(session, tip_id)
    if tip.status not in {"ACCEPTED", "INVESTIGATING"}:
        raise Conflict("TIP_NOT_ACCEPTED", "只有已受理的举报才能转为线索", "tip not accepted")
    clue, _ = clues.add(
        session,
        actor,
        source_type="tip",
        source_ref=tip.tip_no,
        subjects=subjects,
        institution_code=tip.accused_institution,
        person_code=tip.accused_person,
        summary=tip.content,
        payload={"channel": tip.channel, "route": tip.route, "triage_score": tip.triage_score},
    )
    return clue


def proposals(session: Session, case_id: int) -> list[DownstreamProposal]:
    q = (
        select(DownstreamProposal)
        .where(DownstreamProposal.case_id == case_id)
        .order_by(DownstreamProposal.id)
    )
    return list(session.execute(q).scalars())


def close_without_case(
    session: Session, case_id: int, actor: Actor, reason: str, today: date | None = None
) -> Case:
    """不予立案: linked findings get the verdict REJECTED."""
    case = service.close_no_case(session, case_id, actor, reason, today)
    _verdicts(session, case, "REJECTED", reason, actor)
    return case
