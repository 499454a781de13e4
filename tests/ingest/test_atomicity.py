"""Nothing half-written: an ingest that fails or is killed mid-way leaves neither lake files nor
store rows of its batch, and the next ingest loads everything exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, func, select, text

from fundguard import lake
from fundguard.auth.models import AuditEvent
from fundguard.db import session_scope
from fundguard.ingest.models import IngestBatch, IngestFile, QuarantineRow
from fundguard.ingest.service import ingest_folder
from fundguard.masterdata.models import Institution, MasterVersion, Practitioner
from fundguard.scoring.models import PointsEntry

from .bulk import write_fee_folder

BROKEN = Path(__file__).parent / "broken"
BATCH_TABLES = (IngestBatch, IngestFile, QuarantineRow, Institution, Practitioner, MasterVersion, PointsEntry)


def store_rows() -> dict[str, int]:
    with session_scope() as session:
        counts = {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in BATCH_TABLES}
        counts["ingest.batch events"] = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ingest.batch")
        )
    return counts


def lake_counts(*tables: str) -> dict[str, int]:
    con = duckdb.connect()
    lake.register_views(con)
    return {t: con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


def batch_folders() -> list[Path]:
    return [p for p in (lake.batches_dir(), lake.staging_dir()) if p.is_dir() for p in p.iterdir()]


@contextmanager
def store_write_lock(url: str) -> Iterator[None]:
    """Hold the store's write lock from another connection: an ingest can read, validate and
    stage its files, but blocks at its commit (the first write) until the lock is released."""
    if url.startswith("sqlite"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            con.execute("ROLLBACK")
            con.close()
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(text("LOCK TABLE ingest_batch IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            trans.rollback()
    engine.dispose()


def test_a_failure_at_publish_leaves_no_rows_and_no_files(store):
    before = store_rows()
    lake.lake_root().mkdir(parents=True, exist_ok=True)
    lake.batches_dir().write_text("not a folder")  # the final rename cannot happen
    with pytest.raises(OSError):
        ingest_folder(BROKEN)  # master data, quarantine rows, points: all in the one transaction
    assert store_rows() == before
    assert batch_folders() == []

    lake.batches_dir().unlink()
    report = ingest_folder(BROKEN)
    assert report.status == "committed" and report.loaded > 0
    assert store_rows()["ingest_batch"] == 1


@pytest.mark.slow
def test_a_killed_ingest_leaves_nothing_visible_and_a_rerun_loads_everything_once(store, cli_env, tmp_path):
    fee_rows = 50_000
    folder = write_fee_folder(tmp_path / "big", fee_rows)
    cli_env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = store_rows()
    with store_write_lock(store):
        child = subprocess.Popen(
            [sys.executable, "-m", "fundguard.cli", "ingest", str(folder)],
            env=cli_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        staged = {"fixmedins", "mdtrt", "fee_list"}
        deadline = time.monotonic() + 240
        # Wait until every table is staged: the child then waits for the store at its commit.
        while time.monotonic() < deadline and child.poll() is None:
            batches = [p for p in lake.staging_dir().glob("*") if not p.name.startswith("_work")]
            if batches and staged <= {
                p.relative_to(batches[0]).parts[0] for p in batches[0].rglob("*.parquet")
            }:
                break
            time.sleep(0.02)
        time.sleep(0.2)
        assert child.poll() is None, "ingest ended although the store was locked"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()

    assert lake_counts("fixmedins", "mdtrt", "fee_list") == {"fixmedins": 0, "mdtrt": 0, "fee_list": 0}
    assert store_rows() == before
    assert any(lake.staging_dir().iterdir())  # the killed run's leftovers, invisible

    report = ingest_folder(folder)
    assert report.contract_json()["fee_list"] == {
        "read": fee_rows,
        "loaded": fee_rows,
        "quarantined": 0,
        "duplicate": 0,
    }
    assert not any(p.is_dir() for p in lake.staging_dir().iterdir())  # leftovers removed
    con = duckdb.connect()
    lake.register_views(con)
    assert con.sql("SELECT count(*), count(DISTINCT feedetl_sn) FROM fee_list").fetchall() == [
        (fee_rows, fee_rows)
    ]
