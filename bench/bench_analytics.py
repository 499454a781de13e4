"""Benchmark of analytics: measured accuracy per entity type and indicator computation time.

``run(quick)`` returns rows with the keys name, value, unit, baseline_name, baseline_value, ratio,
notes. Accuracy (ROC AUC, precision@k) is measured on labelled cities whose seeds were not used for
tuning (``fundguard.analytics.evaluate.EVAL_SEEDS``; quick: the first one at the test scale 0.5); the city comes from the synthetic-city
generator when it is installed, else from ``fundguard.analytics.minicity``. The indicator time is
compared with one DuckDB scan (``SELECT count(*), sum(fee)``) of the same files.

Run: ``.venv/bin/python bench/bench_analytics.py [--quick]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from fundguard.analytics import evaluate, indicators, service, source


def _row(name, value, unit, baseline_name="", baseline_value=None, notes=""):
    ratio = (value / baseline_value) if baseline_value not in (None, 0) and value is not None else None
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline_name": baseline_name,
        "baseline_value": baseline_value,
        "ratio": ratio,
        "notes": notes,
    }


def _scan_seconds(con) -> float:
    start = time.perf_counter()
    con.execute("SELECT count(*), sum(det_item_fee_sumamt) FROM fee_list").fetchall()
    con.execute("SELECT count(*), count(DISTINCT psn_no) FROM mdtrt").fetchall()
    return time.perf_counter() - start


def run(quick: bool = False) -> list[dict]:
    rows: list[dict] = []
    seeds = evaluate.EVAL_SEEDS[:1] if quick else evaluate.EVAL_SEEDS
    scale = evaluate.TEST_SCALE if quick else 1.0
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            folder, generator = evaluate.make_city(Path(tmp) / "city", seed, scale)
            anomalies = pd.read_csv(folder / "anomalies.csv", dtype=str)
            con = source.open_folder(folder)
            scan = _scan_seconds(con)
            start = time.perf_counter()
            indicators.compute_indicators(con)
            ind_seconds = time.perf_counter() - start
            result = service.analyse(con, service.load_findings(folder))
        metrics = evaluate.evaluate_scores(result.scores, anomalies)
        note = f"seed {seed}, {generator}"
        for m in metrics.itertuples():
            rows.append(_row(f"auc_{m.entity_type}", m.auc, "roc_auc", "random", 0.5, f"{note}, n={m.n}"))
            rows.append(
                _row(
                    f"precision_at_k_{m.entity_type}",
                    m.precision_at_k,
                    "share",
                    "positive rate",
                    m.positives / m.n if m.n else None,
                    f"{note}, k={m.k}",
                )
            )
        rows.append(
            _row("indicator_seconds", ind_seconds, "s", "one DuckDB scan of fee_list + mdtrt", scan, note)
        )
        rows.append(_row("analyse_seconds", sum(result.timings.values()), "s", notes=note))
        whole = int((result.alerts["period"] == indicators.ALL).sum())
        rows.append(
            _row(
                "indicator_alerts",
                len(result.alerts),
                "alerts",
                "entities scored",
                len(result.scores),
                f"{note}, scale {scale}; {whole} over the whole period (stored), the rest monthly",
            )
        )
    return rows


if __name__ == "__main__":
    for r in run(quick="--quick" in sys.argv):
        base = "" if r["baseline_value"] is None else f" (vs {r['baseline_name']} {r['baseline_value']:.4g})"
        value = "nan" if r["value"] is None else f"{r['value']:.4g}"
        print(f"{r['name']:<32} {value} {r['unit']}{base}  {r['notes']}")
