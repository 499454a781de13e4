"""Case service (案件办理): plain functions taking a session; every state change is audited.

Evidence (证据) is stored content-addressed under ``$FUNDGUARD_HOME/evidence/cases/<case_no>/``
with its SHA-256, verified on every read, and each read is appended to the chain of custody
(证据保管链). Dates are Asia/Shanghai; callers may pass ``today`` (tests, back-dated entry).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fundguard.auth.service import record
from fundguard.cases import evidence as store
from fundguard.cases import machine as m
from fundguard.cases import penalty
from fundguard.cases.models import Case, CaseEvidence, CaseStep, PenaltyDecision
from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict, Forbidden, InputError, NotFound
from fundguard.timeutil import format_time, now
from fundguard.timeutil import today as local_today

PRE_DECISION = ("FILED", "INVESTIGATING", "NOTIFIED", "DEFENCE_HEARD", "LEGAL_REVIEWED")


def get(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("CASE_NOT_FOUND", f"案件不存在：{case_id}", "case not found")
    return case


def list_cases(session: Session, status: str | None = None) -> list[Case]:
    q = select(Case).order_by(Case.id)
    if status:
        q = q.where(Case.status == status)
    return list(session.execute(q).scalars())


def create(
    session: Session,
    actor: Actor,
    *,
    title: str,
    actor_type: str,
    amount: Decimal = Decimal("0"),
    institution_code: str | None = None,
    person_code: str | None = None,
    facts: dict | None = None,
    finding_ids: list[str] | None = None,
    practitioner_codes: list[str] | None = None,
    region: str | None = None,
) -> Case:
    """Open a case at 线索 CLUE (from a clue, tip, inspection or alert).

    The case's region (医保区划, used to scope who may see it) is ``region`` if given, else the
    医保区划 of the institution in the master data, else the actor's region; it must lie inside
    the actor's region.
    """
    if actor_type not in {"unit", "individual"}:
        raise InputError("ACTOR_TYPE", "当事人类型须为 unit（单位）或 individual（个人）", field="actor_type")
    if not (institution_code or person_code):
        raise InputError("PARTY_REQUIRED", "须指明被调查的机构或个人", "institution or person required")
    region = party_region(session, actor, institution_code, region)
    stamp = now()
    case = Case(
        case_no=f"tmp-{stamp.timestamp()}-{id(title)}",
        region=region,
        title=title,
        institution_code=institution_code,
        person_code=person_code,
        actor_type=actor_type,
        amount=Decimal(str(amount)),
        status="CLUE",
        owner_role=m.OWNER_ROLE["CLUE"],
        facts=dict(facts or {}),
        finding_ids=list(finding_ids or []),
        practitioner_codes=list(practitioner_codes or []),
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(case)
    session.flush()
    case.case_no = f"AJ-{stamp.year}-{case.id:06d}"
    _log(session, case, actor, "case.created", {"title": title, "amount": str(case.amount)})
    return case


def institution_region(session: Session, institution_code: str | None) -> str | None:
    """The institution's 医保区划 from the master data (None when the institution is not on file)."""
    if not institution_code:
        return None
    from fundguard.masterdata.models import Institution

    inst = session.get(Institution, institution_code)
    return inst.admdvs if inst is not None and inst.admdvs else None


def party_region(
    session: Session, actor: Actor, institution_code: str | None, region: str | None = None
) -> str:
    """The region a new record belongs to; refused when it lies outside the actor's own region."""
    found = region or institution_region(session, institution_code) or actor.region or ""
    if actor.region and not found.startswith(actor.region):
        raise Forbidden(
            "OUT_OF_SCOPE",
            f"区划 {found or '（全国）'} 不在本辖区 {actor.region} 范围内",
            "outside your region",
        )
    return found


