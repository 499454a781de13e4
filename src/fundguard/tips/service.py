"""Tip service (举报受理与奖励): intake, follow-up code, protected identity, handling and reward.

The reporter's identity (姓名、证件号、电话…) is Fernet-encrypted with the settings' identity key
in the separate table ``tip_identity``; it is never returned by any other function. Only
``reveal_identity`` decrypts it, for the ``whistleblower_officer`` role, and every reveal is
written to the audit log. The retrieval code (查询码) is shown once at intake; only its
SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import date, timedelta
from decimal import Decimal

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth.service import record
from fundguard.cases import evidence as store
from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict, Forbidden, InputError, NotFound
from fundguard.profiles import get_profile
from fundguard.settings import get_settings
from fundguard.timeutil import now
from fundguard.timeutil import today as local_today
from fundguard.tips import reward as reward_calc
from fundguard.tips import triage as triage_mod
from fundguard.tips.machine import OFFICER, STATES, TIP_MACHINE
from fundguard.tips.models import Tip, TipAttachment, TipIdentity, TipReward, TipStep
from fundguard.workdays import Calendar

CHANNELS = ("phone", "mail", "email", "online", "hotline_12345", "social_supervisor", "visit")
IDENTITY_FIELDS = ("name", "id_number", "phone", "address", "email")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _fernet() -> Fernet:
    return Fernet(get_settings().effective_identity_key.encode())


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def _calendar(session: Session) -> Calendar:
    """The holiday-aware calendar with the administrator's overrides (调休)."""
    from fundguard.calendar_admin.service import calendar

    return calendar(session)


def _institution_region(session: Session, code: str | None) -> str:
    """A public tip names no region: it belongs to the accused institution's 医保区划 when on file."""
    if not code:
        return ""
    from fundguard.masterdata.models import Institution

    inst = session.get(Institution, code)
    return (inst.admdvs or "") if inst is not None else ""


def data_signals(session: Session, tip: Tip) -> triage_mod.Signals:
    """What the data already says about the accused: rule findings, indicator alerts, prior cases."""
    import importlib

    from sqlalchemy import func, or_

    inst, person = tip.accused_institution, tip.accused_person

    def count(model_path: str, name: str, conditions) -> int:
        try:
            model = getattr(importlib.import_module(model_path), name)
        except (ModuleNotFoundError, AttributeError):
            return 0
        conds = [c for c in conditions(model) if c is not None]
        if not conds:
            return 0
        return int(session.execute(select(func.count()).select_from(model).where(or_(*conds))).scalar_one())

    findings = count(
        "fundguard.rules.models",
        "Finding",
        lambda m: [
            m.fixmedins_code == inst if inst else None,
            m.prac_psn_code == person if person else None,
            m.psn_no == person if person else None,
        ],
    )
    anomalies = count(
        "fundguard.analytics.models",
        "IndicatorAlert",
        lambda m: [m.entity_id == inst if inst else None, m.entity_id == person if person else None],
    )
    prior = count(
        "fundguard.cases.models",
        "Case",
        lambda m: [m.institution_code == inst if inst else None, m.person_code == person if person else None],
    )
    return triage_mod.Signals(findings=findings, anomalies=anomalies, prior_cases=prior)


def get(session: Session, tip_id: int) -> Tip:
    tip = session.get(Tip, tip_id)
    if tip is None:
        raise NotFound("TIP_NOT_FOUND", f"举报不存在：{tip_id}", "tip not found")
    return tip


def _log(session: Session, tip: Tip, actor_name: str, action: str, detail: dict) -> None:
    record(session, actor_name, action, "tip", tip.tip_no, detail, region=tip.region)


