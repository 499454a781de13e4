"""服务协议 states (domain.md §2b): term by credit grade, renewal, pause → automatic termination,
suspension, rescission, termination; every legal transition and every illegal one."""

from __future__ import annotations

from datetime import date

import pytest

from fundguard.agreements import service
from fundguard.auth import service as audit
from fundguard.credit import service as credit
from fundguard.errors import Conflict

START = date(2026, 1, 15)


def _agreement(session, code="H32040000001", grade="B", start=START):
    return service.create_agreement(session, code, start, grade)


def _in_state(session, state: str):
    agr = _agreement(session)
    on = date(2026, 3, 2)
    if state == "RENEWAL_NEGOTIATION":
        service.apply_renewal(session, agr.id, on)
    elif state == "PAUSED":
        service.pause(session, agr.id, on, "院区装修，申请中止")
    elif state == "SUSPENDED":
        service.suspend(session, agr.id, on, "拒不配合检查")
    elif state == "RE_EVALUATION":
        service.pause(session, agr.id, on, "院区装修，申请中止")
        service.request_resume(session, agr.id, date(2026, 4, 1))
    elif state == "RESCINDED":
        service.rescind(session, agr.id, on, "虚构医疗服务骗取医保基金")
    elif state == "TERMINATED":
        service.terminate(session, agr.id, on, "机构注销")
    elif state == "EXPIRED_EXIT":
        service.apply_renewal(session, agr.id, on)
        service.conclude_renewal(session, agr.id, False, on, "B")
    assert agr.status == state
    return agr


STATES = [
    "ACTIVE",
    "RENEWAL_NEGOTIATION",
    "PAUSED",
    "SUSPENDED",
    "RE_EVALUATION",
    "RESCINDED",
    "TERMINATED",
    "EXPIRED_EXIT",
]
ON = date(2026, 5, 4)
EVENTS = {
    "apply_renewal": ({"ACTIVE"}, "RENEWAL_NEGOTIATION", lambda s, a: service.apply_renewal(s, a.id, ON)),
    "renew": (
        {"RENEWAL_NEGOTIATION"},
        "ACTIVE",
        lambda s, a: service.conclude_renewal(s, a.id, True, ON, "B"),
    ),
    "refuse_renewal": (
        {"RENEWAL_NEGOTIATION"},
        "EXPIRED_EXIT",
        lambda s, a: service.conclude_renewal(s, a.id, False, ON, "B"),
    ),
    "pause": ({"ACTIVE"}, "PAUSED", lambda s, a: service.pause(s, a.id, ON, "停业整顿")),
    "request_resume": (
        {"PAUSED", "SUSPENDED"},
        "RE_EVALUATION",
        lambda s, a: service.request_resume(s, a.id, ON),
    ),
    "resume": ({"RE_EVALUATION"}, "ACTIVE", lambda s, a: service.conclude_re_evaluation(s, a.id, True, ON)),
    "refuse_resume": (
        {"RE_EVALUATION"},
        "PAUSED",
        lambda s, a: service.conclude_re_evaluation(s, a.id, False, ON),
    ),
    "suspend": ({"ACTIVE"}, "SUSPENDED", lambda s, a: service.suspend(s, a.id, ON, "拒不配合检查")),
    "rescind": (
        {"ACTIVE", "SUSPENDED"},
        "RESCINDED",
        lambda s, a: service.rescind(s, a.id, ON, "伪造医疗文书"),
    ),
    "terminate": ({"ACTIVE"}, "TERMINATED", lambda s, a: service.terminate(s, a.id, ON, "机构注销")),
}


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_each_agreement_event_moves_only_from_its_allowed_states(session, event):
    allowed, target, call = EVENTS[event]
    for state in STATES:
        agr = _in_state(session, state)
        if state in allowed:
            call(session, agr)
            assert agr.status == target, (event, state)
        else:
            with pytest.raises(Conflict) as err:
                call(session, agr)
            assert "服务协议" in err.value.message_zh
            assert agr.status == state


def test_term_is_two_years_for_grade_b_three_for_a_and_one_for_d():
    assert service.term_for_grade("B") == 2
    assert service.term_for_grade("A") == 3
    assert service.term_for_grade("D") == 1


def test_agreement_runs_to_the_day_before_the_same_date_two_years_later(session):
    agr = _agreement(session, grade="B", start=date(2026, 2, 24))
    assert (agr.term_years, agr.end_on) == (2, date(2028, 2, 23))


def test_pause_longer_than_six_months_terminates_the_agreement_automatically(session):
    agr = _agreement(session)
    service.pause(session, agr.id, date(2026, 1, 31), "停业装修")
    assert agr.pause_deadline == date(2026, 7, 31)
    assert service.run_due_transitions(session, date(2026, 7, 31)) == []
    assert agr.status == "PAUSED"
    assert service.run_due_transitions(session, date(2026, 8, 1)) == [(agr.id, "PAUSED", "TERMINATED")]
    assert agr.status == "TERMINATED"
    assert "自动终止" in agr.reason


