"""Benchmark of the rule library (规则引擎性能) on a synthetic city.

``run(quick)`` generates a city (quick: scale 0.1, else scale 31 ≈ 10 M fee lines;
``FUNDGUARD_BENCH_RULES_SCALE`` overrides) as Parquet, builds the default knowledge
(national + MediModel + platform, as imported) in memory and measures:

1. the full rule library on DuckDB vs a single DuckDB scan of the same Parquet files reading every
   column the rules read (the floor: the ratio is the rule logic's cost on top of I/O), run in a
   fresh process so its peak RSS is its own, with the seconds of each phase (prelude, knowledge
   matches, templates; 0006 "Performance at 10 M lines");
2. the same library on Spark local mode (JVM warm-up excluded) vs DuckDB;
3. a pandas implementation of three representative rules (GENDER exact join, DUPLICATE window,
   PRICE catalog join) vs the same three templates on DuckDB (finding counts must agree).

Run: ``.venv/bin/python bench/bench_rules.py [--quick]``; set ``FUNDGUARD_BENCH_SKIP_SPARK=1`` to skip 2.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from fundguard.contract import TABLES
from fundguard.profiles import load_profile
from fundguard.rules import engine
from fundguard.rules.knowledge import importers
from fundguard.rules.registry import RULES
from fundguard.rules.schemas import TEMPLATE_PARAMS


def _row(name, value, unit, baseline_name="", baseline_value=None, notes=""):
    ratio = value / baseline_value if baseline_value else None
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline_value": baseline_value,
        "ratio": ratio,
        "notes": notes,
    }


def default_knowledge() -> engine.Knowledge:
    """The enabled national + MediModel + platform rules with their knowledge, straight from refdata."""
    rows: dict[str, list[dict]] = {}
    for source_file in importers.IMPORTERS:
        result = importers.run_importer(source_file)
        for item in result.items:
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
            "rule_version": "bench",
            "category": r.category,
            "severity": r.severity,
            "template": r.template,
            "enabled": True,
        }
        for c, r in RULES.items()
        if r.enabled and r.template != "none"
    ]
    return engine.Knowledge(rules=rules, rows=rows, suspensions=[])


def _views(con, city: Path) -> None:
    for name in TABLES:
        f = city / f"{name}.parquet"
        if f.exists():
            con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{f}')")


def _columns_read() -> dict[str, list[str]]:
    text = " ".join(p.read_text(encoding="utf-8") for p in engine.TEMPLATE_DIR.glob("*.sql"))
    words = set(re.findall(r"[a-z_]+", text))
    return {t: [c for c in spec.column_names if c in words] for t, spec in TABLES.items()}


def _scan_seconds(city: Path) -> float:
    con = duckdb.connect()
    start = time.perf_counter()
    for table, cols in _columns_read().items():
        f = city / f"{table}.parquet"
        if f.exists() and cols:
            con.execute(f"SELECT count(*), max(hash({', '.join(cols)})) FROM read_parquet('{f}')").fetchall()
    return time.perf_counter() - start


def _duckdb_seconds(city: Path, knowledge, params) -> tuple[float, int]:
    con = duckdb.connect()
    _views(con, city)
    start = time.perf_counter()
    n = engine.run_duckdb(con, knowledge, params).num_rows
    return time.perf_counter() - start, n


class _TimedConnection:
    """A DuckDB connection that times every statement ``run_duckdb`` sends (phases of the run)."""

    def __init__(self, con):
        self._con = con
        self.steps: list[tuple[str, float]] = []

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args):
        start = time.perf_counter()
        result = self._con.execute(sql, *args)
        m = re.search(r"TEMP TABLE (\w+)|TO '[^']*/(\w+)\.parquet'", sql)
        if m:
            self.steps.append((m.group(1) or m.group(2), time.perf_counter() - start))
        return result


def _phase(step: str) -> str:
    """fg_line → prelude:fg_line; fg_c_k_age / fg_m_k_age → match:age; fg_out_age → age."""
    if step in engine.PRELUDE_RELATIONS:
        return f"prelude:{step}"
    if step.startswith(("fg_c_k_", "fg_m_k_")):
        return "match:" + step[len("fg_m_k_") :]
    return step.removeprefix("fg_out_")


def _duckdb_child(city: Path) -> dict:
    """The full library in this (fresh) process: seconds, findings, own peak RSS, seconds per phase."""
    params = engine.rule_params(load_profile(None))
    knowledge = default_knowledge()
    con = duckdb.connect()
    _views(con, city)
    timed = _TimedConnection(con)
    start = time.perf_counter()
    n = engine.run_duckdb(timed, knowledge, params).num_rows
    seconds = time.perf_counter() - start
    phases: dict[str, float] = {}
    for step, sec in timed.steps:
        if not step.startswith("k_") and not step.startswith("fg_rule") and step not in ("fg_all",):
            phases[_phase(step)] = phases.get(_phase(step), 0.0) + sec
    return {"seconds": seconds, "findings": n, "peak_rss_mb": _peak_rss_mb(), "phases": phases}


def _duckdb_in_child(city: Path) -> dict:
    """Run ``_duckdb_child`` in a new interpreter, so its peak RSS is the rule run's alone (the
    synthetic generator's peak in this process would otherwise hide it)."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child-duckdb", str(city)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pandas_three(city: Path, knowledge) -> tuple[float, int]:
    start = time.perf_counter()
    fee = pd.read_parquet(city / "fee_list.parquet")
    mdtrt = pd.read_parquet(city / "mdtrt.parquet", columns=["mdtrt_id", "gend"])
    cat = pd.read_parquet(city / "catalog.parquet", columns=["med_list_codg", "pric_uplmt_amt"])
    gender = pd.DataFrame(
        [
            {"code": r["params"]["code"], "allowed": r["params"]["allowed_gend"], "rule": r["rule_code"]}
            for r in knowledge.rows.get("gender", [])
        ]
    ).drop_duplicates(["code", "rule"])
    lines = fee.merge(mdtrt, on="mdtrt_id")
    g = lines.merge(gender, left_on="med_list_codg", right_on="code")
    g = g[g["gend"].isin(["1", "2"]) & (g["gend"] != g["allowed"])]
    dup_key = ["mdtrt_id", "med_list_codg", "fee_ocur_time", "cnt", "pric"]
    d = fee.sort_values("feedetl_sn")
    d = d[d.groupby(dup_key, dropna=False).cumcount() > 0]
    p = fee.merge(cat, on="med_list_codg", how="left", suffixes=("", "_cat"))
    ceiling = p["pric_uplmt_amt_cat"].where(p["pric_uplmt_amt_cat"].notna(), p["pric_uplmt_amt"])
    tol = Decimal(str(load_profile(None)["rule.price_tolerance"]))
    p = p[ceiling.notna() & (p["pric"] > ceiling.map(lambda c: c + tol if c is not None and c == c else c))]
    n = len(g.drop_duplicates(["rule", "feedetl_sn"])) + len(d) + len(p)
    return time.perf_counter() - start, n


