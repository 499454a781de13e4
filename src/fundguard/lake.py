"""The Parquet lake (数据湖): where ingest puts every loaded row and where audit and analytics read.

Layout under ``$FUNDGUARD_HOME/lake`` (see docs/decisions/0002-lake-layout.md)::

    _staging/<batch_id>/...                  a batch being written (never read)
    batches/<batch_id>/<table>/ym=YYYY-MM/part-<i>.parquet     tables with a partition time
    batches/<batch_id>/<table>/part-00000.parquet              other tables

A batch becomes visible in one step: its staging folder is renamed into ``batches/`` and its
``ingest_batch`` row is committed as ``committed``. Readers only read batches whose row says
``committed``, so a killed ingest never shows a partial batch. Every lake row carries
``_batch_id`` and ``_line`` (the source file line) for evidence.

Column types follow ``fundguard.contract`` (money as DECIMAL(18,2): exact cents).

Master data (``fixmedins``, ``practitioner``, ``catalog``) is versioned: a changed row is loaded
again by a later batch, so the files hold every version of a key; the views show the newest
(the version history with valid-from/valid-to is ``fundguard.masterdata.models.MasterVersion``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
from sqlalchemy import select

from fundguard.contract import DUCKDB_TYPES, TABLES
from fundguard.settings import get_settings

LINEAGE_COLUMNS = {"_batch_id": "VARCHAR", "_line": "BIGINT"}


def lake_root() -> Path:
    return get_settings().lake_dir


def batches_dir() -> Path:
    return lake_root() / "batches"


def staging_dir() -> Path:
    return lake_root() / "_staging"


def committed_batch_ids() -> list[str]:
    """Batches whose ``ingest_batch`` row is committed, oldest first."""
    from fundguard.db import session_scope
    from fundguard.ingest.models import IngestBatch

    with session_scope() as session:
        rows = session.execute(
            select(IngestBatch.batch_id)
            .where(IngestBatch.status == "committed")
            .order_by(IngestBatch.started_at)
        )
        return [r[0] for r in rows]


def table_files(table: str, batch_ids: Iterable[str] | None = None) -> list[str]:
    ids = committed_batch_ids() if batch_ids is None else list(batch_ids)
    files: list[str] = []
    for batch_id in ids:
        folder = batches_dir() / batch_id / table
        if folder.is_dir():
            files.extend(str(p) for p in sorted(folder.rglob("*.parquet")))
    return files


def latest_versions_sql(table: str, select: str, batch_ids: list[str]) -> str:
    """``select`` (rows of ``table`` with ``_batch_id`` and ``_line``) reduced to the newest version
    of each key for master-data tables; other tables are returned unchanged.

    ``batch_ids`` are the committed batches oldest first (``committed_batch_ids``): a key's
    current version is the one from the latest batch that loaded it.
    """
    spec = TABLES[table]
    if spec.kind != "master" or not spec.key or len(batch_ids) < 2:
        return select
    order = (
        "list_position([" + ", ".join("'" + b.replace("'", "''") + "'" for b in batch_ids) + "], _batch_id)"
    )
    keys = ", ".join(spec.key)
    return (
        f"SELECT * FROM ({select}) "
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order} DESC, _line DESC) = 1"
    )


def empty_select(table: str) -> str:
    """A typed, empty SELECT with the table's contract columns (for tables with no data yet)."""
    spec = TABLES[table]
    cols = [f"CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {c.name}" for c in spec.columns]
    cols += [f"CAST(NULL AS {t}) AS {name}" for name, t in LINEAGE_COLUMNS.items()]
    return f"SELECT {', '.join(cols)} WHERE FALSE"


def register_views(
    con: duckdb.DuckDBPyConnection,
    tables: Iterable[str] | None = None,
    batch_ids: Iterable[str] | None = None,
) -> dict[str, int]:
    """Create one DuckDB view per contract table over the committed lake files.

    Returns the number of files behind each view. Missing optional columns are added as NULLs
    (``union_by_name``), so readers can always name every contract column. Master-data views
    show the current version of each key only (``latest_versions_sql``).
    """
    ids = committed_batch_ids() if batch_ids is None else list(batch_ids)
    counts: dict[str, int] = {}
    for table in tables or TABLES:
        files = table_files(table, ids)
        counts[table] = len(files)
        if not files:
            con.execute(f"CREATE OR REPLACE VIEW {table} AS {empty_select(table)}")
            continue
        file_list = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        spec = TABLES[table]
        scan = f"read_parquet([{file_list}], union_by_name=true, hive_partitioning=false)"
        present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}
        cols = [
            c.name if c.name in present else f"CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {c.name}"
            for c in spec.columns
        ]
        cols += [n if n in present else f"CAST(NULL AS {t}) AS {n}" for n, t in LINEAGE_COLUMNS.items()]
        select = latest_versions_sql(table, f"SELECT {', '.join(cols)} FROM {scan}", ids)
        con.execute(f"CREATE OR REPLACE VIEW {table} AS {select}")
    return counts
