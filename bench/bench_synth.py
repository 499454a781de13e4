"""Benchmark of the synthetic city (合成城市性能): fee lines per second and peak memory.

``run(quick)`` generates scale 31 (quick: 0.1) as Parquet in a child process (so the peak RSS
is the generator's own, from ``resource.getrusage``) and compares the wall time with the time
pyarrow needs to write the same number of rows of random data with the fee_list's shape
(the ratio is the generation overhead on top of plain writing). Target: 10 M fee lines
(scale 31) in < 3 minutes and < 4 GB RSS on 2 cores; the full run generates that city.

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


FULL_SCALE = 31.0  # ≈ 10 M fee lines (scale 1 ≈ 325 k)


def run(quick: bool = False) -> list[dict]:
    """Quick: scale 0.1. Full: the 10 M-line city itself (scale 31), measured, not extrapolated."""
    scale = 0.1 if quick else FULL_SCALE
    result = _generate(scale)
    lines, seconds = result["fee_lines"], result["seconds"]
    baseline = _pyarrow_write_seconds(lines)
    target = "" if lines >= TARGET_LINES * 0.9 else " (below 10 M lines: the targets apply to the full run)"
    return [
        _row(
            f"synth scale {scale} wall time",
            seconds,
            "s",
            "pyarrow write of the same rows (random data)",
            baseline,
            f"{lines:,} fee lines; ratio = generation overhead over plain Parquet writing; "
            f"target < 180 s for 10 M lines{target}",
        ),
        _row("synth fee lines per second", lines / seconds, "lines/s", notes=f"scale {scale}"),
        _row(
            "synth peak RSS",
            result["rss_mb"],
            "MB",
            "target",
            4096.0,
            f"scale {scale}, child process ru_maxrss{target}",
        ),
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
