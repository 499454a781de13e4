"""``fundguard ingest`` and ``fundguard quarantine`` as real subprocesses: exit codes, report file,
exports, and atomicity under SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from fundguard import lake
from fundguard.db import session_scope
from fundguard.ingest.models import IngestBatch
from fundguard.ingest.service import ingest_folder

from .bulk import write_fee_folder
from .city import row_count, write_folder

BROKEN = Path(__file__).parent / "broken"


def fundguard(env: dict[str, str], *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fundguard.cli", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def env(store, cli_env):
    # Let the child cache bytecode: a cold interpreter start is most of a small ingest's time.
    cli_env.pop("PYTHONDONTWRITEBYTECODE", None)
    cli_env["COLUMNS"] = "200"
    return cli_env


def test_ingest_writes_the_contract_report_and_exits_0_even_with_quarantined_rows(env, tmp_path):
    report = tmp_path / "report.json"
    done = fundguard(env, "ingest", BROKEN, "--report", report)
    assert done.returncode == 0, done.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert set(data) == {
        "fixmedins",
        "practitioner",
        "catalog",
        "mdtrt",
        "setl",
        "fee_list",
        "diag",
        "trace",
        "points",
    }
    for counts in data.values():
        assert set(counts) == {"read", "loaded", "quarantined", "duplicate"}
        assert counts["read"] == counts["loaded"] + counts["quarantined"] + counts["duplicate"]
    assert "fee_list" in done.stdout and "隔离" in done.stdout

    listed = fundguard(env, "quarantine", "list", "--table", "fee_list", "--reason", "ORPHAN_REF")
    assert listed.returncode == 0, listed.stderr
    assert "M999" in listed.stdout and "M003" in listed.stdout and "AMOUNT_MISMATCH" not in listed.stdout

    xlsx, csv_out = tmp_path / "q.xlsx", tmp_path / "q.csv"
    assert fundguard(env, "quarantine", "export", xlsx).returncode == 0
    assert fundguard(env, "quarantine", "export", csv_out, "--table", "mdtrt").returncode == 0
    sheet = load_workbook(xlsx).active
    assert sheet.max_row - 1 == sum(c["quarantined"] for c in data.values())
    lines = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("batch_id,table_name,file,line,column")
    assert len(lines) - 1 == data["mdtrt"]["quarantined"]


def test_strict_mode_exits_2_and_loads_nothing(env, tmp_path):
    report = tmp_path / "report.json"
    done = fundguard(env, "ingest", BROKEN, "--strict", "--report", report)
    assert done.returncode == 2
    assert "INGEST_STRICT_REJECTED" in done.stderr and "strict mode" in done.stderr
    assert json.loads(report.read_text(encoding="utf-8"))["fee_list"]["quarantined"] == 8
    con = duckdb.connect()
    lake.register_views(con)
    assert con.sql("SELECT count(*) FROM fee_list").fetchall() == [(0,)]


def test_strict_mode_on_a_clean_folder_exits_0(env, tmp_path):
    done = fundguard(env, "ingest", write_folder(tmp_path / "in"), "--strict")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("make", [lambda p: p / "nowhere", lambda p: (p / "e").mkdir() or p / "e"])
def test_unreadable_input_exits_2_with_a_one_line_bilingual_message(env, tmp_path, make):
    folder = make(tmp_path)
    done = fundguard(env, "ingest", folder)
    assert done.returncode == 2
    message = done.stderr.strip()
    assert "\n" not in message and folder.name in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message) and " / " in message


def test_an_unknown_export_format_exits_2(env, tmp_path):
    assert fundguard(env, "quarantine", "export", tmp_path / "q.pdf").returncode == 2


@pytest.mark.slow
def test_a_killed_ingest_leaves_nothing_visible_and_a_rerun_loads_everything_once(env, tmp_path):
    fee_rows = 300_000
    folder = write_fee_folder(tmp_path / "big", fee_rows)
    child = subprocess.Popen(
        [sys.executable, "-m", "fundguard.cli", "ingest", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    staging = lake.staging_dir()
    deadline = time.monotonic() + 240
    # Wait until the batch's staging folder holds a Parquet file: the run is mid-way through writing.
    while time.monotonic() < deadline and child.poll() is None:
        if staging.is_dir() and any(p.name.endswith(".parquet") for p in staging.rglob("*.parquet")):
            break
        time.sleep(0.01)
    assert child.poll() is None, "ingest finished before it could be killed; make the input larger"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    con = duckdb.connect()
    lake.register_views(con)
    assert con.sql("SELECT count(*) FROM fee_list").fetchall() == [(0,)]
    with session_scope() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(IngestBatch).where(IngestBatch.status == "committed")
            )
            == 0
        )

    report = ingest_folder(folder)
    assert report.contract_json()["fee_list"] == {
        "read": fee_rows,
        "loaded": fee_rows,
        "quarantined": 0,
        "duplicate": 0,
    }
    assert not any(p.is_dir() for p in staging.iterdir())  # the killed run's staging folder is gone
    con = duckdb.connect()
    lake.register_views(con)
    assert con.sql("SELECT count(*), count(DISTINCT feedetl_sn) FROM fee_list").fetchall() == [
        (fee_rows, fee_rows)
    ]


def test_report_rows_match_the_city(env, tmp_path):
    report = tmp_path / "r.json"
    assert fundguard(env, "ingest", write_folder(tmp_path / "in"), "--report", report).returncode == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {t: c["loaded"] for t, c in data.items()} == row_count()
