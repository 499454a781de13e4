"""双随机一公开 draw (domain.md §2e.1, §4.3): ratio with ceil, strata by type and credit grade,
reproducible and auditable (seed, algorithm, snapshot + SHA-256, replay), redraw protection."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from fundguard.credit import service as credit
from fundguard.errors import Conflict
from fundguard.inspections import draw as algo
from fundguard.inspections import service
from fundguard.inspections.models import Draw
from fundguard.masterdata.models import Institution

ON = date(2026, 1, 5)


def _directory(session, medical=31, pharmacies=10):
    for i in range(medical):
        service.add_target(session, f"H{i:04d}", f"医院{i}", "1", "3", "320400")
    for i in range(pharmacies):
        service.add_target(session, f"P{i:04d}", f"药店{i}", "2", "", "320400")


def test_draw_takes_at_least_five_percent_of_the_jurisdiction_rounded_up(session):
    _directory(session)  # 41 institutions: 5 % = 2.05 → 3
    plan = service.create_plan(session, "2026Q1", ON)
    row = service.draw_targets(session, plan.id, ON, seed=20260105)
    assert row.params["minimum"] == 3
    assert len(row.result) == 3
    assert len(service.inspections(session, plan.id)) == 3


def test_draw_covers_every_institution_type(session):
    _directory(session, medical=38, pharmacies=2)  # 5 % of 40 = 2 → one of each type
    plan = service.create_plan(session, "2026Q1", ON)
    row = service.draw_targets(session, plan.id, ON, seed=7)
    assert sorted(r["stratum"].split("/")[0] for r in row.result) == ["1", "2"]


def test_draw_records_seed_algorithm_snapshot_and_its_sha256(session):
    _directory(session)
    credit.add_event(session, "INSTITUTION", "H0003", "FRAUD", date(2025, 6, 1), "虚假住院")
    plan = service.create_plan(session, "2026Q1", ON)
    row = service.draw_targets(session, plan.id, ON, seed=123456789)
    assert (row.seed, row.algorithm, row.algorithm_version) == ("123456789", algo.ALGORITHM, "1")
    assert [c["code"] for c in row.snapshot] == sorted(c["code"] for c in row.snapshot)
    h3 = next(c for c in row.snapshot if c["code"] == "H0003")
    assert (h3["grade"], h3["weight"]) == ("C", 2.0)
    assert row.snapshot_sha256 == algo.sha256_of(row.snapshot) and len(row.snapshot_sha256) == 64


def test_replay_recomputes_exactly_the_stored_draw(session):
    _directory(session)
    plan = service.create_plan(session, "2026Q1", ON)
    row = service.draw_targets(session, plan.id, ON)
    result = service.replay(session, row.id)
    assert result.snapshot_intact and result.equal
    assert result.recomputed == row.result


def test_replay_detects_a_tampered_snapshot(session):
    _directory(session)
    plan = service.create_plan(session, "2026Q1", ON)
    row = service.draw_targets(session, plan.id, ON, seed=42)
    snapshot = [dict(c, protected=True) if c["code"] == row.result[0]["code"] else c for c in row.snapshot]
    session.execute(update(Draw).where(Draw.id == row.id).values(snapshot=snapshot))
    session.expire_all()
    result = service.replay(session, row.id)
    assert not result.snapshot_intact and not result.equal


def test_same_seed_and_snapshot_give_the_same_draw_and_another_seed_may_not():
    snapshot = [
        {"code": f"H{i:03d}", "type": "1", "grade": "B", "weight": 1.0, "protected": False}
        for i in range(100)
    ]
    assert algo.draw_targets(snapshot, 99, 0.05) == algo.draw_targets(snapshot, 99, 0.05)
    assert any(
        algo.draw_targets(snapshot, s, 0.05) != algo.draw_targets(snapshot, 99, 0.05) for s in range(5)
    )


def test_lower_credit_grades_are_drawn_more_often():
    snapshot = [
        {
            "code": f"H{i:03d}",
            "type": "1",
            "grade": "D" if i % 2 else "B",
            "weight": 3.0 if i % 2 else 1.0,
            "protected": False,
        }
        for i in range(100)
    ]
    drawn_d = drawn = 0
    for seed in range(300):
        for r in algo.draw_targets(snapshot, seed, 0.05):
            drawn += 1
            drawn_d += r["stratum"].endswith("/D")
    assert drawn == 300 * 5
    assert drawn_d / drawn > 0.68  # weight 3 against 1: about three in four draws


def test_institutions_drawn_within_twelve_months_are_protected_unless_high_risk(session):
    _directory(session, medical=19, pharmacies=1)
    first = service.create_plan(session, "2026Q1", ON)
    drawn = [r["code"] for r in service.draw_targets(session, first.id, ON, seed=1).result]
    second = service.create_plan(session, "2026Q2", date(2026, 4, 1))
    row = service.draw_targets(session, second.id, date(2026, 4, 1), seed=1, high_risk={drawn[0]})
    protected = {c["code"] for c in row.snapshot if c["protected"]}
    assert protected == set(drawn) - {drawn[0]}
    second_draw = {r["code"] for r in row.result}
    assert not protected & second_draw
    later = service.create_plan(session, "2027Q1", date(2027, 1, 6))
    row = service.draw_targets(session, later.id, date(2027, 1, 6), seed=1)
    assert {c["code"] for c in row.snapshot if c["protected"]} == second_draw


def test_targets_are_synchronised_from_the_institution_master_data(session):
    session.add(
        Institution(
            fixmedins_code="H9",
            fixmedins_name="常州市第九人民医院",
            fixmedins_type="1",
            hosp_lv="2",
            admdvs="320400",
        )
    )
    session.flush()
    assert service.sync_targets(session) == 1
    assert [t.name for t in service.targets(session, "3204")] == ["常州市第九人民医院"]


def test_a_plan_is_drawn_once(session):
    _directory(session)
    plan = service.create_plan(session, "2026Q1", ON)
    service.draw_targets(session, plan.id, ON, seed=1)
    with pytest.raises(Conflict):
        service.draw_targets(session, plan.id, ON, seed=2)


def test_coverage_of_a_period_against_the_minimum_ratio(session):
    _directory(session)
    plan = service.create_plan(session, "2026Q1", ON)
    assert service.coverage(session, "2026Q1")["met"] is False
    service.draw_targets(session, plan.id, ON, seed=3)
    assert service.coverage(session, "2026Q1") == {
        "period": "2026Q1",
        "population": 41,
        "required": 3,
        "drawn": 3,
        "met": True,
    }