def update_facts(session: Session, case_id: int, actor: Actor, **changes) -> Case:
    """案情要素 for the penalty calculator (违规类型/条款、再次违法、拒不改正…), before the decision."""
    case = get(session, case_id)
    if case.status in m.TERMINAL or case.status in {"DECIDED", "SERVED", "EXECUTED"}:
        raise Conflict(
            "FACTS_LOCKED", f"案件状态“{m.STATES[case.status]}”下不能再修改案情要素", "facts are locked"
        )
    allowed = {
        "kind",
        "article",
        "repeat_offence",
        "refused_correction",
        "serious_consequences",
        "fraud_purpose",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise InputError("FACT_UNKNOWN", f"未知的案情要素：{'、'.join(sorted(unknown))}", field="facts")
    kind = changes.get("kind")
    if kind is not None and kind not in penalty.KIND_ARTICLE:
        raise InputError("KIND_UNKNOWN", f"违规类型须为：{'、'.join(penalty.KIND_ARTICLE)}", field="kind")
    case.facts = {**case.facts, **changes}
    case.updated_at = now()
    _log(session, case, actor, "case.facts_updated", {k: changes[k] for k in sorted(changes)})
    session.flush()
    return case


def overdue_reason(case: Case, today: date | None = None) -> str | None:
    """Why an open case is overdue (超期) on ``today``, or None."""
    day = today or local_today()
    if case.status in m.TERMINAL:
        return None
    if case.step_deadline and case.step_deadline < day:
        return f"“{m.STATES[case.status]}”期限 {case.step_deadline} 已过"
    if case.status in PRE_DECISION and case.decision_due and case.decision_due < day:
        return f"立案后作出决定期限 {case.decision_due} 已过"
    return None


def _log(session: Session, case: Case, actor: Actor, action: str, detail: dict) -> None:
    record(session, actor.name, action, "case", case.case_no, detail, region=case.region)


def _step_deadline(case: Case, day: date, cal=None) -> date | None:
    status = case.status
    if status == "PRELIM_VERIFYING":
        return m.prelim_deadline(day, cal)
    if status == "NOTIFIED":
        return case.defence_due
    if status in PRE_DECISION:
        return case.decision_due
    if status == "DECIDED":
        return m.service_due(day)
    if status == "SERVED":
        return case.fine_due
    return None


def _fire(
    session: Session, case: Case, event: str, actor: Actor, note: str = "", day: date | None = None
) -> Case:
    t = m.CASE_MACHINE.check(case.status, event, actor)
    day = day or local_today()
    cal = m.calendar(session)
    before = case.status
    case.status = t.target
    case.owner_role = m.OWNER_ROLE[t.target]
    if t.target == "FILED":
        case.filed_on = day
        case.decision_due = m.decision_due(day)
    if t.target == "NOTIFIED":
        case.notified_on = day
        case.defence_due = m.defence_due(day, cal)
        case.hearing_request_due = m.hearing_request_due(day)
    if t.target == "SERVED":
        case.served_on = day
        case.fine_due = m.fine_due(day)
    case.step_deadline = _step_deadline(case, day, cal)
    case.updated_at = now()
    session.add(
        CaseStep(
            case_id=case.id,
            event=event,
            from_status=before,
            to_status=t.target,
            actor=actor.name,
            note=note,
            occurred_at=case.updated_at,
        )
    )
    _log(session, case, actor, f"case.{event}", {"from": before, "to": t.target, "note": note})
    session.flush()
    return case


def assign_verification(
    session: Session, case_id: int, actor: Actor, assignee: str, today: date | None = None
) -> Case:
    case = get(session, case_id)
    case.assignee = assignee
    return _fire(session, case, "assign_verification", actor, f"核实人：{assignee}", today)


def file_case(session: Session, case_id: int, actor: Actor, reason: str, today: date | None = None) -> Case:
    """立案: the filing standard is met; the decision deadline starts to run."""
    return _fire(session, get(session, case_id), "file", actor, _required(reason, "立案理由"), today)


def close_no_case(
    session: Session, case_id: int, actor: Actor, reason: str, today: date | None = None
) -> Case:
    """不予立案 (may hand over to agreement measures or rectification)."""
    return _fire(
        session, get(session, case_id), "close_no_case", actor, _required(reason, "不予立案理由"), today
    )


def start_investigation(session: Session, case_id: int, actor: Actor, today: date | None = None) -> Case:
    return _fire(session, get(session, case_id), "start_investigation", actor, "", today)


def transfer_criminal(
    session: Session, case_id: int, actor: Actor, receiving_agency: str, today: date | None = None
) -> Case:
    """移送司法机关 (行刑衔接): a person's decision; the calculator only suggests it."""
    case = get(session, case_id)
    case.facts = {**case.facts, "criminal_transfer_to": receiving_agency}
    return _fire(session, case, "transfer_criminal", actor, f"移送：{receiving_agency}", today)


def resume(session: Session, case_id: int, actor: Actor, note: str, today: date | None = None) -> Case:
    """恢复行政调查 after a transfer (一案多处: the administrative case continues)."""
    return _fire(session, get(session, case_id), "resume", actor, _required(note, "恢复理由"), today)


def propose_penalty(session: Session, case_id: int) -> penalty.Proposal:
    case = get(session, case_id)
    f = case.facts
    return penalty.propose(
        penalty.Facts(
            amount=case.amount,
            actor_type=case.actor_type,
            kind=f.get("kind"),
            article=f.get("article"),
            repeat_offence=bool(f.get("repeat_offence")),
            refused_correction=bool(f.get("refused_correction")),
            serious_consequences=bool(f.get("serious_consequences")),
            fraud_purpose=bool(f.get("fraud_purpose")),
        )
    )


def draft_decision(
    session: Session,
    case_id: int,
    actor: Actor,
    *,
    fine_amount: Decimal,
    measures: list[str],
    basis: str,
    recover_amount: Decimal | None = None,
    suspension_months: int = 0,
    legal_rep_ban_years: int = 0,
) -> PenaltyDecision:
    """拟处罚决定: the handler's draft, checked against the calculator's legal ranges."""
    case = get(session, case_id)
    if case.status not in {"INVESTIGATING", "DEFENCE_HEARD"}:
        raise Conflict(
            "DRAFT_STATE", f"案件状态“{m.STATES[case.status]}”下不能拟定处罚决定", "cannot draft now"
        )
    prop = propose_penalty(session, case_id)
    fine = Decimal(str(fine_amount)).quantize(penalty.CENT)
    if not prop.fine_min <= fine <= prop.fine_max:
        raise InputError(
            "FINE_OUT_OF_RANGE",
            f"罚款 {fine} 元超出条例第{prop.article}条范围 {prop.fine_min}–{prop.fine_max} 元",
            "fine outside the legal range",
            field="fine_amount",
        )
    unknown = [x for x in measures if x not in penalty.ALL_MEASURES]
    if unknown:
        raise InputError(
            "MEASURE_UNKNOWN", f"未知的处理措施：{'、'.join(unknown)}", "unknown measure", field="measures"
        )
    allowed = prop.suspension_months or prop.settlement_suspension_months
    if suspension_months and not (allowed and allowed[0] <= suspension_months <= allowed[1]):
        raise InputError(
            "SUSPENSION_OUT_OF_RANGE",
            f"暂停期限 {suspension_months} 个月不在允许范围 {allowed} 内",
            field="suspension_months",
        )
    if legal_rep_ban_years > prop.legal_rep_ban_years:
        raise InputError("BAN_NOT_ALLOWED", "禁业年限超出条例第43条规定", field="legal_rep_ban_years")
    decision = session.execute(
        select(PenaltyDecision).where(PenaltyDecision.case_id == case.id)
    ).scalar_one_or_none()
    if decision is None:
        decision = PenaltyDecision(case_id=case.id)
        session.add(decision)
    decision.stage = "draft"
    decision.article = prop.article
    decision.recover_amount = prop.recover_amount if recover_amount is None else Decimal(str(recover_amount))
    decision.fine_amount = fine
    decision.suspension_months = suspension_months
    decision.legal_rep_ban_years = legal_rep_ban_years
    decision.measures = list(measures)
    decision.basis = _required(basis, "处罚依据")
    decision.proposal = prop.as_dict()
    decision.major = penalty.is_major(fine, measures, legal_rep_ban_years)
    decision.drafted_by = actor.name
    case.criminal_referral_suggested = prop.criminal_referral
    session.flush()
    _log(
        session,
        case,
        actor,
        "case.decision_drafted",
        {"fine": str(fine), "measures": measures, "major": decision.major},
    )
    return decision


def get_decision(session: Session, case_id: int) -> PenaltyDecision | None:
    return session.execute(
        select(PenaltyDecision).where(PenaltyDecision.case_id == case_id)
    ).scalar_one_or_none()


def notify(session: Session, case_id: int, actor: Actor, today: date | None = None) -> Case:
    """告知: the party is told the proposed decision and its rights (陈述、申辩、听证)."""
    case = get(session, case_id)
    m.CASE_MACHINE.check(case.status, "notify", actor)
    if get_decision(session, case_id) is None:
        raise Conflict("DRAFT_REQUIRED", "告知前须先拟定处罚决定", "draft a decision before notifying")
    return _fire(session, case, "notify", actor, "", today)


def record_statement(session: Session, case_id: int, actor: Actor, statement: str) -> Case:
    """收到当事人陈述申辩 (during NOTIFIED)."""
    case = get(session, case_id)
    if case.status != "NOTIFIED":
        raise Conflict("NOT_NOTIFIED", "只有已告知的案件才能登记陈述申辩", "case is not notified")
    case.defence_received = True
    case.facts = {**case.facts, "statement": _required(statement, "陈述申辩内容")}
    _log(session, case, actor, "case.statement_received", {"length": len(statement)})
    return case


def hear_defence(session: Session, case_id: int, actor: Actor, today: date | None = None) -> Case:
    """听取陈述申辩: a statement was received, or the defence period has lapsed."""
    case = get(session, case_id)
    day = today or local_today()
    if case.status == "NOTIFIED" and not case.defence_received and day <= case.defence_due:
        raise Conflict(
            "DEFENCE_PERIOD_OPEN",
            f"陈述申辩期至 {case.defence_due} 届满，且尚未收到陈述申辩",
            "defence period still open",
        )
    note = "已收到陈述申辩" if case.defence_received else "陈述申辩期届满，当事人未提出"
    return _fire(session, case, "hear_defence", actor, note, day)


def legal_review(
    session: Session, case_id: int, actor: Actor, opinion: str, today: date | None = None
) -> Case:
    """法制审核 (重大执法决定法制审核)."""
    case = get(session, case_id)
    m.CASE_MACHINE.check(case.status, "legal_review", actor)
    case.legal_review_opinion = _required(opinion, "法制审核意见")
    return _fire(session, case, "legal_review", actor, opinion, today)


def record_collective_discussion(
    session: Session, case_id: int, actor: Actor, conclusion: str, members: list[str]
) -> Case:
    """集体讨论 before a major decision; needs the conclusion and the members present."""
    case = get(session, case_id)
    if case.status != "LEGAL_REVIEWED":
        raise Conflict(
            "DISCUSSION_STATE", "集体讨论须在法制审核之后进行", "collective discussion after legal review"
        )
    if not actor.has_any((m.COLLECTIVE,)):
        raise Forbidden(
            "ROLE_REQUIRED", "集体讨论结论须由集体讨论成员登记", "collective_discussion_member required"
        )
    if not members:
        raise InputError("MEMBERS_REQUIRED", "须登记参加集体讨论的人员", field="members")
    case.collective_discussion = _required(conclusion, "集体讨论结论")
    case.facts = {**case.facts, "discussion_members": list(members)}
    _log(session, case, actor, "case.collective_discussion", {"members": members})
    return case


def decide(session: Session, case_id: int, actor: Actor, basis: str, today: date | None = None) -> Case:
    """作出决定: a person decides; a major decision needs legal review and collective discussion."""
    case = get(session, case_id)
    m.CASE_MACHINE.check(case.status, "decide", actor)
    decision = get_decision(session, case_id)
    if decision is None:
        raise Conflict("DRAFT_REQUIRED", "作出决定前须有拟处罚决定", "no draft decision")
    if decision.major and (case.status != "LEGAL_REVIEWED" or not case.collective_discussion):
        raise Conflict(
            "MAJOR_NEEDS_REVIEW",
            "重大执法决定须经法制审核和集体讨论后方可作出",
            "major decision needs legal review and collective discussion",
        )
    decision.stage = "final"
    decision.basis = _required(basis, "决定依据")
    decision.decided_by = actor.name
    decision.decided_at = now()
    return _fire(session, case, "decide", actor, basis, today)


def serve(session: Session, case_id: int, actor: Actor, method: str, today: date | None = None) -> Case:
    """送达: the fine payment period starts on the day of service."""
    return _fire(
        session, get(session, case_id), "serve", actor, f"送达方式：{_required(method, '送达方式')}", today
    )


def execute(session: Session, case_id: int, actor: Actor, note: str, today: date | None = None) -> Case:
    """执行: fine paid / amount recovered / measures applied."""
    return _fire(session, get(session, case_id), "execute", actor, _required(note, "执行情况"), today)


def archive(session: Session, case_id: int, actor: Actor, today: date | None = None) -> Case:
    return _fire(session, get(session, case_id), "archive", actor, "", today)


def steps(session: Session, case_id: int) -> list[CaseStep]:
    return list(
        session.execute(select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.id)).scalars()
    )


