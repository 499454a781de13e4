"""Writing a batch: Parquet files into the lake's staging folder (暂存区), master data into the store.

Layout and visibility rules are those of ``fundguard.lake`` (docs/decisions/0002-lake-layout.md):
files go to ``_staging/<batch_id>/<table>/`` and become visible only after the folder is renamed
into ``batches/`` and the batch row is committed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fundguard import lake
from fundguard.contract import TABLES
from fundguard.ingest.models import IngestBatch
from fundguard.ingest.reader import SourceFile, _literal, _quote
from fundguard.ingest.validate import typed_or_null
from fundguard.masterdata.models import CatalogItem, Department, Institution, Practitioner, Registration


@contextmanager
def ingest_lock() -> Iterator[None]:
    """One ingest at a time per lake: cleanup of orphan folders must not hit a running batch."""
    root = lake.lake_root()
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".ingest.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def cleanup_orphans(session: Session) -> list[str]:
    """Remove staging folders and batch folders whose batch row is not committed (killed runs)."""
    committed = set(session.scalars(select(IngestBatch.batch_id).where(IngestBatch.status == "committed")))
    removed = []
    for parent in (lake.staging_dir(), lake.batches_dir()):
        if not parent.is_dir():
            continue
        for folder in parent.iterdir():
            if folder.is_dir() and (parent == lake.staging_dir() or folder.name not in committed):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
    return removed


def register_lake(con: duckdb.DuckDBPyConnection, tables: list[str]) -> set[str]:
    """``lake_<table>`` views over committed files (with ``_row_hash``) for the tables given."""
    ids = lake.committed_batch_ids()
    present = set()
    for table in tables:
        files = lake.table_files(table, ids)
        if not files:
            continue
        file_list = ", ".join(_literal(f) for f in files)
        con.execute(
            f"CREATE OR REPLACE VIEW lake_{table} AS SELECT * FROM "
            f"read_parquet([{file_list}], union_by_name=true, hive_partitioning=false)"
        )
        present.add(table)
    return present


def write_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    present: list[str],
    batch_id: str,
    staging: Path,
    where: str = "",
) -> int:
    """Write the table's loaded rows as typed Parquet under ``staging/<table>/``; returns rows written."""
    spec = TABLES[table]
    condition = "_s = 'loaded'" + (f" AND {where}" if where else "")
    count = con.execute(f"SELECT count(*) FROM res_{table} WHERE {condition}").fetchall()[0][0]
    if not count:
        return 0
    cols = [f"{typed_or_null(c, present)} AS {_quote(c.name)}" for c in spec.columns]
    cols += [f"{_literal(batch_id)} AS _batch_id", "CAST(_line AS BIGINT) AS _line", "_h AS _row_hash"]
    out = staging / table
    out.mkdir(parents=True, exist_ok=True)
    if spec.partition_time:
        cols.append(f"strftime({typed_or_null(spec.column(spec.partition_time), present)}, '%Y-%m') AS ym")
        query = f"SELECT {', '.join(cols)} FROM res_{table} WHERE {condition}"
        con.execute(
            f"COPY ({query}) TO {_literal(str(out))} (FORMAT parquet, PARTITION_BY (ym), "
            "FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE true)"
        )
    else:
        query = f"SELECT {', '.join(cols)} FROM res_{table} WHERE {condition}"
        con.execute(f"COPY ({query}) TO {_literal(str(out / 'part-00000.parquet'))} (FORMAT parquet)")
    return count


def loaded_rows(con: duckdb.DuckDBPyConnection, table: str, present: list[str]) -> list[dict]:
    """The table's loaded rows as dicts of contract columns (typed) plus ``_line``."""
    spec = TABLES[table]
    cols = ", ".join(["_line", *[f"{typed_or_null(c, present)} AS {_quote(c.name)}" for c in spec.columns]])
    return (
        con.sql(f"SELECT {cols} FROM res_{table} WHERE _s = 'loaded' ORDER BY _line")
        .to_arrow_table()
        .to_pylist()
    )


