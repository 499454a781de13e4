"""Every named case of every rule fixture (rules/catalog/<CODE>.yml) on real DuckDB."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from fundguard.profiles import load_profile
from fundguard.rules import engine, fixtures

CASES = fixtures.all_cases()


def expected_set(rule_code: str, case: dict) -> set[tuple]:
    return {
        (
            e.get("rule_code", rule_code),
            e["mdtrt_id"],
            e.get("feedetl_sn"),
            Decimal(str(e["amount"])).quantize(Decimal("0.01")),
        )
        for e in case["expect"]
    }


def run_case(rule_code: str, case: dict):
    con = fixtures.case_connection(case)
    knowledge = fixtures.case_knowledge(rule_code, case)
    params = engine.rule_params(load_profile(None))
    params.update(case.get("params") or {})
    return engine.run_duckdb(con, knowledge, params)


@pytest.mark.parametrize(("rule_code", "name", "case"), CASES, ids=[f"{c}:{n}" for c, n, _ in CASES])
def test_rule_fixture(rule_code: str, name: str, case: dict) -> None:
    findings = run_case(rule_code, case).to_pylist()
    got = {(f["rule_code"], f["mdtrt_id"], f["feedetl_sn"], f["amount"]) for f in findings}
    assert got == expected_set(rule_code, case), name
    assert len(findings) == len(got)
    for f in findings:
        assert f["message"].endswith("。") and any("\u4e00" <= ch <= "\u9fff" for ch in f["message"])
        assert isinstance(json.loads(f["evidence"]), dict)
        assert len(f["finding_id"]) == 32


def test_every_runnable_rule_has_fixture_and_doc() -> None:
    from fundguard.rules.registry import RULES

    runnable = {c for c, r in RULES.items() if r.template != "none" and r.enabled}
    with_fixture = {c for c, _, _ in CASES}
    assert runnable <= with_fixture, sorted(runnable - with_fixture)
    for code in runnable:
        doc = (fixtures.CATALOG_DIR / f"{code}.md").read_text(encoding="utf-8")
        for heading in ("什么", "为什么", "依据", "参数", "命中示例", "不命中示例"):
            assert f"## {heading}" in doc, (code, heading)
    for code in with_fixture:
        cases = [c for rc, _, c in CASES if rc == code]
        assert any(c["expect"] for c in cases) and any(not c["expect"] for c in cases), code
