"""A decided case proposes points, a credit event and a disclosure, and confirms its findings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fundguard.cases import flows, service
from fundguard.cases.models import FindingVerdict
from fundguard.cases.statemachine import Actor
from fundguard.masterdata.models import Practitioner

HANDLER = Actor.of("办案员王", "case_handler", region="320400")
MON = date(2026, 3, 2)


def decided_case(session, points=None, findings=("F-1", "F-2")):
    session.add(Practitioner(prac_psn_code="D320400000001", prac_psn_name="李医生", prac_psn_type="1"))
    case = service.create(
        session,
        HANDLER,
        title="某医院串换项目",
        actor_type="unit",
        amount=Decimal("20000"),
        institution_code="H32040100001",
        facts={"kind": "fraud", "points": points or {}},
        finding_ids=list(findings),
        practitioner_codes=["D320400000001", "D320400000099"],
    )
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    service.file_case(session, case.id, HANDLER, "达到立案标准", today=MON)
    service.start_investigation(session, case.id, HANDLER, today=MON)
    service.draft_decision(
        session, case.id, HANDLER, fine_amount=Decimal("40000"), measures=["罚款"], basis="第40条"
    )
    service.notify(session, case.id, HANDLER, today=MON)
    service.hear_defence(session, case.id, HANDLER, today=date(2026, 3, 20))
    return flows.decide_case(session, case.id, HANDLER, "条例第四十条", today=date(2026, 3, 20))


def test_decision_confirms_every_linked_finding(session):
    case = decided_case(session)
    assert {v.finding_id: v.verdict for v in session.query(FindingVerdict)} == {
        "F-1": "CONFIRMED",
        "F-2": "CONFIRMED",
    }
    assert case.status == "DECIDED"


def test_decision_proposes_points_credit_and_disclosure(session):
    case = decided_case(session)
    rows = {(p.kind, p.target): p for p in flows.proposals(session, case.id)}
    assert rows[("points", "D320400000001")].status == "PROPOSED"  # no behaviour code yet
    assert rows[("credit", "H32040100001")].payload["event_type"] == "FRAUD"
    disclosure = rows[("disclosure", case.case_no)]
    assert disclosure.status == "PROPOSED"
    assert "D320400000001" not in str(disclosure.payload)


def test_credit_event_is_delivered_to_the_credit_domain(session):
    from fundguard.credit.models import CreditEvent

    case = decided_case(session)
    event = session.query(CreditEvent).one()
    assert (event.subject_id, event.event_type, event.source_id) == ("H32040100001", "FRAUD", case.case_no)


def test_points_go_to_scoring_when_the_case_names_behaviour_and_points(session):
    plan = {
        "D320400000001": {"behaviour_code": "V-9", "points": 5},
        "D320400000099": {"behaviour_code": "V-9", "points": 5},
    }
    case = decided_case(session, points=plan)
    rows = {p.target: p for p in flows.proposals(session, case.id) if p.kind == "points"}
    known, unknown = rows["D320400000001"], rows["D320400000099"]
    assert unknown.status == "PROPOSED" and unknown.payload["note"]  # not on file: refused, decision stands
    assert known.status == "DELIVERED", known.payload


def test_closing_without_a_case_rejects_the_findings(session):
    case = service.create(
        session, HANDLER, title="疑点", actor_type="unit", institution_code="H1", finding_ids=["F-9"]
    )
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    flows.close_without_case(session, case.id, HANDLER, "经核实不构成违规", today=MON)
    assert session.get(FindingVerdict, "F-9").verdict == "REJECTED"


def test_findings_stored_by_the_rule_engine_get_the_verdict_there_too(session):
    from fundguard.rules.models import Finding, Verdict
    from fundguard.timeutil import now

    session.add(
        Finding(
            finding_id="F-1", rule_code="R1", rule_version="1", category="SPLIT_ADMISSION", severity="warn",
            mdtrt_id="M1", amount=Decimal("10"), message="疑似分解住院", evidence={}, run_id="run1", found_at=now(),
        )
    )  # fmt: skip
    decided_case(session)
    (verdict,) = session.query(Verdict).all()
    assert (verdict.finding_id, verdict.verdict, verdict.actor) == ("F-1", "confirmed", HANDLER.name)


def test_a_decision_ordering_rectification_registers_a_problem_item(session):
    from fundguard.cases.models import ProblemItem

    case = service.create(session, HANDLER, title="未按规定上传数据", actor_type="unit", institution_code="H1",
                          facts={"kind": "management", "refused_correction": True})  # fmt: skip
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    service.file_case(session, case.id, HANDLER, "达到立案标准", today=MON)
    service.start_investigation(session, case.id, HANDLER, today=MON)
    service.draft_decision(
        session, case.id, HANDLER, fine_amount=Decimal("10000"), measures=["限期整改", "罚款"], basis="第39条"
    )
    service.notify(session, case.id, HANDLER, today=MON)
    service.hear_defence(session, case.id, HANDLER, today=date(2026, 3, 20))
    flows.decide_case(session, case.id, HANDLER, "条例第三十九条", today=date(2026, 3, 20))
    item = session.query(ProblemItem).one()
    assert (item.institution_code, item.source_type, item.source_id) == ("H1", "case", case.case_no)
    assert item.problem_no == "320400-2026-0001"


def test_an_accepted_tip_becomes_a_clue_without_the_reporter(session):
    from fundguard.cases import clues
    from fundguard.tips import service as tips

    officer = Actor.of("陈", "whistleblower_officer")
    tip, _ = tips.submit(session, channel="phone", content="挂床住院", accused_institution="H1",
                         identity={"name": "张三"}, today=MON)  # fmt: skip
    tips.accept(session, tip.id, officer)
    clue = flows.clue_from_tip(session, tip.id, HANDLER, ["BED_HANGING"])
    (src,) = clues.sources(session, clue.id)
    assert (src.source_type, src.source_ref) == ("tip", tip.tip_no)
    assert "张三" not in str(src.payload) + clue.summary