def publish(batch_id: str) -> Path:
    """Rename the staging folder into ``batches/`` (one atomic rename on one file system)."""
    source = lake.staging_dir() / batch_id
    target = lake.batches_dir() / batch_id
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(source, target)
    return target


def _upsert(session: Session, model, rows: list[dict], keys: list[str]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = set(rows[0])
    for start in range(0, len(rows), 1000):
        stmt = insert(model).values(rows[start : start + 1000])
        update = {c: stmt.excluded[c] for c in columns if c not in keys}
        stmt = (
            stmt.on_conflict_do_update(index_elements=keys, set_=update)
            if update
            else stmt.on_conflict_do_nothing()
        )
        session.execute(stmt)


def _clean(row: dict, names: list[str]) -> dict:
    return {n: row.get(n) for n in names}


def upsert_master_data(
    session: Session,
    con: duckdb.DuckDBPyConnection,
    sources: dict[str, SourceFile],
    batch_id: str,
    now: datetime,
) -> list[str]:
    """Upsert institutions, practitioners (+ registrations, departments) and catalogue items."""
    notes: list[str] = []
    if "fixmedins" in sources:
        names = [
            "fixmedins_code",
            "fixmedins_name",
            "fixmedins_type",
            "hosp_lv",
            "admdvs",
            "aprv_bed_cnt",
            "legrep_name",
            "uscc",
            "addr",
        ]
        rows = [
            _clean(r, names) | {"batch_id": batch_id, "updated_at": now}
            for r in loaded_rows(con, "fixmedins", sources["fixmedins"].columns)
        ]
        _upsert(session, Institution, rows, ["fixmedins_code"])
    if "catalog" in sources:
        names = ["med_list_codg", "name", "list_type", "chrgitm_lv", "pric_uplmt_amt", "unit", "spec"]
        rows = [
            _clean(r, names) | {"batch_id": batch_id}
            for r in loaded_rows(con, "catalog", sources["catalog"].columns)
        ]
        for row in rows:  # the store keeps yuan with 2 decimals; the lake keeps the 4-decimal ceiling
            if row["pric_uplmt_amt"] is not None:
                row["pric_uplmt_amt"] = row["pric_uplmt_amt"].quantize(type(row["pric_uplmt_amt"])("0.01"))
        _upsert(session, CatalogItem, rows, ["med_list_codg"])
    if "practitioner" in sources:
        rows = loaded_rows(con, "practitioner", sources["practitioner"].columns)
        people = {r["prac_psn_code"]: r for r in rows}  # one person for life; the last line wins
        _upsert(
            session,
            Practitioner,
            [
                _clean(r, ["prac_psn_code", "prac_psn_name", "prac_psn_type", "certno"]) | {"updated_at": now}
                for r in people.values()
            ],
            ["prac_psn_code"],
        )
        known = set(session.scalars(select(Institution.fixmedins_code)))
        registrations = [r for r in rows if r["fixmedins_code"] in known]
        skipped = len(rows) - len(registrations)
        if skipped:
            notes.append(
                f"{skipped} 条执业登记未写入关系库：机构主数据未知（已写入数据湖）/ "
                f"{skipped} registrations not stored: institution unknown (kept in the lake)"
            )
        names = ["prac_psn_code", "fixmedins_code", "dept_codg", "pro_title", "begn_date", "end_date"]
        _upsert(
            session,
            Registration,
            [_clean(r, names) | {"batch_id": batch_id} for r in registrations],
            ["prac_psn_code", "fixmedins_code"],
        )
        departments = {(r["fixmedins_code"], r["dept_codg"]) for r in registrations if r["dept_codg"]}
        _upsert(
            session,
            Department,
            [{"fixmedins_code": f, "dept_codg": d} for f, d in sorted(departments)],
            ["fixmedins_code", "dept_codg"],
        )
    return notes
