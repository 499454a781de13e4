"""Where analytics reads from (数据来源): any DuckDB connection with one view per contract table.

Three ways to get such a connection:

- ``open_lake()``: the committed Parquet lake (``fundguard.lake.register_views``);
- ``open_folder(path)``: an input folder of ``NAME.csv`` / ``NAME.parquet`` files read directly
  (used when the ingest service is not installed, and by the evaluation on a synthetic city);
- ``open_frames({table: DataFrame})``: small in-memory tables (tests, notebooks).

Every view has all contract columns of its table with their contract types; missing optional
columns (and missing tables) become typed NULLs, extra columns are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from fundguard.contract import DUCKDB_TYPES, TABLES
from fundguard.errors import InputError


def _typed_select(table: str, present: set[str], source: str) -> str:
    spec = TABLES[table]
    cols = []
    for c in spec.columns:
        kind = DUCKDB_TYPES[c.type]
        if c.name in present:
            cols.append(f'TRY_CAST("{c.name}" AS {kind}) AS {c.name}')
        else:
            cols.append(f"CAST(NULL AS {kind}) AS {c.name}")
    return f"SELECT {', '.join(cols)} FROM {source}"


def _empty(table: str) -> str:
    spec = TABLES[table]
    cols = [f"CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {c.name}" for c in spec.columns]
    return f"SELECT {', '.join(cols)} WHERE FALSE"


def open_frames(frames: Mapping[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory connection with one table per contract table built from ``frames``."""
    con = duckdb.connect()
    for table in TABLES:
        frame = frames.get(table)
        if frame is None:
            con.execute(f"CREATE TABLE {table} AS {_empty(table)}")
            continue
        con.register(f"_src_{table}", frame)
        con.execute(f"CREATE TABLE {table} AS {_typed_select(table, set(frame.columns), f'_src_{table}')}")
        con.unregister(f"_src_{table}")
    return con


def open_folder(path: Path) -> duckdb.DuckDBPyConnection:
    """Views over the contract files of an input folder (no validation, no quarantine)."""
    path = Path(path)
    if not path.is_dir():
        raise InputError("INPUT_DIR_MISSING", f"输入目录不存在：{path}", f"input folder not found: {path}")
    con = duckdb.connect()
    for table in TABLES:
        parquet, csv = path / f"{table}.parquet", path / f"{table}.csv"
        if parquet.exists():
            scan = f"read_parquet('{_q(parquet)}')"
        elif csv.exists():
            scan = f"read_csv('{_q(csv)}', header=true, all_varchar=true)"
        else:
            con.execute(f"CREATE VIEW {table} AS {_empty(table)}")
            continue
        present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}
        con.execute(f"CREATE TABLE {table} AS {_typed_select(table, present, scan)}")
    return con


def open_lake() -> duckdb.DuckDBPyConnection:
    """Views over the committed Parquet lake under ``$FUNDGUARD_HOME``."""
    from fundguard.lake import register_views

    con = duckdb.connect()
    register_views(con)
    return con


def _q(path: Path) -> str:
    return str(path).replace("'", "''")