def test_resumed_pause_is_not_terminated_automatically(session):
    agr = _agreement(session)
    service.pause(session, agr.id, date(2026, 1, 31), "停业装修")
    service.request_resume(session, agr.id, date(2026, 7, 1))
    service.conclude_re_evaluation(session, agr.id, True, date(2026, 7, 20))
    assert service.run_due_transitions(session, date(2026, 8, 1)) == []
    assert agr.status == "ACTIVE"


def test_failed_re_evaluation_after_a_suspension_stays_suspended(session):
    agr = _in_state(session, "SUSPENDED")
    service.request_resume(session, agr.id, date(2026, 4, 1))
    service.conclude_re_evaluation(session, agr.id, False, date(2026, 4, 20), "整改不到位")
    assert agr.status == "SUSPENDED"


def test_agreement_not_renewed_by_its_end_exits(session):
    agr = _agreement(session, start=date(2024, 3, 1))
    assert agr.end_on == date(2026, 2, 28)
    assert service.run_due_transitions(session, date(2026, 2, 28)) == []
    assert service.run_due_transitions(session, date(2026, 3, 1)) == [(agr.id, "ACTIVE", "EXPIRED_EXIT")]


def test_renewal_gives_a_new_term_by_the_current_grade(session):
    agr = _agreement(session, start=date(2024, 3, 1))
    service.apply_renewal(session, agr.id, date(2025, 12, 1))
    service.conclude_renewal(session, agr.id, True, date(2026, 1, 10), "D")
    assert (agr.start_on, agr.end_on, agr.term_years) == (date(2026, 3, 1), date(2027, 2, 28), 1)


def test_renewal_after_expiry_is_refused(session):
    agr = _agreement(session, start=date(2024, 3, 1))
    with pytest.raises(Conflict):
        service.apply_renewal(session, agr.id, date(2026, 3, 1))


def test_termination_refused_while_the_institution_is_under_investigation(session):
    agr = _agreement(session)
    service.set_under_investigation(session, agr.fixmedins_code, True)
    with pytest.raises(Conflict) as err:
        service.terminate(session, agr.id, date(2026, 3, 2), "申请终止")
    assert "调查" in err.value.message_zh
    service.set_under_investigation(session, agr.fixmedins_code, False)
    service.terminate(session, agr.id, date(2026, 3, 2), "申请终止")
    assert agr.status == "TERMINATED"


def test_change_of_registered_information_refused_while_under_investigation(session):
    agr = _agreement(session)
    service.set_under_investigation(session, agr.fixmedins_code, True)
    with pytest.raises(Conflict) as err:
        service.request_change(
            session, agr.fixmedins_code, "address", "新北区太湖路1号", date(2026, 3, 1), date(2026, 3, 2)
        )
    assert "暂缓" in err.value.message_zh
    assert service.is_under_investigation(session, agr.fixmedins_code)


def test_change_of_address_sends_the_active_agreement_to_re_evaluation(session):
    agr = _agreement(session)
    change = service.request_change(
        session, agr.fixmedins_code, "address", "新北区太湖路1号", date(2026, 3, 1), date(2026, 4, 15)
    )
    assert change.needs_re_evaluation and change.late
    assert agr.status == "RE_EVALUATION"
    service.conclude_re_evaluation(session, agr.id, False, date(2026, 5, 1), "新址面积不达标")
    assert agr.status == "SUSPENDED"


def test_change_of_contact_needs_no_re_evaluation(session):
    agr = _agreement(session)
    change = service.request_change(
        session, agr.fixmedins_code, "contact", "0519-1234567", date(2026, 3, 1), date(2026, 3, 2)
    )
    assert not change.needs_re_evaluation and not change.late
    assert agr.status == "ACTIVE"


def test_suspension_and_rescission_become_credit_events(session):
    agr = _agreement(session)
    service.suspend(session, agr.id, date(2026, 3, 2), "拒不配合检查")
    service.rescind(session, agr.id, date(2026, 4, 1), "虚构医疗服务")
    lines = credit.explain(session, "INSTITUTION", agr.fixmedins_code, date(2026, 4, 1)).lines
    assert [(ln.event_type, ln.points) for ln in lines] == [
        ("AGREEMENT_SUSPENDED", -20),
        ("AGREEMENT_RESCINDED", -40),
    ]
    assert "虚构医疗服务" in lines[-1].explanation


def test_every_agreement_state_change_is_in_the_audit_log(session):
    agr = _agreement(session)
    service.pause(session, agr.id, date(2026, 3, 2), "停业装修")
    service.run_due_transitions(session, date(2026, 9, 3))
    session.commit()
    from sqlalchemy import select

    from fundguard.auth.models import AuditEvent

    actions = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.entity_type == "agr_agreement", AuditEvent.entity_id == str(agr.id)
        )
    ).all()
    assert actions == ["agreement.create", "agreement.pause", "agreement.auto_terminate"]
    assert audit.verify_audit_log(session) == []


def test_rescission_drafts_an_entry_of_the_published_rescission_list(session):
    from fundguard.disclosure.models import Publication

    agr = _agreement(session)
    service.rescind(session, agr.id, date(2026, 4, 1), "虚构医疗服务")
    (pub,) = session.query(Publication).all()
    assert (pub.pub_type, pub.status, pub.source_id) == ("RESCINDED_INSTITUTIONS", "DRAFT", str(agr.id))
