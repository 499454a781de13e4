"""``fundguard ingest`` and ``fundguard quarantine`` as real subprocesses: exit codes, report file,
exports, progress bars only on a terminal, master-data changes printed. (Atomicity under SIGKILL:
test_atomicity.py.)"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from fundguard import lake
from fundguard.cli import app

from .city import row_count, rows, write_csv, write_folder

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
    done = fundguard(env | {"FORCE_COLOR": "1"}, "ingest", BROKEN, "--report", report)
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
    # Output captured (not a terminal): no progress bars, even when CI forces colours.
    assert "文件 files" not in done.stdout + done.stderr and "行 rows" not in done.stdout + done.stderr

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


def test_report_rows_match_the_city(env, tmp_path):
    report = tmp_path / "r.json"
    assert fundguard(env, "ingest", write_folder(tmp_path / "in"), "--report", report).returncode == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {t: c["loaded"] for t, c in data.items()} == row_count()


def test_progress_bars_show_on_a_terminal(env, tmp_path):
    """With a terminal on stdout (a pseudo-terminal here) the file and row bars are drawn."""
    parent, child = pty.openpty()
    done = subprocess.Popen(
        [sys.executable, "-m", "fundguard.cli", "ingest", str(write_folder(tmp_path / "in"))],
        env=env | {"TERM": "xterm"},
        stdin=subprocess.DEVNULL,
        stdout=child,
        stderr=child,
    )
    os.close(child)
    output = b""
    while True:
        ready, _, _ = select.select([parent], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(parent)
    assert done.wait(timeout=120) == 0
    text = output.decode("utf-8", errors="replace")
    assert "文件 files" in text and "行 rows" in text


def test_master_data_changes_are_printed(store, tmp_path):
    runner = CliRunner()
    assert (
        runner.invoke(app, ["ingest", str(write_folder(tmp_path / "in", tables=["fixmedins"]))]).exit_code
        == 0
    )
    changed = [dict(r) for r in rows()["fixmedins"]]
    changed[0]["fixmedins_name"] = "朝阳区第一人民医院"
    write_csv(tmp_path / "changed", "fixmedins", changed)
    result = runner.invoke(app, ["ingest", str(tmp_path / "changed")])
    assert result.exit_code == 0, result.output
    assert "主数据变更" in result.output and "朝阳区第一人民医院" in result.output
    assert "文件 files" not in result.output
