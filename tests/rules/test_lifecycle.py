"""Rule lifecycle on a real store: per-region switches, reviewer verdicts and per-rule stats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fundguard.errors import InputError
from fundguard.precheck.models import PrecheckFeedback
from fundguard.profiles import load_profile
from fundguard.rules import engine, fixtures, service
from fundguard.rules.models import Finding, Verdict
from fundguard.timeutil import now


def _two_region_city():
    """A female-only item billed for men at two hospitals in two regions."""
    fee = {
        "psn_no": "P1",
        "fee_ocur_time": "2025-03-03 10:00:00",
        "med_list_codg": "002101030300000",
        "cnt": 1,
        "pric": 100,
        "det_item_fee_sumamt": 100,
    }
    visit = {"gend": "1", "age": 40, "med_type": "11", "begntime": "2025-03-03 09:00:00"}
    return {
        "fixmedins": [
            {"fixmedins_code": "HA", "fixmedins_name": "甲", "fixmedins_type": "1", "admdvs": "110101"},
            {"fixmedins_code": "HB", "fixmedins_name": "乙", "fixmedins_type": "1", "admdvs": "120101"},
        ],
        "mdtrt": [
            {"mdtrt_id": "MA", "psn_no": "P1", "fixmedins_code": "HA", **visit},
            {"mdtrt_id": "MB", "psn_no": "P2", "fixmedins_code": "HB", **visit},
        ],
        "fee_list": [
            {"feedetl_sn": "FA", "mdtrt_id": "MA", "fixmedins_code": "HA", **fee},
            {"feedetl_sn": "FB", "mdtrt_id": "MB", "fixmedins_code": "HB", **{**fee, "psn_no": "P2"}},
        ],
    }


def _run(session, selector="GEN-N02"):
    knowledge = service.load_knowledge(session, selector, suspensions=[])
    con = fixtures.tables_connection(_two_region_city())
    return engine.run_duckdb(con, knowledge, engine.rule_params(load_profile(None)))


def test_disable_per_region_then_enable_disabled_medimodel_rule_for_one_region(session) -> None:
    service.import_knowledge(session, "all")
    session.commit()
    assert {f["mdtrt_id"] for f in _run(session).to_pylist()} == {"MA", "MB"}
    service.set_enabled(session, "GEN-N02", False, region="120101")
    session.commit()
    assert {f["mdtrt_id"] for f in _run(session).to_pylist()} == {"MA"}
    service.set_enabled(session, "GEN-N02", False)
    service.set_enabled(session, "GEN-N02", True, region="120101")
    session.commit()
    assert {f["mdtrt_id"] for f in _run(session).to_pylist()} == {"MB"}
    # GEN-M02 (MediModel 性别限制, prefix codes) is off by default; switched on for one region only
    assert _run(session, "GEN-M02").num_rows == 0
    service.set_enabled(session, "GEN-M02", True, region="110101")
    session.commit()
    hits = _run(session, "GEN-M02").to_pylist()
    assert [(f["rule_code"], f["mdtrt_id"]) for f in hits] == [("GEN-M02", "MA")]
    assert "medimodel_latest/treatment_limit_rules.csv" in hits[0]["evidence"]
    with pytest.raises(InputError):
        service.set_enabled(session, "SWP-M01", True)


def test_verdicts_and_stats(session) -> None:
    service.import_knowledge(session, "national")
    session.commit()
    findings = _run(session)
    service.store_findings(session, findings, "run1")
    service.store_findings(session, findings, "run2")  # upsert: same ids, no duplicates
    session.commit()
    assert session.query(Finding).count() == 2
    ids = sorted(f["finding_id"] for f in findings.to_pylist())
    service.record_verdict(session, ids[0], "confirmed")
    with pytest.raises(InputError):
        service.record_verdict(session, ids[1], "rejected")  # a rejection needs a reason
    service.record_verdict(session, ids[1], "rejected", "患者已完成变性手术，性别登记已更正")
    # What doctors did with the pre-check's reminders of this rule (3103 feedback).
    for action in ("overridden", "accepted", "changed", "overridden"):
        session.add(
            PrecheckFeedback(
                fixmedins_code="H1",
                mdtrt_id="M1",
                rule_code="GEN-N02",
                action=action,
                api_key_id=1,
                created_at=now(),
            )
        )
    session.commit()
    assert session.query(Verdict).count() == 2
    (row,) = service.stats(session)
    assert row == {
        "rule_code": "GEN-N02",
        "hits": 2,
        "confirmed": 1,
        "rejected": 1,
        "precision": 0.5,
        "amount": str(Decimal("200.00")),
        "feedback": 4,
        "overridden": 2,
        "override_rate": 0.5,
    }
