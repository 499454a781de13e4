"""A folder of deliberately broken extracts: every bad row is quarantined with the right reason,
file, line and column; every good row loads; nothing is dropped silently."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from fundguard import lake
from fundguard.db import session_scope
from fundguard.ingest.service import ingest_folder, list_quarantine

BROKEN = Path(__file__).parent / "broken"

# (table, file, line, column, reason) — see tests/ingest/broken/README.md for each line's story.
EXPECTED_QUARANTINE = {
    ("fixmedins", "fixmedins.csv", 3, "hosp_lv", "UNKNOWN_CODE"),
    ("fixmedins", "fixmedins.csv", 4, "fixmedins_code", "BAD_CODE_FORMAT"),
    ("fixmedins", "fixmedins.csv", 5, "admdvs", "BAD_CODE_FORMAT"),
    ("practitioner", "practitioner.csv", 3, "prac_psn_code", "BAD_CODE_FORMAT"),
    ("practitioner", "practitioner.csv", 4, "fixmedins_code", "ORPHAN_REF"),
    ("catalog", "catalog.csv", 2, "list_type", "MISSING_COLUMN"),
    ("catalog", "catalog.csv", 3, "list_type", "MISSING_COLUMN"),
    ("mdtrt", "mdtrt.csv", 4, "begntime", "BAD_TIME"),
    ("mdtrt", "mdtrt.csv", 5, "age", "BAD_INTEGER"),
    ("mdtrt", "mdtrt.csv", 6, "gend", "UNKNOWN_CODE"),
    ("mdtrt", "mdtrt.csv", 7, "endtime", "TIME_ORDER"),
    ("mdtrt", "mdtrt.csv", 8, "psn_no", "MISSING_VALUE"),
    ("mdtrt", "mdtrt.csv", 9, "mdtrt_id", "DUPLICATE_KEY"),
    ("setl", "setl.csv", 3, "", "BAD_ENCODING"),
    ("fee_list", "fee_list.csv", 3, "cnt", "BAD_DECIMAL"),
    ("fee_list", "fee_list.csv", 4, "det_item_fee_sumamt", "AMOUNT_MISMATCH"),
    ("fee_list", "fee_list.csv", 5, "mdtrt_id", "ORPHAN_REF"),
    ("fee_list", "fee_list.csv", 6, "fee_ocur_time", "FEE_TIME_OUTSIDE_VISIT"),
    ("fee_list", "fee_list.csv", 7, "cnt", "NEGATIVE_COUNT"),
    ("fee_list", "fee_list.csv", 9, "mdtrt_id", "ORPHAN_REF"),
    ("fee_list", "fee_list.csv", 10, "pric", "BAD_DECIMAL"),
    ("fee_list", "fee_list.csv", 12, "", "CSV_STRUCTURE"),
    ("diag", "diag.csv", 4, "diag_code", "BAD_CODE_FORMAT"),
    ("trace", "trace.csv", 3, "drug_trac_codg", "BAD_CODE_FORMAT"),
    ("trace", "trace.csv", 4, "feedetl_sn", "ORPHAN_REF"),
    ("points", "points.csv", 3, "points", "OUT_OF_RANGE"),
    # Rejected by the scoring ledger (fundguard.scoring.service.append_external_points).
    ("points", "points.csv", 4, "decision_date", "DATE_IN_FUTURE"),
}

EXPECTED_COUNTS = {
    "fixmedins": {"read": 4, "loaded": 1, "quarantined": 3, "duplicate": 0},
    "practitioner": {"read": 3, "loaded": 1, "quarantined": 2, "duplicate": 0},
    "catalog": {"read": 2, "loaded": 0, "quarantined": 2, "duplicate": 0},
    "mdtrt": {"read": 9, "loaded": 2, "quarantined": 6, "duplicate": 1},
    "setl": {"read": 2, "loaded": 1, "quarantined": 1, "duplicate": 0},
    "fee_list": {"read": 11, "loaded": 3, "quarantined": 8, "duplicate": 0},
    "diag": {"read": 3, "loaded": 2, "quarantined": 1, "duplicate": 0},
    "trace": {"read": 3, "loaded": 1, "quarantined": 2, "duplicate": 0},
    "points": {"read": 3, "loaded": 1, "quarantined": 2, "duplicate": 0},
}

EXPECTED_LAKE_KEYS = {
    "fixmedins": {"H11010500001"},
    "practitioner": {"D110105000001"},
    "mdtrt": {"M001", "M002"},
    "setl": {"S001"},
    "fee_list": {"F01", "F07", "F10"},
    "trace": {"F01"},
    "points": {"D110105000001"},
}


@pytest.fixture
def broken_batch(store):
    return ingest_folder(BROKEN)


def test_every_bad_row_is_quarantined_with_reason_file_line_and_column(broken_batch):
    with session_scope() as session:
        rows = list_quarantine(session, batch_id=broken_batch.batch_id)
    got = {(r.table_name, r.file, r.line, r.column, r.reason_code) for r in rows}
    assert got == EXPECTED_QUARANTINE
    assert len(rows) == len(EXPECTED_QUARANTINE)  # each bad row once
    assert all(r.reason_zh and r.reason_en for r in rows)


def test_every_good_row_loads_and_counts_add_up(broken_batch):
    assert broken_batch.contract_json() == EXPECTED_COUNTS
    for counts in broken_batch.tables.values():
        assert counts.read == counts.loaded + counts.quarantined + counts.duplicate
    con = duckdb.connect()
    lake.register_views(con)
    for table, keys in EXPECTED_LAKE_KEYS.items():
        key = {"practitioner": "prac_psn_code", "points": "prac_psn_code", "fixmedins": "fixmedins_code"}.get(
            table, {"setl": "setl_id", "trace": "feedetl_sn", "fee_list": "feedetl_sn"}.get(table, "mdtrt_id")
        )
        assert {r[0] for r in con.sql(f"SELECT {key} FROM {table}").fetchall()} == keys, table
    assert con.sql("SELECT count(*) FROM catalog").fetchall()[0][0] == 0


def test_gb18030_practitioner_file_is_read_as_chinese(broken_batch):
    con = duckdb.connect()
    lake.register_views(con)
    assert con.sql("SELECT prac_psn_name FROM practitioner").fetchall() == [("张医生",)]
    encodings = {f.table: f.encoding for f in broken_batch.files}
    assert encodings["practitioner"] == "gb18030"
    assert encodings["mdtrt"] == "utf-8-sig"
    assert encodings["setl"] == "mixed"


def test_unknown_files_are_ignored_with_a_note(broken_batch):
    assert any("labels.csv" in note for note in broken_batch.notes)


def test_quarantine_keeps_the_raw_row_and_the_offending_value(broken_batch):
    with session_scope() as session:
        rows = list_quarantine(
            session, batch_id=broken_batch.batch_id, table="fee_list", reason="BAD_DECIMAL"
        )
    by_line = {r.line: r for r in rows}
    assert by_line[10].value == "12.5元"
    assert by_line[10].raw["feedetl_sn"] == "F09"
    assert by_line[3].value == "1.5.0"


def test_loading_the_broken_folder_again_changes_nothing(broken_batch):
    again = ingest_folder(BROKEN)
    for table, counts in again.tables.items():
        assert counts.loaded == 0 and counts.quarantined == 0, table
        assert counts.duplicate == EXPECTED_COUNTS[table]["read"], table
    with session_scope() as session:
        assert list_quarantine(session, batch_id=again.batch_id) == []
