"""Service contract: determinism, Parquet types, summary, usage errors and the CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fundguard.cli import app
from fundguard.contract import TABLES, VIOLATION_CATEGORIES
from fundguard.errors import InputError
from fundguard.synth.service import generate


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_files(tmp_path: Path):
    a = generate(tmp_path / "a", scale=0.02, seed=3, fmt="parquet")
    b = generate(tmp_path / "b", scale=0.02, seed=3, fmt="parquet")
    generate(tmp_path / "c", scale=0.02, seed=4, fmt="parquet")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a")["fee_list.parquet"] != _digests(tmp_path / "c")["fee_list.parquet"]
    assert a.rows == b.rows and a.labels == b.labels
    assert set(a.labels) == set(VIOLATION_CATEGORIES)
    assert a.rows["fee_list"] > 5000


def test_parquet_uses_exact_decimals_and_timestamps(tmp_path: Path):
    generate(tmp_path, scale=0.02, seed=1, fmt="parquet")
    fee = pq.read_schema(tmp_path / "fee_list.parquet")
    assert fee.field("det_item_fee_sumamt").type == pa.decimal128(18, 2)
    assert fee.field("cnt").type == pa.decimal128(18, 4)
    assert fee.field("pric").type == pa.decimal128(18, 4)
    time_type = fee.field("fee_ocur_time").type
    assert pa.types.is_timestamp(time_type) and time_type.tz is None  # local Asia/Shanghai wall time
    assert pq.read_schema(tmp_path / "setl.parquet").field("medfee_sumamt").type == pa.decimal128(18, 2)
    for name in TABLES:
        assert (tmp_path / f"{name}.parquet").exists(), name
    t = pq.read_table(tmp_path / "fee_list.parquet").to_pandas()
    assert (t["cnt"] * t["pric"] - t["det_item_fee_sumamt"]).abs().max() <= 0.01


def test_bad_arguments_are_input_errors(tmp_path: Path):
    with pytest.raises(InputError):
        generate(tmp_path, scale=0.02, fmt="xlsx")
    with pytest.raises(InputError):
        generate(tmp_path, scale=0)
    with pytest.raises(InputError):
        generate(tmp_path, scale=0.02, violation_rate=0.9)


def test_cli_writes_the_folder_and_prints_the_summary(tmp_path: Path):
    result = CliRunner().invoke(
        app, ["synth", str(tmp_path / "out"), "--scale", "0.02", "--seed", "2", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert "fee_list" in result.output and "SUSPENDED_PERSON" in result.output
    assert (tmp_path / "out" / "labels.csv").exists()
