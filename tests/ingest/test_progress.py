"""Progress of an ingest: per file and per chunk of rows, while the work runs (not only at the end)."""

from __future__ import annotations

import duckdb

from fundguard.ingest import writer
from fundguard.ingest.service import Progress, ingest_folder

from .bulk import write_fee_folder
from .city import row_count, write_folder


def test_file_and_row_progress_of_a_whole_folder(store, tmp_path):
    events: list[tuple[str, int, int]] = []
    ingest_folder(write_folder(tmp_path / "in"), progress=lambda *e: events.append(e))
    files = len(row_count())
    for stage in ("校验 validate", "写入 write"):
        done = [d for phase, d, total in events if phase == f"文件 files · {stage}" and total == files]
        assert done == list(range(files + 1)), stage  # one step per file, in order
    rows = {}
    for phase, done, total in events:
        if phase.startswith("行 rows"):
            rows.setdefault(phase, []).append((done, total))
    assert rows["行 rows · 校验 validate fee_list"][0] == (0, 4)
    assert rows["行 rows · 校验 validate fee_list"][-1] == (4, 4)
    assert rows["行 rows · 写入 write mdtrt"][-1] == (2, 2)
    for phase, steps in rows.items():
        assert [d for d, _ in steps] == sorted(d for d, _ in steps), phase  # never goes back


def test_rows_written_to_the_lake_advance_chunk_by_chunk(store, tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "WRITE_BATCH_ROWS", 1_000)
    events: list[tuple[str, int, int]] = []
    ingest_folder(write_fee_folder(tmp_path / "in", 5_000), progress=lambda *e: events.append(e))
    steps = [done for phase, done, _ in events if phase == "行 rows · 写入 write fee_list"]
    assert steps == [0, 1_000, 2_000, 3_000, 4_000, 5_000]


def test_row_progress_advances_while_one_long_statement_runs():
    con = duckdb.connect()
    events: list[tuple[str, int, int]] = []
    progress = Progress(lambda *e: events.append(e), con, poll=0.01)
    with progress.rows("校验 validate", "fee_list", 1_000):
        con.execute("SELECT sum(hash(i)) FROM range(100_000_000) t(i)").fetchall()
    done = [d for _, d, _ in events]
    assert done[0] == 0 and done[-1] == 1_000
    assert any(0 < d < 1_000 for d in done), done  # reported while the statement was running
    assert done == sorted(done)
