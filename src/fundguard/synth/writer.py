"""Write the city as contract tables (写出契约格式): Parquet with exact decimals, or CSV.

Parquet types follow ``contract.DUCKDB_TYPES`` (money DECIMAL(18,2), cnt/pric DECIMAL(18,4),
TIMESTAMP, DATE). CSV money has exactly two decimals, times ``YYYY-MM-DD HH:MM:SS``. Large
tables are written in chunks so memory stays flat. Output is deterministic per seed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from fundguard.contract import LABEL_COLUMNS, TABLES

CHUNK = 500_000
ARROW_TYPES = {
    "str": pa.string(),
    "int": pa.int32(),
    "dec2": pa.decimal128(18, 2),
    "dec4": pa.decimal128(18, 4),
    "time": pa.timestamp("s"),
    "date": pa.date32(),
}


def decimal(unscaled: np.ndarray, scale: int) -> pa.Array:
    """Exact decimal array from integer units of 10^-scale (cents for scale 2)."""
    lo = np.ascontiguousarray(unscaled, dtype=np.int64)
    buf = np.stack([lo, np.where(lo < 0, -1, 0).astype(np.int64)], axis=1).tobytes()
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(lo), [None, pa.py_buffer(buf)])


def money(cents: np.ndarray) -> pa.Array:
    return decimal(cents, 2)


def count4(units: np.ndarray) -> pa.Array:
    return decimal(np.asarray(units, dtype=np.int64) * 10_000, 4)


def price4(cents: np.ndarray) -> pa.Array:
    return decimal(np.asarray(cents, dtype=np.int64) * 100, 4)


def timestamps(seconds_since_epoch: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(seconds_since_epoch, dtype="datetime64[s]"), type=pa.timestamp("s"))


def dates(days: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days, dtype="datetime64[D]"), type=pa.date32())


def ids(prefix: str, numbers: np.ndarray, width: int = 12) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def take(values, index: np.ndarray) -> pa.Array:
    """Strings by index; a negative index gives null."""
    values = values if isinstance(values, pa.Array) else pa.array(np.asarray(values).astype(str), pa.string())
    index = np.asarray(index, dtype=np.int64)
    mask = index < 0
    return values.take(pa.array(np.where(mask, 0, index), mask=mask if mask.any() else None))


def _csv_column(array: pa.Array, kind: str, name: str) -> pa.Array:
    if kind == "time":
        return pc.strftime(array, format="%Y-%m-%d %H:%M:%S")
    if kind == "dec4" and name in {"pric", "pric_uplmt_amt"}:
        return array.cast(pa.decimal128(18, 2)).cast(pa.string())
    if kind == "dec4" and name == "cnt":
        return array.cast(pa.decimal128(18, 0)).cast(pa.string())
    return array.cast(pa.string())


def _arrow_table(name: str, cols: dict[str, pa.Array], fmt: str) -> pa.Table:
    table = TABLES[name]
    arrays, names = [], []
    for col in table.columns:
        if col.name not in cols:
            continue
        arr = cols[col.name]
        if not isinstance(arr, pa.Array):
            arr = pa.array(arr)
        if fmt == "csv":
            arr = _csv_column(arr, col.type, col.name)
        elif arr.type != ARROW_TYPES[col.type]:
            arr = arr.cast(ARROW_TYPES[col.type])
        arrays.append(arr)
        names.append(col.name)
    return pa.Table.from_arrays(arrays, names=names)


def write_table(out_dir: Path, name: str, chunks: Iterator[dict[str, pa.Array]] | dict, fmt: str) -> int:
    """Write one contract table from column chunks; returns the row count."""
    if isinstance(chunks, dict):
        chunks = iter([chunks])
    path = out_dir / f"{name}.{fmt}"
    rows = 0
    writer = None
    try:
        for chunk in chunks:
            t = _arrow_table(name, chunk, fmt)
            if fmt == "parquet":
                if writer is None:
                    writer = pq.ParquetWriter(path, t.schema, compression="zstd")
                writer.write_table(t)
            else:
                if writer is None:
                    writer = pcsv.CSVWriter(
                        path, t.schema, write_options=pcsv.WriteOptions(quoting_style="needed")
                    )
                writer.write_table(t)
            rows += t.num_rows
        if writer is None:  # empty table: header / schema only
            t = _arrow_table(
                name, {c.name: pa.array([], ARROW_TYPES[c.type]) for c in TABLES[name].columns}, fmt
            )
            if fmt == "parquet":
                pq.write_table(t, path)
            else:
                pcsv.write_csv(t, path, pcsv.WriteOptions(quoting_style="needed"))
    finally:
        if writer is not None:
            writer.close()
    return rows


def write_plain_csv(path: Path, header: tuple[str, ...], rows: list[dict]) -> int:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(header), lineterminator="\n")
        out.writeheader()
        out.writerows(rows)
    return len(rows)


def write_labels(path: Path, rows: list[dict]) -> int:
    return write_plain_csv(path, LABEL_COLUMNS, rows)
