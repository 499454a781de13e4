"""Tip intake to reward payout on a real store: protected identity, retrieval code, triage, deadlines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from fundguard.auth.models import AuditEvent
from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict, Forbidden, InputError, NotFound
from fundguard.tips import service
from fundguard.tips.models import TipIdentity, TipReward
from fundguard.tips.triage import Signals

OFFICER = Actor.of("举报专员陈", "whistleblower_officer")
OFFICER2 = Actor.of("举报专员周", "whistleblower_officer")
HANDLER = Actor.of("办案员王", "case_handler")
APPROVER = Actor.of("分管局长", "reward_approver")
PAYER = Actor.of("财务刘", "payment_officer")
IDENTITY = {"name": "张三", "id_number": "320402199001011234", "phone": "13800000000"}
MON = date(2026, 3, 2)


def named_tip(session, **kw):
    return service.submit(
        session,
        channel="phone",
        content="某药店用医保卡刷日用品",
        accused_institution="P32040100002",
        identity=IDENTITY,
        attachments=[("小票.jpg", b"receipt")],
        today=MON,
        **kw,
    )


def substantiated(session, amount="100000"):
    tip, code = named_tip(session)
    service.accept(session, tip.id, OFFICER)
    service.investigate(session, tip.id, HANDLER, case_id=7, today=MON)
    service.conclude(
        session, tip.id, HANDLER, substantiated=True, verified_amount=Decimal(amount), note="查实", today=MON
    )
    service.send_feedback(session, tip.id, OFFICER, "经查属实，已依法处理")
    return tip, code


def test_identity_is_stored_encrypted(session):
    tip, _ = named_tip(session)
    raw = session.execute(
        text("SELECT ciphertext FROM tip_identity WHERE tip_id = :i"), {"i": tip.id}
    ).scalar_one()
    assert "张三".encode() not in bytes(raw) and b"13800000000" not in bytes(raw)
    assert not tip.anonymous


def test_officer_can_reveal_identity_and_the_reveal_is_audited(session):
    tip, _ = named_tip(session)
    assert service.reveal_identity(session, tip.id, OFFICER, "核实举报人身份以发放奖励") == IDENTITY
    event = session.execute(
        select(AuditEvent).where(AuditEvent.action == "tip.identity_revealed")
    ).scalar_one()
    assert event.actor == OFFICER.name and event.entity_id == tip.tip_no
    assert "张三" not in str(event.detail)


def test_other_roles_cannot_reveal_identity_even_admin(session):
    tip, _ = named_tip(session)
    for actor in (HANDLER, Actor.of("root", "admin")):
        with pytest.raises(Forbidden):
            service.reveal_identity(session, tip.id, actor, "好奇")


def test_reveal_needs_a_reason(session):
    tip, _ = named_tip(session)
    with pytest.raises(InputError):
        service.reveal_identity(session, tip.id, OFFICER, " ")


def test_anonymous_tip_has_no_identity_row(session):
    tip, _ = service.submit(
        session, channel="online", content="挂床住院", accused_institution="H1", today=MON
    )
    assert tip.anonymous
    assert session.get(TipIdentity, tip.id) is None
    with pytest.raises(NotFound):
        service.reveal_identity(session, tip.id, OFFICER, "核实")


def test_reporter_follows_progress_with_the_retrieval_code(session):
    tip, code = named_tip(session)
    view = service.progress(session, tip.tip_no, code.lower())
    assert view["status"] == "RECEIVED" and view["status_label"] == "已接收"
    assert "张三" not in str(view)
    with pytest.raises(NotFound):
        service.progress(session, tip.tip_no, "WRONGCODE")


def test_intake_sets_the_five_working_day_acceptance_deadline(session):
    tip, _ = named_tip(session)
    assert tip.step_deadline == date(2026, 3, 9)
    assert service.overdue(session, today=date(2026, 3, 10)) == [tip]


def test_intake_requires_a_known_channel_content_and_accused(session):
    with pytest.raises(InputError):
        service.submit(session, channel="pigeon", content="x", accused_institution="H1")
    with pytest.raises(InputError):
        service.submit(session, channel="phone", content=" ", accused_institution="H1")
    with pytest.raises(InputError):
        service.submit(session, channel="phone", content="x")


def test_attachments_are_hashed_and_verified(session, fg_home):
    tip, _ = named_tip(session)
    (att,) = service.attachments(session, tip.id)
    assert service.read_attachment(session, att.id) == b"receipt"
    (fg_home / "evidence" / att.path).write_bytes(b"forged")
    with pytest.raises(Conflict):
        service.read_attachment(session, att.id)


def test_rejection_sends_the_reason_as_feedback(session):
    tip, code = named_tip(session)
    service.reject(session, tip.id, OFFICER, "不属于医保基金监管范围")
    assert service.progress(session, tip.tip_no, code)["feedback"].startswith("不予受理")
    service.close(session, tip.id, OFFICER)
    assert tip.status == "CLOSED"


def test_investigation_gets_sixty_days_extendable_once_by_thirty(session):
    tip, _ = named_tip(session)
    service.accept(session, tip.id, OFFICER)
    service.investigate(session, tip.id, HANDLER, today=MON)
    assert tip.step_deadline == date(2026, 5, 1)
    service.extend_investigation(session, tip.id, OFFICER, "需调取外地就诊记录")
    assert tip.step_deadline == date(2026, 5, 31)
    with pytest.raises(Conflict):
        service.extend_investigation(session, tip.id, OFFICER, "再延")


def test_full_reward_path_with_separate_approver_and_payment_record(session):
    tip, code = substantiated(session)
    reward = service.compute_reward(session, tip.id, OFFICER, level=1)
    assert reward.amount == Decimal("3000.00")
    with pytest.raises(Conflict):
        service.approve_reward(session, tip.id, Actor.of(OFFICER.name, "reward_approver"))
    service.approve_reward(session, tip.id, APPROVER, today=MON)
    assert reward.pay_due == date(2026, 4, 1)
    assert service.progress(session, tip.tip_no, code)["reward_amount"] == "3000.00"
    service.pay_reward(session, tip.id, PAYER, "银行转账", "PZ-2026-0001", today=MON)
    service.close(session, tip.id, OFFICER)
    row = session.get(TipReward, tip.id)
    assert (row.paid_by, row.payment_ref, tip.status) == (PAYER.name, "PZ-2026-0001", "CLOSED")


def test_unfounded_tip_gets_no_reward(session):
    tip, _ = named_tip(session)
    service.accept(session, tip.id, OFFICER)
    service.investigate(session, tip.id, HANDLER, today=MON)
    service.conclude(session, tip.id, HANDLER, substantiated=False, note="未发现违规", today=MON)
    service.send_feedback(session, tip.id, OFFICER2, "经查不属实")
    with pytest.raises(Conflict) as err:
        service.compute_reward(session, tip.id, OFFICER, level=3)
    assert err.value.code == "NOT_SUBSTANTIATED"


def test_substantiated_needs_the_verified_amount(session):
    tip, _ = named_tip(session)
    service.accept(session, tip.id, OFFICER)
    service.investigate(session, tip.id, HANDLER, today=MON)
    with pytest.raises(InputError):
        service.conclude(session, tip.id, HANDLER, substantiated=True, note="查实")


def test_anonymous_rewards_follow_the_province_switch(session, province):
    province({"report.anonymous_reward": False})
    tip, _ = service.submit(
        session, channel="online", content="虚假住院", accused_institution="H1", today=MON
    )
    service.accept(session, tip.id, OFFICER)
    service.investigate(session, tip.id, HANDLER, today=MON)
    service.conclude(
        session, tip.id, HANDLER, substantiated=True, verified_amount=Decimal("1000"), note="查实", today=MON
    )
    service.send_feedback(session, tip.id, OFFICER, "属实")
    with pytest.raises(Conflict) as err:
        service.compute_reward(session, tip.id, OFFICER, level=1)
    assert err.value.code == "ANONYMOUS_NO_REWARD"


def test_feedback_is_due_ten_working_days_after_the_conclusion(session):
    tip, _ = named_tip(session)
    service.accept(session, tip.id, OFFICER)
    service.investigate(session, tip.id, HANDLER, today=MON)
    service.conclude(session, tip.id, HANDLER, substantiated=False, note="x", today=MON)
    assert tip.step_deadline == date(2026, 3, 16)


def test_triage_scores_against_data_and_routes(session):
    tip, _ = named_tip(session)
    service.triage(session, tip.id, OFFICER, Signals(findings=12, anomalies=5))
    # findings 4×12 capped at 40, anomalies 3×5 = 15, attachment 10, named reporter 5
    assert (tip.triage_score, tip.route) == (70, "priority")
    quiet, _ = service.submit(session, channel="online", content="x", accused_institution="H9", today=MON)
    service.triage(session, quiet.id, OFFICER, Signals(findings=1))
    assert (quiet.triage_score, quiet.route) == (4, "monitor")
    service.triage(session, quiet.id, OFFICER, Signals(findings=5, anomalies=4))
    assert (quiet.triage_score, quiet.route) == (32, "standard")


def test_illegal_service_transition_is_refused(session):
    tip, _ = named_tip(session)
    with pytest.raises(Conflict):
        service.send_feedback(session, tip.id, OFFICER, "提前反馈")
    with pytest.raises(Forbidden):
        service.accept(session, tip.id, HANDLER)