# Full run: the 10 M fee lines (scale 1 ≈ 325 k lines). Spark is compared on a smaller city
# (its per-query overhead makes 10 M lines take far longer than the rest of the bench together).
FULL_SCALE = float(os.environ.get("FUNDGUARD_BENCH_RULES_SCALE", "31"))
SPARK_SCALE_FULL = 1.0


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _spark_rows(
    city: Path, knowledge, params, duck_seconds: float, duck_findings: int, scale: float
) -> list[dict]:
    from fundguard.rules import spark_engine

    spark = spark_engine.get_spark("local[2]")
    con = duckdb.connect()
    _views(con, city)
    spark_engine.copy_from_duckdb(spark, con)
    three = engine.Knowledge(
        rules=[r for r in knowledge.rules if r["template"] in ("gender", "duplicate", "price")],
        rows={"gender": knowledge.rows.get("gender", [])},
        suspensions=[],
    )
    spark_engine.run_spark(spark, three, params)  # JVM and Arrow warm-up
    start = time.perf_counter()
    ns = spark_engine.run_spark(spark, knowledge, params).num_rows
    sp = time.perf_counter() - start
    return [
        _row(
            "rules_spark_local_full_library",
            sp,
            "s",
            "rules_duckdb_full_library (same city)",
            duck_seconds,
            f"local[2], warm JVM, scale {scale}; findings spark {ns} vs duckdb {duck_findings}"
            + ("" if ns == duck_findings else " (MISMATCH)"),
        )
    ]


