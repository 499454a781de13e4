"""The engine's full findings table is pinned: every column of every finding, on two inputs.

Guards engine work that must not change any finding (performance, 0006 "Performance at 10 M lines"):
the golden files were written by the engine *before* that work and every later change must
reproduce them byte for byte (finding id, amount, message, evidence, pointers).

1. every rule fixture case as one city (``fixtures.combine_cases``; covers every template with its
   edge cases, SUSPENDED_PERSON included);
2. a synthetic city (scale 0.1, seed 7, violation rate 0.3: ~54 k fee lines, ~1,800 findings) with
   the full default library (national + MediModel + platform knowledge, as imported).

A legitimate semantic change (a template, the synthetic generator, the knowledge importers)
changes the golden files too: regenerate them with
``FUNDGUARD_REGEN_GOLDEN=1 .venv/bin/pytest tests/rules/test_engine_golden.py`` and review the diff.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from fundguard.contract import FINDING_COLUMNS, TABLES
from fundguard.profiles import load_profile
from fundguard.rules import engine, fixtures

GOLDEN = Path(__file__).resolve().parent / "golden"
REGEN = os.environ.get("FUNDGUARD_REGEN_GOLDEN") == "1"


def default_knowledge() -> engine.Knowledge:
    """The enabled national + MediModel + platform rules with their knowledge (as bench_rules builds it)."""
    from fundguard.rules.knowledge import importers
    from fundguard.rules.registry import RULES
    from fundguard.rules.schemas import TEMPLATE_PARAMS

    rows: dict[str, list[dict]] = {}
    for source_file in importers.IMPORTERS:
        for item in importers.run_importer(source_file).items:
            rule = RULES[item["rule_code"]]
            if not rule.enabled or rule.template == "none":
                continue
            params = TEMPLATE_PARAMS[rule.template].model_validate(item["params"]).model_dump(mode="json")
            rows.setdefault(rule.template, []).append(
                {
                    "rule_code": rule.code,
                    "params": params,
                    "source_file": source_file,
                    "source_row": item["source_row"],
                }
            )
    rules = [
        {
            "rule_code": c,
            "rule_version": "golden",
            "category": r.category,
            "severity": r.severity,
            "template": r.template,
            "enabled": True,
        }
        for c, r in RULES.items()
        if r.enabled and r.template != "none"
    ]
    return engine.Knowledge(rules=rules, rows=rows, suspensions=[])


def _rows(table: pa.Table) -> list[list[str]]:
    """One CSV row per finding: id, code, amount and a digest of every contract column."""
    out = []
    for f in table.to_pylist():
        full = "\x1f".join("" if f[c] is None else str(f[c]) for c in FINDING_COLUMNS)
        out.append(
            [
                f["finding_id"],
                f["rule_code"],
                str(f["amount"]),
                hashlib.sha256(full.encode()).hexdigest()[:16],
            ]
        )
    return sorted(out)


def _input_digest(con) -> str:
    parts = []
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for name in sorted(set(TABLES) & existing):
        present = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
        cols = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '∅')" for c in present)
        sql = f"SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) FROM (SELECT concat_ws('|', {cols}) AS r FROM {name})"
        parts.append(con.execute(sql).fetchall()[0])
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _check(name: str, con, knowledge: engine.Knowledge, storage: str | None = None) -> None:
    params = engine.rule_params(load_profile(None))
    digest = _input_digest(con)
    got = _rows(engine.run_duckdb(con, knowledge, params, storage=storage))
    path = GOLDEN / f"{name}.csv"
    if REGEN:
        GOLDEN.mkdir(exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write(f"# input {digest}\n")
            csv.writer(fh, lineterminator="\n").writerows(got)
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"# input {digest}", (
        f"{name}: the input differs from the one the golden file was made from (synthetic generator or "
        "fixtures changed?); regenerate with FUNDGUARD_REGEN_GOLDEN=1 and review the diff"
    )
    expected = [tuple(r) for r in csv.reader(lines[1:])]
    found = [tuple(r) for r in got]
    missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    assert not missing and not extra, {"missing": missing[:5], "extra": extra[:5]}
    assert sorted(found) == sorted(expected)  # same multiplicity too


@pytest.mark.parametrize("storage", ["memory", "disk"])
def test_fixture_city_findings_unchanged(storage: str, fg_home: Path) -> None:
    tables, knowledge, _ = fixtures.combine_cases(fixtures.all_cases())
    _check("fixture_city", fixtures.tables_connection(tables), knowledge, storage)
    assert not any((fg_home / "tmp").glob("rules-*")), "the work folder is removed after the run"


@pytest.mark.slow
def test_synthetic_city_full_library_findings_unchanged(tmp_path: Path) -> None:
    synth = pytest.importorskip("fundguard.synth.service")
    city = tmp_path / "city"
    synth.generate(city, scale=0.1, seed=7, fmt="parquet", violation_rate=0.3)
    con = duckdb.connect()
    for name in TABLES:
        f = city / f"{name}.parquet"
        if f.exists():
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{f}')")
    _check("synthetic_city", con, default_knowledge(), storage="disk")  # what a large run uses