def submit(
    session: Session,
    *,
    channel: str,
    content: str,
    accused_institution: str | None = None,
    accused_person: str | None = None,
    category: str = "",
    identity: dict | None = None,
    attachments: list[tuple[str, bytes]] | None = None,
    region: str = "",
    received_by: str = "reporter",
    today: date | None = None,
) -> tuple[Tip, str]:
    """受理登记: returns the tip and its retrieval code (shown to the reporter once)."""
    if channel not in CHANNELS:
        raise InputError("CHANNEL", f"举报渠道须为：{'、'.join(CHANNELS)}", field="channel")
    if not content.strip():
        raise InputError("REQUIRED", "举报内容不能为空", field="content")
    if not (accused_institution or accused_person):
        raise InputError("ACCUSED_REQUIRED", "须写明被举报的机构或个人", field="accused_institution")
    ident = {k: str(v).strip() for k, v in (identity or {}).items() if v not in (None, "")}
    unknown = set(ident) - set(IDENTITY_FIELDS)
    if unknown:
        raise InputError("IDENTITY_FIELD", f"未知的身份字段：{'、'.join(sorted(unknown))}", field="identity")
    accused_institution = (accused_institution or "").strip() or None
    accused_person = (accused_person or "").strip() or None
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    stamp = now()
    day = today or local_today()
    tip = Tip(
        tip_no=f"tmp-{secrets.token_hex(8)}",
        region=(region or "").strip() or _institution_region(session, accused_institution),
        channel=channel,
        anonymous=not ident,
        retrieval_hash=_hash_code(code),
        accused_institution=accused_institution,
        accused_person=accused_person,
        category=category,
        content=content.strip(),
        status="RECEIVED",
        step_deadline=_calendar(session).add_working_days(
            day, int(get_profile()["report.accept_decision_wd"])
        ),
        received_at=stamp,
        updated_at=stamp,
    )
    session.add(tip)
    session.flush()
    tip.tip_no = f"JB-{stamp.year}-{tip.id:06d}"
    if ident:
        token = _fernet().encrypt(json.dumps(ident, ensure_ascii=False).encode())
        session.add(TipIdentity(tip_id=tip.id, ciphertext=token))
    for filename, data in attachments or []:
        f = store.store(f"tips/{tip.tip_no}", data, filename)
        session.add(
            TipAttachment(tip_id=tip.id, filename=filename, path=f.path, sha256=f.sha256, size=f.size)
        )
    session.flush()
    _log(
        session,
        tip,
        received_by,
        "tip.received",
        {"channel": channel, "anonymous": tip.anonymous, "attachments": len(attachments or [])},
    )
    return tip, code


def progress(session: Session, tip_no: str, code: str) -> dict:
    """查询进度 for the reporter: status and feedback only, never identity or internal notes."""
    tip = session.execute(select(Tip).where(Tip.tip_no == tip_no)).scalar_one_or_none()
    if tip is None or not hmac.compare_digest(tip.retrieval_hash, _hash_code(code)):
        raise NotFound("TIP_CODE", "举报编号或查询码不正确", "tip number or retrieval code wrong")
    reward = session.get(TipReward, tip.id)
    return {
        "tip_no": tip.tip_no,
        "status": tip.status,
        "status_label": STATES[tip.status],
        "feedback": tip.feedback,
        "reward_amount": str(reward.amount)
        if reward and tip.status in {"REWARD_APPROVED", "REWARD_PAID", "CLOSED"}
        else None,
    }


def reveal_identity(session: Session, tip_id: int, actor: Actor, reason: str) -> dict:
    """Decrypt the reporter's identity: ``whistleblower_officer`` only, with a reason, audited."""
    tip = get(session, tip_id)
    if OFFICER not in actor.roles:
        raise Forbidden(
            "IDENTITY_ROLE", "只有举报管理人员可以查看举报人身份", "whistleblower_officer role required"
        )
    if not reason.strip():
        raise InputError("REQUIRED", "查看举报人身份须说明事由", field="reason")
    row = session.get(TipIdentity, tip.id)
    if row is None:
        raise NotFound("ANONYMOUS", "该举报为匿名举报，无身份信息", "anonymous tip")
    try:
        identity = json.loads(_fernet().decrypt(row.ciphertext))
    except InvalidToken:
        raise Conflict("IDENTITY_KEY", "身份信息无法解密（密钥不符）", "identity key mismatch") from None
    _log(
        session,
        tip,
        actor.name,
        "tip.identity_revealed",
        {"reason": reason.strip(), "fields": sorted(identity)},
    )
    return identity


def add_attachment(
    session: Session, tip_id: int, filename: str, data: bytes, actor: str = "reporter"
) -> TipAttachment:
    """补充材料 from the reporter (or registered by staff) while the tip is still open."""
    tip = get(session, tip_id)
    if tip.status in {"CLOSED", "NOT_ACCEPTED"}:
        raise Conflict("TIP_CLOSED", "举报已办结，不能再补充材料", "tip is closed")
    f = store.store(f"tips/{tip.tip_no}", data, filename)
    row = TipAttachment(tip_id=tip.id, filename=filename, path=f.path, sha256=f.sha256, size=f.size)
    session.add(row)
    session.flush()
    _log(session, tip, actor, "tip.attachment_added", {"sha256": f.sha256})
    return row