def run(quick: bool) -> list[dict]:
    from fundguard.synth.service import generate

    scale = 0.1 if quick else FULL_SCALE
    out: list[dict] = []
    params = engine.rule_params(load_profile(None))
    knowledge = default_knowledge()
    with tempfile.TemporaryDirectory() as tmp:
        city = Path(tmp) / "city"
        summary = generate(city, scale=scale, seed=0, fmt="parquet")
        lines = summary.rows["fee_list"]
        scan = _scan_seconds(city)
        child = _duckdb_in_child(city)
        full, n_findings = child["seconds"], child["findings"]
        phases = sorted(child["phases"].items(), key=lambda kv: -kv[1])
        setup = sum(v for k, v in phases if k.startswith(("prelude:", "match:")))
        out.append(
            _row(
                "rules_duckdb_full_library",
                full,
                "s",
                "duckdb_single_scan_rule_columns",
                scan,
                f"{len(knowledge.rules)} rules, {sum(map(len, knowledge.rows.values()))} knowledge rows, "
                f"{lines:,} fee lines, {n_findings} findings, scale {scale}; target < 60 s for 10 M lines",
            )
        )
        out.append(_row("rules_duckdb_lines_per_second", lines / full, "lines/s", notes=f"scale {scale}"))
        out.append(
            _row(
                "rules_duckdb_setup",
                setup,
                "s",
                "rules_duckdb_full_library",
                full,
                "prelude (fg_visit, fg_line, fg_visit_amount) + knowledge matches; slowest phases: "
                + ", ".join(f"{k} {v:.2f} s" for k, v in phases[:6]),
            )
        )
        out.append(
            _row(
                "rules_duckdb_peak_rss",
                child["peak_rss_mb"],
                "MB",
                "target",
                4096,
                "peak RSS of a fresh process running the full library (Python, knowledge import and "
                "DuckDB; the synthetic generator ran in another process)",
            )
        )
        three = engine.Knowledge(
            rules=[r for r in knowledge.rules if r["template"] in ("gender", "duplicate", "price")],
            rows={"gender": knowledge.rows.get("gender", [])},
            suspensions=[],
        )
        d3, n3 = _duckdb_seconds(city, three, params)
        p3, pn3 = _pandas_three(city, knowledge)
        out.append(
            _row(
                "rules_pandas_three_rules",
                p3,
                "s",
                "rules_duckdb_three_templates",
                d3,
                f"GENDER+DUPLICATE+PRICE; findings pandas {pn3} vs duckdb {n3}"
                + ("" if pn3 == n3 else " (MISMATCH)"),
            )
        )
        if os.environ.get("FUNDGUARD_BENCH_SKIP_SPARK") == "1":
            return out
        if quick:
            out += _spark_rows(city, knowledge, params, full, n_findings, scale)
            return out
    with tempfile.TemporaryDirectory() as tmp:
        city = Path(tmp) / "city"
        generate(city, scale=SPARK_SCALE_FULL, seed=0, fmt="parquet")
        small, small_findings = _duckdb_seconds(city, knowledge, params)
        try:
            out += _spark_rows(city, knowledge, params, small, small_findings, SPARK_SCALE_FULL)
        except Exception as exc:  # noqa: BLE001 — keep the DuckDB figures when Spark fails
            out.append(
                _row("rules_spark_local_full_library", float("nan"), "s", notes=f"FAILED: {exc!r}"[:300])
            )
    return out


if __name__ == "__main__":
    if "--child-duckdb" in sys.argv:
        print(json.dumps(_duckdb_child(Path(sys.argv[sys.argv.index("--child-duckdb") + 1]))))
    else:
        print(json.dumps(run("--quick" in sys.argv), ensure_ascii=False, indent=2, default=str))