def overdue(session: Session, today: date | None = None) -> list[tuple[Case, str]]:
    """Open cases past their step deadline or past the 90-day decision deadline (超期案件)."""
    day = today or local_today()
    q = (
        select(Case)
        .where(
            Case.status.not_in(m.TERMINAL),
            or_(Case.step_deadline < day, Case.decision_due < day),
        )
        .order_by(Case.id)
    )
    out = []
    for case in session.execute(q).scalars():
        reason = overdue_reason(case, day)
        if reason:
            out.append((case, reason))
    return out


def add_evidence(
    session: Session, case_id: int, actor: Actor, *, kind: str, filename: str, data: bytes, source: str = ""
) -> CaseEvidence:
    case = get(session, case_id)
    if case.status in m.TERMINAL:
        raise Conflict("CASE_CLOSED", "案件已结案，不能再添加证据", "case is closed")
    stored = store.store(f"cases/{case.case_no}", data, filename)
    at = now()
    item = CaseEvidence(
        case_id=case.id,
        kind=_required(kind, "证据类型"),
        filename=filename,
        path=stored.path,
        sha256=stored.sha256,
        size=stored.size,
        source=source,
        collector=actor.name,
        collected_at=at,
        custody=[{"actor": actor.name, "action": "collected", "at": format_time(at)}],
    )
    session.add(item)
    session.flush()
    _log(
        session,
        case,
        actor,
        "case.evidence_added",
        {"evidence_id": item.id, "sha256": stored.sha256, "kind": kind},
    )
    return item


def read_evidence(session: Session, evidence_id: int, actor: Actor) -> tuple[CaseEvidence, bytes]:
    """The evidence bytes after the SHA-256 check; the read joins the chain of custody."""
    item = session.get(CaseEvidence, evidence_id)
    if item is None:
        raise NotFound("EVIDENCE_NOT_FOUND", f"证据不存在：{evidence_id}", "evidence not found")
    data = store.read(item.path, item.sha256)
    item.custody = [*item.custody, {"actor": actor.name, "action": "read", "at": format_time(now())}]
    session.flush()
    return item, data


def _required(text: str, what: str) -> str:
    if not text or not str(text).strip():
        raise InputError("REQUIRED", f"{what}不能为空", f"{what} is required")
    return str(text).strip()
