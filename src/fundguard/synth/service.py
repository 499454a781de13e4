"""Synthetic city service (合成城市服务): ``generate`` writes a labelled contract input folder.

Steps: city (institutions, practitioners, insured) → catalogue → one year of care →
behavioural anomalies → injected violations (decision 0003) → pharmacy books and trace codes
→ contract tables + ``labels.csv`` + ``anomalies.csv``. Same seed, scale and format give
byte-identical files.
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from fundguard.contract import VIOLATION_CATEGORIES
from fundguard.errors import InputError
from fundguard.synth import anomalies, city, export, inject, pharmacy, visits
from fundguard.synth.catalog import build_catalog
from fundguard.synth.schemas import SynthSummary
from fundguard.synth.world import World
from fundguard.synth.writer import write_labels, write_plain_csv, write_table

FORMATS = ("parquet", "csv")
Progress = Callable[[str, float], None]


def default_violation_rate() -> float:
    from fundguard.profiles import get_profile

    return float(get_profile()["synth.violation_rate"])


def _rng(seed: int, step: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(step.encode())])


def build_world(
    scale: float = 1.0, seed: int = 0, violation_rate: float | None = None, progress: Progress | None = None
) -> World:
    """The whole city in memory (no files); tests and ``generate`` use it."""
    rate = default_violation_rate() if violation_rate is None else violation_rate
    tick = progress or (lambda stage, fraction: None)
    world = World(seed=seed, scale=scale)
    city.build_institutions(world, _rng(seed, "institutions"))
    city.build_practitioners(world, _rng(seed, "practitioners"))
    city.build_persons(world, _rng(seed, "persons"))
    world.items = build_catalog()
    pharmacy.assortment(world, _rng(seed, "assortment"))
    tick("城市与目录 city", 0.05)
    anomalies.plan(world, _rng(seed, "anomalies"))
    visits.background(world, _rng(seed, "background"))
    anomalies.ring(world, _rng(seed, "ring"))
    tick("就诊与费用 visits", 0.45)
    inject.run_all(world, _rng(seed, "inject"), rate)
    anomalies.from_labels(world)
    tick("违规注入 violations", 0.6)
    return world


def generate(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 0,
    fmt: str = "parquet",
    violation_rate: float | None = None,
    progress: Progress | None = None,
) -> SynthSummary:
    if fmt not in FORMATS:
        raise InputError(
            "SYNTH_FORMAT", f"不支持的格式 {fmt}（可选 parquet、csv）", f"unknown format {fmt} (parquet|csv)"
        )
    if not scale > 0:
        raise InputError("SYNTH_SCALE", f"规模必须大于 0：{scale}", f"scale must be positive: {scale}")
    rate = default_violation_rate() if violation_rate is None else violation_rate
    if not 0 <= rate <= 0.5:
        raise InputError(
            "SYNTH_RATE", f"违规比例须在 0–0.5 之间：{rate}", f"violation rate must be within 0–0.5: {rate}"
        )
    started = time.perf_counter()
    tick = progress or (lambda stage, fraction: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build_world(scale, seed, rate, tick)
    rng = _rng(seed, "books")
    sales = pharmacy.nonins_sales(world, rng)
    books_p, books_s = pharmacy.books(world, rng, sales)
    trace_rows = pharmacy.trace_rows(world)
    tick("进销存 pharmacy books", 0.65)
    rows: dict[str, int] = {}
    plan = [
        ("fixmedins", lambda: export.fixmedins(world)),
        ("practitioner", lambda: export.practitioner(world)),
        ("catalog", lambda: export.catalog(world)),
        ("mdtrt", lambda: export.mdtrt(world)),
        ("setl", lambda: export.setl(world)),
        ("fee_list", lambda: export.fee_list(world)),
        ("diag", lambda: export.diag(world)),
        ("oprn", lambda: export.oprn(world)),
        ("trace", lambda: export.trace(world, trace_rows)),
        ("purchase", lambda: export.purchase(world, books_p)),
        ("stock", lambda: export.stock(world, books_s)),
        ("sale_nonins", lambda: export.sale_nonins(world, sales)),
        ("points", lambda: export.points(world)),
    ]
    for k, (name, build) in enumerate(plan):
        rows[name] = write_table(out_dir, name, build(), fmt)
        tick(f"写出 {name}", 0.65 + 0.33 * (k + 1) / len(plan))
    label_rows = export.labels(world)
    rows["labels"] = write_labels(out_dir / "labels.csv", label_rows)
    rows["anomalies"] = write_plain_csv(out_dir / "anomalies.csv", anomalies.ANOMALY_COLUMNS, world.anomalies)
    counts = Counter(r["category"] for r in label_rows)
    tick("完成 done", 1.0)
    return SynthSummary(
        out_dir=str(out_dir),
        seed=seed,
        scale=scale,
        format=fmt,
        violation_rate=rate,
        rows=rows,
        labels={c: counts.get(c, 0) for c in VIOLATION_CATEGORIES},
        anomalies=len(world.anomalies),
        seconds=round(time.perf_counter() - started, 3),
    )
