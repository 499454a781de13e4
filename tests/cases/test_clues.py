"""线索: from findings and other sources, merged per party and subject, exchanged with partners."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from fundguard.cases import clues, exchange
from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict, InputError

HANDLER = Actor.of("办案员王", "case_handler", region="320400")


def finding(fid, category="SPLIT_ADMISSION", institution="H1", amount="100.00", prac="D1"):
    return {"finding_id": fid, "rule_code": "R1", "rule_version": "1", "category": category,
            "fixmedins_code": institution, "prac_psn_code": prac, "amount": amount, "message": "疑似分解住院"}  # fmt: skip


def test_findings_are_grouped_per_institution_and_category(session):
    out = clues.from_findings(
        session,
        HANDLER,
        [
            finding("F1"),
            finding("F2", amount="50.50"),
            finding("F3", category="GENDER"),
            finding("F4", institution="H2"),
        ],
    )
    assert len(out) == 3
    split = next(c for c in out if c.institution_code == "H1" and c.subjects == ["SPLIT_ADMISSION"])
    assert split.amount == Decimal("150.50")
    assert [s.source_ref for s in clues.sources(session, split.id)] == ["F1", "F2"]


def test_same_party_and_overlapping_subject_merge_keeping_all_sources(session):
    a, merged_a = clues.add(
        session, HANDLER, source_type="tip", source_ref="JB-1", subjects=["FALSE_ADMISSION"], institution_code="H1",
        period_from=date(2026, 1, 1), period_to=date(2026, 3, 31), amount=Decimal("8000"),
    )  # fmt: skip
    b, merged_b = clues.add(
        session, HANDLER, source_type="hotline_12345", source_ref="WO-9", subjects=["FALSE_ADMISSION", "BED_HANGING"],
        institution_code="H1", period_from=date(2026, 3, 1), period_to=date(2026, 5, 31), amount=Decimal("5000"),
    )  # fmt: skip
    assert (merged_a, merged_b, a.id) == (False, True, b.id)
    assert b.subjects == ["BED_HANGING", "FALSE_ADMISSION"]
    assert (b.period_from, b.period_to, b.amount) == (date(2026, 1, 1), date(2026, 5, 31), Decimal("8000.00"))
    assert {s.source_type for s in clues.sources(session, b.id)} == {"tip", "hotline_12345"}


def test_different_subject_or_period_does_not_merge(session):
    a, _ = clues.add(session, HANDLER, source_type="alert", source_ref="A1", subjects=["X"], institution_code="H1",
                     period_from=date(2026, 1, 1), period_to=date(2026, 1, 31))  # fmt: skip
    b, _ = clues.add(
        session, HANDLER, source_type="alert", source_ref="A2", subjects=["Y"], institution_code="H1"
    )
    c, _ = clues.add(session, HANDLER, source_type="alert", source_ref="A3", subjects=["X"], institution_code="H1",
                     period_from=date(2026, 6, 1), period_to=date(2026, 6, 30))  # fmt: skip
    assert len({a.id, b.id, c.id}) == 3


def test_the_same_source_twice_is_idempotent(session):
    a, _ = clues.add(
        session,
        HANDLER,
        source_type="department",
        source_ref="公安-7",
        subjects=["X"],
        person_code="P1",
        partner="公安",
    )
    b, merged = clues.add(
        session, HANDLER, source_type="department", source_ref="公安-7", subjects=["X"], person_code="P1"
    )
    assert a.id == b.id and merged and len(clues.sources(session, a.id)) == 1


def test_clue_becomes_a_case_with_its_findings_and_practitioners(session):
    (clue,) = clues.from_findings(session, HANDLER, [finding("F1"), finding("F2", prac="D2")])
    case = clues.open_case(session, clue.id, HANDLER, "分解住院线索立案核查")
    assert (case.status, case.finding_ids, case.practitioner_codes) == ("CLUE", ["F1", "F2"], ["D1", "D2"])
    assert clue.status == "CASE_OPENED"
    with pytest.raises(Conflict):
        clues.open_case(session, clue.id, HANDLER, "再次立案")


def test_invalid_clues_are_refused(session):
    with pytest.raises(InputError):
        clues.add(
            session, HANDLER, source_type="rumour", source_ref="1", subjects=["X"], institution_code="H1"
        )
    with pytest.raises(InputError):
        clues.add(session, HANDLER, source_type="tip", source_ref="1", subjects=["X"])
    with pytest.raises(InputError):
        clues.from_findings(session, HANDLER, [{"finding_id": "F1"}])


def test_json_and_excel_exchange_round_trip_into_a_partner_store(session):
    (clue,) = clues.from_findings(session, HANDLER, [finding("F1", amount="1234.56")])
    sender = {"kind": "region", "code": "320400", "name": "常州市医疗保障局"}
    doc = exchange.export(
        session, [clue.id], sender, {"kind": "region", "code": "500000", "name": "重庆市医疗保障局"}
    )
    assert doc["clues"][0]["amount"] == "1234.56"
    back = exchange.from_excel(exchange.to_excel(doc))
    assert back["sender"] == sender and back["clues"][0]["subjects"] == ["SPLIT_ADMISSION"]
    partner = Actor.of("重庆办案员", "case_handler", region="500000")
    ((imported, merged),) = exchange.import_doc(session, partner, back)
    # Same store here, but another region: the partner gets its own clue (never merged into ours).
    assert not merged and imported.id != clue.id and imported.region == "500000"
    (src,) = clues.sources(session, imported.id)
    assert (src.source_type, src.source_ref) == ("region", f"320400:{clue.clue_no}")
    assert src.payload["origin_sources"] == [{"type": "finding", "ref": "F1", "partner": ""}]
    again = exchange.import_doc(session, partner, doc)
    assert again[0] == (imported, True) and len(clues.sources(session, imported.id)) == 1
    # Our own region re-importing its file merges into the existing clue, keeping both sources.
    ((own, own_merged),) = exchange.import_doc(
        session, HANDLER, {**doc, "sender": {**sender, "code": "320500"}}
    )
    assert own_merged and own.id == clue.id
    assert {s.source_type for s in clues.sources(session, clue.id)} == {"finding", "region"}


SOURCES = [
    ("hotline_12345", "12345-2026-000123", "12345热线"),
    ("department", "卫健移-2026-8", "卫健"),
    ("department", "市监移-2026-3", "市场监管"),
    ("department", "公安移-2026-5", "公安"),
    ("region", "500000:XS-2026-000077", "重庆市医疗保障局（川渝协查）"),
]


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_other_departments_regions_and_12345_round_trip_through_the_exchange_file(session, fmt):
    for source_type, ref, partner in SOURCES:
        clue, _ = clues.add(
            session, HANDLER, source_type=source_type, source_ref=ref, subjects=["FALSE_ADMISSION"],
            institution_code="H9", partner=partner, amount=Decimal("900"),
        )  # fmt: skip
    assert len(clues.sources(session, clue.id)) == len(SOURCES)  # one clue, every source kept
    sender = {"kind": "region", "code": "320400", "name": "常州市医疗保障局"}
    doc = exchange.export(session, [clue.id], sender, {"kind": "region", "code": "510000"})
    assert {(s["type"], s["ref"], s["partner"]) for s in doc["clues"][0]["sources"]} == set(SOURCES)
    if fmt == "xlsx":
        doc = exchange.from_excel(exchange.to_excel(doc))
    else:
        doc = json.loads(json.dumps(doc, ensure_ascii=False))
    sichuan = Actor.of("四川办案员", "case_handler", region="510000")
    ((imported, _),) = exchange.import_doc(session, sichuan, doc)
    again = exchange.export(session, [imported.id], {"kind": "region", "code": "510000"}, sender)
    kept = {(s["type"], s["ref"], s["partner"]) for s in again["clues"][0]["sources"]}
    assert set(SOURCES) <= kept and ("region", f"320400:{clue.clue_no}", "常州市医疗保障局") in kept


def test_department_and_region_sources_must_name_the_partner(session):
    with pytest.raises(InputError) as err:
        clues.add(session, HANDLER, source_type="department", source_ref="X-1", subjects=["X"],
                  institution_code="H1")  # fmt: skip
    assert err.value.code == "PARTNER_REQUIRED"


def test_duplicates_merge_by_hand_keeping_every_source(session):
    a, _ = clues.add(session, HANDLER, source_type="tip", source_ref="JB-1", subjects=["X"], institution_code="H1",
                     period_from=date(2026, 1, 1), period_to=date(2026, 1, 31), amount=Decimal("10"))  # fmt: skip
    b, _ = clues.add(session, HANDLER, source_type="hotline_12345", source_ref="WO-1", subjects=["Y"],
                     institution_code="H1", amount=Decimal("30"))  # fmt: skip
    c, _ = clues.add(
        session, HANDLER, source_type="alert", source_ref="A-1", subjects=["Y"], institution_code="H2"
    )
    assert a.id != b.id
    kept = clues.merge(session, a.id, b.id, HANDLER)
    assert kept.id == a.id and (b.status, b.merged_into) == ("MERGED", a.id)
    assert {s.source_ref for s in clues.sources(session, a.id)} == {"JB-1", "WO-1"}
    assert (kept.subjects, kept.amount, kept.period_to) == (["X", "Y"], Decimal("30.00"), None)
    with pytest.raises(Conflict):
        clues.merge(session, a.id, c.id, HANDLER)  # another institution
    with pytest.raises(Conflict):
        clues.merge(session, a.id, b.id, HANDLER)  # already merged


def test_exchange_file_without_format_or_sender_is_refused(session):
    with pytest.raises(InputError):
        exchange.import_doc(session, HANDLER, {"format": "other", "version": 1})
    with pytest.raises(InputError):
        exchange.import_doc(
            session, HANDLER, {"format": exchange.FORMAT, "version": 1, "sender": {"code": "x"}}
        )
    with pytest.raises(InputError):
        exchange.from_excel(b"not a workbook")