def attachments(session: Session, tip_id: int) -> list[TipAttachment]:
    return list(
        session.execute(
            select(TipAttachment).where(TipAttachment.tip_id == tip_id).order_by(TipAttachment.id)
        ).scalars()
    )


def read_attachment(session: Session, attachment_id: int) -> bytes:
    a = session.get(TipAttachment, attachment_id)
    if a is None:
        raise NotFound("ATTACHMENT_NOT_FOUND", "附件不存在", "attachment not found")
    return store.read(a.path, a.sha256)


def _fire(
    session: Session, tip: Tip, event: str, actor: Actor, note: str = "", deadline: date | None = None
) -> Tip:
    t = TIP_MACHINE.check(tip.status, event, actor)
    before = tip.status
    tip.status = t.target
    tip.step_deadline = deadline
    tip.updated_at = now()
    session.add(
        TipStep(
            tip_id=tip.id,
            event=event,
            from_status=before,
            to_status=t.target,
            actor=actor.name,
            note=note,
            occurred_at=tip.updated_at,
        )
    )
    _log(session, tip, actor.name, f"tip.{event}", {"from": before, "to": t.target})
    session.flush()
    return tip


def triage(session: Session, tip_id: int, actor: Actor, signals: triage_mod.Signals) -> Tip:
    """研判: score the tip against findings/anomalies for the accused and pick a route."""
    tip = get(session, tip_id)
    has_files = bool(attachments(session, tip_id))
    sig = triage_mod.Signals(
        signals.findings, signals.anomalies, signals.prior_cases, has_files, not tip.anonymous
    )
    tip.triage_score = triage_mod.score(sig)
    tip.route = triage_mod.route(tip.triage_score)
    _log(session, tip, actor.name, "tip.triaged", {"score": tip.triage_score, "route": tip.route})
    session.flush()
    return tip


def accept(session: Session, tip_id: int, actor: Actor) -> Tip:
    """受理: the tip is within the fund's remit and specific enough to check."""
    return _fire(session, get(session, tip_id), "accept", actor)


def reject(session: Session, tip_id: int, actor: Actor, reason: str) -> Tip:
    """不予受理: the reason is the feedback to the reporter."""
    if not reason.strip():
        raise InputError("REQUIRED", "不予受理须说明理由", field="reason")
    tip = get(session, tip_id)
    TIP_MACHINE.check(tip.status, "reject", actor)
    tip.feedback = f"不予受理：{reason.strip()}"
    return _fire(session, tip, "reject", actor, reason)


def investigate(
    session: Session, tip_id: int, actor: Actor, case_id: int | None = None, today: date | None = None
) -> Tip:
    """调查: linked to a case when one is opened; ``report.investigation_days`` calendar days."""
    day = today or local_today()
    tip = get(session, tip_id)
    TIP_MACHINE.check(tip.status, "investigate", actor)
    tip.case_id = case_id
    due = day + timedelta(days=int(get_profile()["report.investigation_days"]))
    return _fire(session, tip, "investigate", actor, f"关联案件 {case_id}" if case_id else "", due)


def extend_investigation(session: Session, tip_id: int, actor: Actor, reason: str) -> Tip:
    """延期: once, by ``report.investigation_extension_days``."""
    tip = get(session, tip_id)
    if tip.status != "INVESTIGATING":
        raise Conflict("NOT_INVESTIGATING", "只有调查中的举报才能延期", "tip not under investigation")
    if tip.extended:
        raise Conflict("ALREADY_EXTENDED", "调查期限只能延长一次", "investigation already extended")
    if not reason.strip():
        raise InputError("REQUIRED", "延期须说明理由", field="reason")
    tip.extended = True
    tip.step_deadline = tip.step_deadline + timedelta(
        days=int(get_profile()["report.investigation_extension_days"])
    )
    _log(
        session,
        tip,
        actor.name,
        "tip.extended",
        {"deadline": tip.step_deadline.isoformat(), "reason": reason},
    )
    session.flush()
    return tip


