"""Accuracy against the labelled synthetic city (decision 0003): recall 100 %, precision ≥ 99 % per category."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

synth = pytest.importorskip("fundguard.synth.service")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 29])
def test_recall_and_precision_per_category(store: str, tmp_path: Path, seed: int) -> None:
    from fundguard.rules import service

    city = tmp_path / "city"
    synth.generate(city, scale=0.05, seed=seed)
    result = service.audit(city, tmp_path / "out")
    with (city / "labels.csv").open(encoding="utf-8") as fh:
        labels = {
            (r["category"], r["mdtrt_id"], r["feedetl_sn"] or ""): Decimal(r["amount"])
            for r in csv.DictReader(fh)
        }
    found = {
        (f["category"], f["mdtrt_id"], f["feedetl_sn"] or ""): f["amount"]
        for f in result.findings.to_pylist()
    }
    assert labels, "the synthetic city has no labels"
    report = []
    for category in sorted({k[0] for k in labels} | {k[0] for k in found}):
        lab = {k for k in labels if k[0] == category}
        got = {k for k in found if k[0] == category}
        hit = lab & got
        recall = len(hit) / len(lab) if lab else 1.0
        precision = len(hit) / len(got) if got else 1.0
        wrong_amount = sorted(k for k in hit if labels[k] != found[k])
        report.append((category, len(lab), len(got), recall, precision, wrong_amount[:3]))
    bad = [r for r in report if r[3] < 1.0 or r[4] < 0.99 or r[5]]
    assert not bad, bad
