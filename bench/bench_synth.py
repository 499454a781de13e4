"""Benchmark of the synthetic city (合成城市性能): fee lines per second and peak memory.

``run(quick)`` generates scale 1 (quick: 0.1) as Parquet in a child process (so the peak RSS
is the generator's own, from ``resource.getrusage``) and compares the wall time with the time
pyarrow needs to write the same number of rows of random data with the fee_list's shape
(the ratio is the generation overhead on top of plain writing). Target: 10 M fee lines
(scale ≈ 33) in < 3 minutes and < 4 GB RSS on 2 cores: a second run at twice the scale gives
the straight line that is extrapolated to 10 M lines (scale 33 itself is not run).

Run: ``.venv/bin/python bench/bench_synth.py [--quick]``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fundguard.synth.writer import decimal

CHILD = """
import json, resource, sys, time
from pathlib import Path
from fundguard.synth.service import generate
start = time.perf_counter()
summary = generate(Path(sys.argv[1]), scale=float(sys.argv[2]), seed=0, fmt="parquet")
print(json.dumps({"seconds": time.perf_counter() - start, "fee_lines": summary.rows["fee_list"],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
TARGET_LINES = 10_000_000


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


def _generate(scale: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(Path(tmp) / "city"), str(scale)],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pyarrow_write_seconds(n: int) -> float:
    """Seconds to write ``n`` random rows shaped like fee_list (ids, codes, decimals, a timestamp)."""
    rng = np.random.default_rng(0)
    vocab = pa.array([f"X{i:022d}" for i in range(200)])
    table = pa.table(
        {
            "feedetl_sn": pa.array(np.arange(n)).cast(pa.string()),
            "mdtrt_id": pa.array(rng.integers(0, n // 5 + 1, n)).cast(pa.string()),
            "fee_ocur_time": pa.array(rng.integers(0, 365 * 86_400, n).astype("datetime64[s]")),
            "med_list_codg": vocab.take(pa.array(rng.integers(0, 200, n))),
            "cnt": decimal(rng.integers(1, 5, n) * 10_000, 4),
            "pric": decimal(rng.integers(100, 100_000, n) * 100, 4),
            "det_item_fee_sumamt": decimal(rng.integers(100, 100_000, n), 2),
            "bilg_dr_codg": vocab.take(pa.array(rng.integers(0, 200, n))),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        pq.write_table(table, Path(tmp) / "random.parquet", compression="zstd")
        return time.perf_counter() - start


def _extrapolate(points: list[tuple[float, float]], x: float) -> float:
    """Straight line through two (lines, value) points, evaluated at ``x`` lines."""
    (x0, y0), (x1, y1) = points
    slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    return y1 + slope * (x - x1)


def run(quick: bool = False) -> list[dict]:
    scales = (0.1, 0.2) if quick else (1.0, 2.0)
    results = [_generate(s) for s in scales]
    scale, result = scales[0], results[0]
    lines, seconds = result["fee_lines"], result["seconds"]
    baseline = _pyarrow_write_seconds(lines)
    time_10m = _extrapolate([(r["fee_lines"], r["seconds"]) for r in results], TARGET_LINES)
    rss_10m = _extrapolate([(r["fee_lines"], r["rss_mb"]) for r in results], TARGET_LINES)
    note = f"linear fit through scales {scales[0]} and {scales[1]}, extrapolated to 10 M lines; not measured"
    return [
        _row(
            f"synth scale {scale} wall time",
            seconds,
            "s",
            "pyarrow write of the same rows (random data)",
            baseline,
            f"{lines} fee lines; ratio = generation overhead over plain Parquet writing",
        ),
        _row(
            "synth fee lines per second",
            lines / seconds,
            "lines/s",
            notes=f"scale {scale}, includes fixed start-up",
        ),
        _row("synth peak RSS", result["rss_mb"], "MB", notes=f"scale {scale}, child process ru_maxrss"),
        _row("synth 10M lines time (extrapolated)", time_10m, "s", "target", 180.0, note),
        _row("synth 10M lines peak RSS (extrapolated)", rss_10m, "MB", "target", 4096.0, note),
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
