"""Knowledge base import on a real, migrated store: every table reported, rejects named, versions kept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fundguard import refdata
from fundguard.rules import service
from fundguard.rules.knowledge import importers, parsing
from fundguard.rules.models import KnowledgeRow, RuleSet, RuleSetVersion


def _manifest_rows() -> dict[str, int]:
    return {r["file"]: int(r["rows"]) for r in refdata.read_rows("MANIFEST.csv")}


def test_import_reports_every_table_and_rejects_with_file_row_reason(session) -> None:
    report = service.import_knowledge(session, "all")
    session.commit()
    by_file = {r["source_file"]: r for r in report}
    manifest = _manifest_rows()
    expected_files = [
        f for f in manifest if f.startswith(("nhsa-rules/national_batches/", "nhsa-rules/medimodel_latest/"))
    ]
    expected_files.append("nhsa-rules/medimodel_2025-09-12_sql/treatment_overuse_rules.csv")
    assert set(expected_files) <= set(by_file)
    for f in expected_files:
        assert by_file[f]["rows_read"] == manifest[f], f
        assert by_file[f]["status"] == "imported"
    course = by_file["nhsa-rules/national_batches/batch08_3_item_course_restriction.csv"]
    assert course["rejected"] == 1 and course["rejections"][0]["row"] == 12
    assert "不超过N天" in course["rejections"][0]["reason"]
    assoc = by_file["nhsa-rules/medimodel_latest/item_association_rules.csv"]
    assert [r["row"] for r in assoc["rejections"]] == [107]
    assert not assoc["enabled"] and assoc["note"]
    # knowledge rows = rows created in the report; rejected rows are not stored
    stored = session.execute(select(func.count()).select_from(KnowledgeRow)).scalar_one()
    assert stored == sum(r["rules_created"] for r in report if r["rule_set"] != "platform")
    # a parsed national row: 阿帕他胺片 (male only), exact code, with its source line
    row = session.execute(
        select(KnowledgeRow).where(
            KnowledgeRow.rule_code == "GEN-N01",
            KnowledgeRow.params["code"].as_string() == "XL02BBA326A001010102180",
        )
    ).scalar_one()
    assert row.params["allowed_gend"] == "1" and row.params["match"] == "exact"
    assert row.source_file.endswith("batch01_drug_gender_restriction_codes.csv") and row.source_row == 2
    # 24 小时 per day, and MediModel 1次每周 / 14天 / (a|b)
    hours = [
        k.params
        for k in session.execute(select(KnowledgeRow).where(KnowledgeRow.rule_code == "FRQ-N01")).scalars()
    ]
    assert {"max_units": 24, "unit": "小时"}.items() <= next(p for p in hours if p["unit"] == "小时").items()
    assert (
        session.execute(select(func.count()).where(KnowledgeRow.rule_code == "OVR-M01")).scalar_one() == 794
    )


def test_reimport_same_version_is_noop_and_new_version_keeps_old(session) -> None:
    service.import_knowledge(session, "national")
    session.commit()
    n = session.execute(select(func.count()).select_from(KnowledgeRow)).scalar_one()
    again = service.import_knowledge(session, "national")
    session.commit()
    assert {r["status"] for r in again} == {"unchanged"}
    assert session.execute(select(func.count()).select_from(KnowledgeRow)).scalar_one() == n
    service.import_knowledge(session, "national", version="2026-Q1")
    session.commit()
    versions = (
        session.execute(select(RuleSetVersion.version).where(RuleSetVersion.rule_set == "national"))
        .scalars()
        .all()
    )
    assert len(versions) == 2 and "2026-Q1" in versions
    assert session.get(RuleSet, "national").current_version == "2026-Q1"
    knowledge = service.load_knowledge(session, "GEN-N01", suspensions=[])
    assert {r["rule_version"] for r in knowledge.rules} == {"2026-Q1"}
    old = [v for v in versions if v != "2026-Q1"][0]
    assert {
        r["rule_version"] for r in service.load_knowledge(session, "GEN-N01", {"national": old}, []).rules
    } == {old}


@pytest.mark.parametrize(
    ("fn", "value", "expected"),
    [
        (parsing.days, "14天", 14),
        (parsing.days, "14", 14),
        (parsing.money, "2200元", __import__("decimal").Decimal("2200")),
        (parsing.frequency, "1次每日", (1, "day")),
        (parsing.frequency, "2次每月", (2, "month")),
        (parsing.gender, "男性", "1"),
        (parsing.gender, "女", "2"),
        (parsing.age_group, "小儿", "儿童"),
        (parsing.regex_list, "(肿瘤|癌)", "(肿瘤|癌)"),
        (parsing.course_days_from_text, "总时间不超过90天，评定间隔时间不短于14天。", 90),
    ],
)
def test_unit_and_vocabulary_parsers(fn, value, expected) -> None:
    assert fn(value) == expected


@pytest.mark.parametrize(
    ("fn", "value"),
    [
        (parsing.days, "两周"),
        (parsing.frequency, "1次每小时"),
        (parsing.gender, "未知"),
        (parsing.regex_list, "(癌"),
        (parsing.drug_code, "X123"),
        (parsing.service_code, "00110200005000"),
        (parsing.prefix_code, "c"),
    ],
)
def test_parsers_reject_with_reason(fn, value) -> None:
    with pytest.raises(ValueError) as err:
        fn(value)
    assert value in str(err.value) or "正则" in str(err.value)


def test_every_source_table_has_an_importer() -> None:
    files = set(importers.IMPORTERS)
    for f in _manifest_rows():
        if f.startswith(("nhsa-rules/national_batches/", "nhsa-rules/medimodel_latest/")):
            assert f in files, f
