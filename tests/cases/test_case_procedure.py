"""A case walks the procedure of domain.md §2f on a real store: deadlines, defence, major decisions, evidence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from fundguard.auth.models import AuditEvent
from fundguard.cases import service
from fundguard.cases.models import CaseEvidence
from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict, Forbidden, InputError

HANDLER = Actor.of("办案员王", "case_handler", region="320400")
LEGAL = Actor.of("法制审核员李", "legal_reviewer", region="320400")
BOARD = Actor.of("局长办公会", "collective_discussion_member", region="320400")
MON = date(2026, 3, 2)  # a Monday with no holiday nearby


def new_case(session, amount="20000", **facts):
    return service.create(
        session,
        HANDLER,
        title="某医院虚构诊疗项目",
        actor_type="unit",
        amount=Decimal(amount),
        institution_code="H32040100001",
        facts={"kind": "fraud", **facts},
    )


def to_investigating(session, case):
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    service.file_case(session, case.id, HANDLER, "达到立案标准", today=MON)
    service.start_investigation(session, case.id, HANDLER, today=MON)
    return case


def to_defence_heard(session, case, fine="40000"):
    to_investigating(session, case)
    service.draft_decision(
        session, case.id, HANDLER, fine_amount=Decimal(fine), measures=["追回", "罚款"], basis="条例第40条"
    )
    service.notify(session, case.id, HANDLER, today=MON)
    service.record_statement(session, case.id, HANDLER, "我院对事实无异议")
    service.hear_defence(session, case.id, HANDLER, today=MON)
    return case


def test_new_case_starts_as_a_clue_with_a_number(session):
    case = new_case(session)
    assert case.status == "CLUE"
    assert case.case_no == f"AJ-{case.created_at.year}-{case.id:06d}"
    assert case.owner_role == "case_handler"


def test_prelim_verification_has_fifteen_working_days(session):
    case = new_case(session)
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    assert case.step_deadline == date(2026, 3, 23)


def test_filing_starts_the_ninety_day_decision_deadline(session):
    case = to_investigating(session, new_case(session))
    assert case.filed_on == MON
    assert case.decision_due == date(2026, 5, 31)
    assert case.step_deadline == date(2026, 5, 31)


def test_defence_period_counts_working_days_over_a_holiday(session):
    case = to_investigating(session, new_case(session))
    service.draft_decision(
        session, case.id, HANDLER, fine_amount=Decimal("40000"), measures=["罚款"], basis="条例第40条"
    )
    service.notify(session, case.id, HANDLER, today=date(2026, 9, 30))
    # 2026 National Day holiday: 10-01..10-07 off; 10-08, 10-09, 10-10 (调休), 10-12, 10-13 count.
    assert case.defence_due == date(2026, 10, 13)
    assert case.hearing_request_due == date(2026, 10, 5)


def test_defence_cannot_be_closed_while_the_period_is_open_and_nothing_received(session):
    case = to_investigating(session, new_case(session))
    service.draft_decision(
        session, case.id, HANDLER, fine_amount=Decimal("40000"), measures=["罚款"], basis="条例第40条"
    )
    service.notify(session, case.id, HANDLER, today=MON)
    with pytest.raises(Conflict) as err:
        service.hear_defence(session, case.id, HANDLER, today=MON)
    assert err.value.code == "DEFENCE_PERIOD_OPEN"
    service.hear_defence(session, case.id, HANDLER, today=date(2026, 3, 10))
    assert case.status == "DEFENCE_HEARD"


def test_notice_needs_a_draft_decision(session):
    case = to_investigating(session, new_case(session))
    with pytest.raises(Conflict):
        service.notify(session, case.id, HANDLER, today=MON)


def test_draft_fine_outside_the_legal_range_is_refused(session):
    case = to_investigating(session, new_case(session))
    with pytest.raises(InputError) as err:
        service.draft_decision(
            session, case.id, HANDLER, fine_amount=Decimal("39999.99"), measures=["罚款"], basis="条例第40条"
        )
    assert err.value.code == "FINE_OUT_OF_RANGE"


def test_draft_with_unknown_measure_or_excess_suspension_is_refused(session):
    case = to_investigating(session, new_case(session))
    with pytest.raises(InputError):
        service.draft_decision(
            session, case.id, HANDLER, fine_amount=Decimal("40000"), measures=["没收"], basis="x"
        )
    with pytest.raises(InputError):
        service.draft_decision(
            session,
            case.id,
            HANDLER,
            fine_amount=Decimal("40000"),
            measures=["罚款"],
            basis="x",
            suspension_months=13,
        )


def test_ordinary_decision_may_skip_legal_review(session):
    case = to_defence_heard(session, new_case(session))
    service.decide(session, case.id, HANDLER, "条例第四十条，情节一般", today=MON)
    assert case.status == "DECIDED"
    assert case.step_deadline == date(2026, 3, 9)  # served within 7 days
    assert service.get_decision(session, case.id).decided_by == HANDLER.name


def test_major_fine_needs_legal_review_and_collective_discussion(session):
    case = to_defence_heard(session, new_case(session), fine="100000")
    assert service.get_decision(session, case.id).major
    with pytest.raises(Conflict) as err:
        service.decide(session, case.id, HANDLER, "条例第四十条", today=MON)
    assert err.value.code == "MAJOR_NEEDS_REVIEW"
    service.legal_review(session, case.id, LEGAL, "事实清楚，证据确凿，程序合法", today=MON)
    with pytest.raises(Conflict):
        service.decide(session, case.id, BOARD, "条例第四十条", today=MON)
    with pytest.raises(Forbidden):
        service.record_collective_discussion(session, case.id, HANDLER, "办案员自己讨论", ["王"])
    service.record_collective_discussion(
        session, case.id, BOARD, "同意罚款10万元", ["局长", "副局长", "法规科长"]
    )
    service.decide(session, case.id, BOARD, "条例第四十条，集体讨论决定", today=MON)
    assert case.status == "DECIDED"


def test_rescission_is_major_even_with_a_small_fine(session):
    case = to_investigating(session, new_case(session, repeat_offence=True))
    decision = service.draft_decision(
        session, case.id, HANDLER, fine_amount=Decimal("40000"), measures=["解除协议"], basis="条例第40条"
    )
    assert decision.major


def test_full_procedure_to_archive_records_every_step_and_audit_event(session):
    case = to_defence_heard(session, new_case(session))
    service.decide(session, case.id, HANDLER, "条例第四十条", today=MON)
    service.serve(session, case.id, HANDLER, "直接送达", today=date(2026, 3, 3))
    assert case.fine_due == date(2026, 3, 18)
    service.execute(session, case.id, HANDLER, "罚没款已缴纳，基金已追回")
    service.archive(session, case.id, HANDLER)
    assert case.status == "CLOSED_ARCHIVED"
    events = [s.event for s in service.steps(session, case.id)]
    assert events == [
        "assign_verification",
        "file",
        "start_investigation",
        "notify",
        "hear_defence",
        "decide",
        "serve",
        "execute",
        "archive",
    ]
    actions = set(
        session.execute(select(AuditEvent.action).where(AuditEvent.entity_id == case.case_no)).scalars()
    )
    assert {"case.created", "case.decide", "case.archive", "case.decision_drafted"} <= actions


def test_criminal_transfer_pauses_and_resumes(session):
    case = to_investigating(session, new_case(session, amount="150000"))
    service.transfer_criminal(session, case.id, HANDLER, "市公安局经侦支队")
    assert case.status == "TRANSFERRED_CRIMINAL"
    assert case.step_deadline is None
    service.resume(session, case.id, HANDLER, "公安已立案，行政处罚继续（一案多处）")
    assert case.status == "INVESTIGATING"


def test_large_fraud_draft_raises_the_referral_flag(session):
    case = to_investigating(session, new_case(session, amount="150000"))
    service.draft_decision(
        session, case.id, HANDLER, fine_amount=Decimal("300000"), measures=["罚款"], basis="条例第40条"
    )
    assert case.criminal_referral_suggested


def test_filing_needs_a_reason(session):
    case = new_case(session)
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    with pytest.raises(InputError):
        service.file_case(session, case.id, HANDLER, "  ", today=MON)


def test_not_meeting_the_filing_standard_closes_without_a_case(session):
    case = new_case(session)
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    service.close_no_case(session, case.id, HANDLER, "证据不足，转协议处理", today=MON)
    assert case.status == "CLOSED_NO_CASE"
    with pytest.raises(Conflict):
        service.file_case(session, case.id, HANDLER, "再立案", today=MON)


def test_a_clerk_without_the_role_cannot_file(session):
    case = new_case(session)
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    with pytest.raises(Forbidden):
        service.file_case(session, case.id, Actor.of("前台", "intake_clerk"), "x", today=MON)


def test_overdue_query_lists_cases_past_their_step_deadline(session):
    late = new_case(session)
    service.assign_verification(session, late.id, HANDLER, "王", today=MON)
    fresh = new_case(session)
    service.assign_verification(session, fresh.id, HANDLER, "王", today=date(2026, 3, 20))
    rows = service.overdue(session, today=date(2026, 3, 24))
    assert [c.id for c, _ in rows] == [late.id]
    assert "期限" in rows[0][1]


def test_evidence_is_hashed_stored_and_verified_on_read(session, fg_home):
    case = new_case(session)
    item = service.add_evidence(
        session,
        case.id,
        HANDLER,
        kind="病历",
        filename="病历 001.pdf",
        data=b"%PDF-1.4 record",
        source="现场检查",
    )
    assert (fg_home / "evidence" / item.path).read_bytes() == b"%PDF-1.4 record"
    _, data = service.read_evidence(session, item.id, LEGAL)
    assert data == b"%PDF-1.4 record"
    assert [c["action"] for c in session.get(CaseEvidence, item.id).custody] == ["collected", "read"]


def test_tampered_evidence_is_refused(session, fg_home):
    case = new_case(session)
    item = service.add_evidence(session, case.id, HANDLER, kind="处方", filename="rx.jpg", data=b"original")
    (fg_home / "evidence" / item.path).write_bytes(b"altered")
    with pytest.raises(Conflict) as err:
        service.read_evidence(session, item.id, HANDLER)
    assert err.value.code == "EVIDENCE_TAMPERED"
