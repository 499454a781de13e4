"""Cross-row rules pinned down: which line of a duplicated key wins, keyless duplicates, parents
from earlier batches, the fee-time tolerance and float money from Parquet."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from fundguard.db import session_scope
from fundguard.ingest.service import ingest_folder, list_quarantine
from fundguard.profiles import get_profile

from .city import rows, write_csv, write_folder


def quarantined(report) -> set[tuple[str, int, str]]:
    with session_scope() as session:
        return {
            (q.table_name, q.line, q.reason_code) for q in list_quarantine(session, batch_id=report.batch_id)
        }


def test_the_first_valid_line_of_a_key_wins(store, tmp_path):
    visit = rows()["mdtrt"][0]
    records = [visit | {"age": "x"}, visit, visit | {"age": "46"}, visit]
    report = ingest_folder(write_csv(tmp_path / "in", "mdtrt", records).parent)
    # line 2 fails a row check and does not take part; line 3 is the first valid line.
    assert quarantined(report) == {("mdtrt", 2, "BAD_INTEGER"), ("mdtrt", 4, "DUPLICATE_KEY")}
    assert report.contract_json()["mdtrt"] == {"read": 4, "loaded": 1, "quarantined": 2, "duplicate": 1}
    with session_scope() as session:
        (dup,) = list_quarantine(session, batch_id=report.batch_id, reason="DUPLICATE_KEY")
    assert "第 3 行" in dup.reason_zh


def test_rows_without_a_key_are_identified_by_their_content(store, tmp_path):
    purchase = rows()["purchase"][0]
    folder = write_csv(tmp_path / "in", "purchase", [purchase, purchase, purchase | {"cnt": "50"}]).parent
    write_folder(folder, tables=["fixmedins"])
    first = ingest_folder(folder)
    assert first.contract_json()["purchase"] == {"read": 3, "loaded": 2, "quarantined": 0, "duplicate": 1}
    again = ingest_folder(folder)
    assert again.contract_json()["purchase"] == {"read": 3, "loaded": 0, "quarantined": 0, "duplicate": 3}


def test_parents_from_earlier_batches_count_and_bound_the_fee_time(store, tmp_path):
    ingest_folder(write_folder(tmp_path / "visits", tables=["fixmedins", "mdtrt"]))
    tol = timedelta(hours=int(get_profile()["ingest.fee_time_tolerance_hours"]))
    begin = datetime(2024, 3, 1, 8, 0, 0)  # M001: 2024-03-01 08:00 – 2024-03-05 10:00
    end = datetime(2024, 3, 5, 10, 0, 0)
    fee = rows()["fee_list"][0]
    moments = [begin - tol, begin - tol - timedelta(seconds=1), end + tol, end + tol + timedelta(seconds=1)]
    records = [
        fee | {"feedetl_sn": f"T{i}", "fee_ocur_time": f"{m:%Y-%m-%d %H:%M:%S}"}
        for i, m in enumerate(moments)
    ]
    records.append(fee | {"feedetl_sn": "T9", "mdtrt_id": "M404"})
    report = ingest_folder(write_csv(tmp_path / "fees", "fee_list", records).parent)
    assert quarantined(report) == {
        ("fee_list", 3, "FEE_TIME_OUTSIDE_VISIT"),
        ("fee_list", 5, "FEE_TIME_OUTSIDE_VISIT"),
        ("fee_list", 6, "ORPHAN_REF"),
    }
    assert report.contract_json()["fee_list"]["loaded"] == 2


def test_float_money_from_parquet_must_be_whole_cents(store, tmp_path):
    folder = write_folder(tmp_path / "in", tables=["fixmedins", "mdtrt"])
    fee = rows()["fee_list"][1]  # 2 × 12.5 = 25.00
    table = {k: [fee[k], fee[k]] for k in fee}
    table["feedetl_sn"] = ["F1", "F2"]
    table["cnt"] = [2.0, 2.0]
    table["pric"] = [12.5, 12.5]
    table["det_item_fee_sumamt"] = [25.0, 25.004]
    pq.write_table(pa.table(table), folder / "fee_list.parquet")
    report = ingest_folder(folder)
    assert quarantined(report) == {("fee_list", 2, "BAD_DECIMAL")}
    assert report.contract_json()["fee_list"]["loaded"] == 1


def test_a_file_without_its_key_column_is_quarantined_row_by_row(store, tmp_path):
    records = [{k: v for k, v in r.items() if k != "mdtrt_id"} for r in rows()["mdtrt"]]
    report = ingest_folder(write_csv(tmp_path / "in", "mdtrt", records).parent)
    assert report.contract_json()["mdtrt"] == {"read": 2, "loaded": 0, "quarantined": 2, "duplicate": 0}
    assert quarantined(report) == {("mdtrt", 2, "MISSING_COLUMN"), ("mdtrt", 3, "MISSING_COLUMN")}
    assert ingest_folder(tmp_path / "in").contract_json()["mdtrt"]["duplicate"] == 2