def conclude(
    session: Session,
    tip_id: int,
    actor: Actor,
    *,
    substantiated: bool,
    note: str,
    verified_amount: Decimal | None = None,
    today: date | None = None,
) -> Tip:
    """办理结论: 属实 (with the verified case amount) or 不属实; feedback due in ``report.feedback_within_wd``."""
    tip = get(session, tip_id)
    event = "substantiate" if substantiated else "find_unfounded"
    TIP_MACHINE.check(tip.status, event, actor)
    if substantiated:
        if verified_amount is None or Decimal(str(verified_amount)) < 0:
            raise InputError("AMOUNT_REQUIRED", "认定属实须填写查实金额（可为 0）", field="verified_amount")
        tip.verified_amount = Decimal(str(verified_amount))
    tip.outcome_note = note
    day = today or local_today()
    due = _calendar(session).add_working_days(day, int(get_profile()["report.feedback_within_wd"]))
    return _fire(session, tip, event, actor, note, due)


def send_feedback(session: Session, tip_id: int, actor: Actor, text: str) -> Tip:
    if not text.strip():
        raise InputError("REQUIRED", "反馈内容不能为空", field="text")
    tip = get(session, tip_id)
    TIP_MACHINE.check(tip.status, "send_feedback", actor)
    tip.feedback = text.strip()
    return _fire(session, tip, "send_feedback", actor, "")


def _was_substantiated(session: Session, tip: Tip) -> bool:
    q = select(TipStep.id).where(TipStep.tip_id == tip.id, TipStep.event == "substantiate")
    return session.execute(q.limit(1)).first() is not None


def compute_reward(session: Session, tip_id: int, actor: Actor, level: int) -> TipReward:
    """核算奖励 for a substantiated tip; anonymous reporters only if ``report.anonymous_reward``."""
    tip = get(session, tip_id)
    TIP_MACHINE.check(tip.status, "compute_reward", actor)
    if not _was_substantiated(session, tip):
        raise Conflict("NOT_SUBSTANTIATED", "举报经查不属实，不予奖励", "tip was not substantiated")
    if tip.anonymous and not get_profile()["report.anonymous_reward"]:
        raise Conflict("ANONYMOUS_NO_REWARD", "本地规定匿名举报不予奖励", "anonymous rewards disabled")
    calc = reward_calc.compute(tip.verified_amount or Decimal("0"), level)
    row = TipReward(
        tip_id=tip.id,
        basis_amount=calc.basis_amount,
        level=level,
        rate=str(calc.rate),
        amount=calc.amount,
        calculation=calc.as_dict(),
        computed_by=actor.name,
    )
    session.add(row)
    _fire(session, tip, "compute_reward", actor, f"{calc.amount} 元（{calc.rule}）")
    return row


def approve_reward(session: Session, tip_id: int, actor: Actor, today: date | None = None) -> TipReward:
    """审批: by someone other than the person who computed it; payment due in ``report.reward_pay_within_days``."""
    tip = get(session, tip_id)
    TIP_MACHINE.check(tip.status, "approve_reward", actor)
    row = session.get(TipReward, tip.id)
    if row.computed_by == actor.name:
        raise Conflict("SAME_PERSON", "奖励核算人与审批人不能为同一人", "computer and approver must differ")
    day = today or local_today()
    row.approved_by, row.approved_on = actor.name, day
    row.pay_due = day + timedelta(days=int(get_profile()["report.reward_pay_within_days"]))
    _fire(session, tip, "approve_reward", actor, "", row.pay_due)
    return row


def pay_reward(
    session: Session, tip_id: int, actor: Actor, method: str, reference: str, today: date | None = None
) -> TipReward:
    """发放: payment record (method and voucher reference)."""
    tip = get(session, tip_id)
    TIP_MACHINE.check(tip.status, "pay_reward", actor)
    if not method.strip() or not reference.strip():
        raise InputError("REQUIRED", "须填写发放方式和凭证号", field="method")
    row = session.get(TipReward, tip.id)
    row.payment_method, row.payment_ref, row.paid_by = method.strip(), reference.strip(), actor.name
    row.paid_on = today or local_today()
    _fire(session, tip, "pay_reward", actor, f"{method} {reference}")
    return row


def close(session: Session, tip_id: int, actor: Actor) -> Tip:
    return _fire(session, get(session, tip_id), "close", actor)


def overdue(session: Session, today: date | None = None) -> list[Tip]:
    day = today or local_today()
    q = select(Tip).where(Tip.status != "CLOSED", Tip.step_deadline < day).order_by(Tip.id)
    return list(session.execute(q).scalars())


def steps(session: Session, tip_id: int) -> list[TipStep]:
    q = select(TipStep).where(TipStep.tip_id == tip_id).order_by(TipStep.id)
    return list(session.execute(q).scalars())


def get_reward(session: Session, tip_id: int) -> TipReward | None:
    return session.get(TipReward, tip_id)
