"""The synthetic city (合成城市) loads completely: exact row counts per table, nothing quarantined."""

from __future__ import annotations

import pytest

from fundguard.contract import TABLES
from fundguard.ingest.service import ingest_folder
from fundguard.synth.service import generate


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_tiny_synthetic_city_loads_every_row_and_quarantines_none(store, tmp_path, fmt):
    summary = generate(tmp_path / "city", scale=0.01, seed=7, fmt=fmt)
    report = ingest_folder(tmp_path / "city")
    expected = {t: n for t, n in summary.rows.items() if t in TABLES}
    assert {t: c.loaded for t, c in report.tables.items()} == expected
    assert report.quarantined == 0
    assert all(c.duplicate == 0 for c in report.tables.values())
