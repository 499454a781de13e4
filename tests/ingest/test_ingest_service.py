"""ingest_folder on a clean folder: everything loads once, in every accepted format and encoding."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import func, select

from fundguard import lake
from fundguard.auth.models import AuditEvent
from fundguard.db import session_scope
from fundguard.errors import InputError
from fundguard.ingest.models import IngestBatch
from fundguard.ingest.service import ingest_folder, list_quarantine
from fundguard.masterdata.models import CatalogItem, Department, Institution, Practitioner, Registration

from .city import HOSPITAL, row_count, rows, write_csv, write_folder


def lake_rows(sql: str) -> list[tuple]:
    con = duckdb.connect()
    lake.register_views(con)
    return con.sql(sql).fetchall()


def test_a_clean_folder_loads_every_row_of_every_table(store, tmp_path):
    report = ingest_folder(write_folder(tmp_path / "in"))
    assert report.status == "committed"
    expected = {t: {"read": n, "loaded": n, "quarantined": 0, "duplicate": 0} for t, n in row_count().items()}
    assert report.contract_json() == expected
    for table, n in row_count().items():
        assert lake_rows(f"SELECT count(*) FROM {table}") == [(n,)], table


def test_lake_keeps_exact_types_lineage_and_month_partitions(store, tmp_path):
    report = ingest_folder(write_folder(tmp_path / "in"))
    amounts = lake_rows(
        "SELECT feedetl_sn, det_item_fee_sumamt, cnt, _batch_id, _line FROM fee_list ORDER BY feedetl_sn"
    )
    assert amounts[2] == ("F0003", Decimal("-12.50"), Decimal("-1.0000"), report.batch_id, 4)
    batch = lake.batches_dir() / report.batch_id
    assert sorted(p.name for p in (batch / "fee_list").iterdir()) == ["ym=2024-03", "ym=2024-04"]
    schema = lake_rows(
        "SELECT typeof(det_item_fee_sumamt), typeof(fee_ocur_time), typeof(age) FROM fee_list, mdtrt LIMIT 1"
    )
    assert schema == [("DECIMAL(18,2)", "TIMESTAMP", "INTEGER")]


def test_master_data_is_upserted_into_the_store(store, tmp_path):
    ingest_folder(write_folder(tmp_path / "in"))
    with session_scope() as session:
        hospital = session.get(Institution, HOSPITAL)
        assert (hospital.fixmedins_name, hospital.hosp_lv, hospital.aprv_bed_cnt) == (
            "朝阳区第一医院",
            "01",
            300,
        )
        assert session.scalar(select(func.count()).select_from(Practitioner)) == 2
        assert session.scalar(select(func.count()).select_from(Registration)) == 2
        assert session.scalar(select(Department.dept_codg)) == "A03"
        assert session.get(CatalogItem, "XA01ABC123").pric_uplmt_amt == Decimal("12.50")


def test_each_batch_writes_one_audit_event(store, tmp_path):
    report = ingest_folder(write_folder(tmp_path / "in"), actor="tester")
    with session_scope() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "ingest.batch")).all()
        assert [(e.actor, e.entity_id) for e in events] == [("tester", report.batch_id)]
        assert events[0].detail["tables"]["fee_list"]["loaded"] == 4


def test_loading_the_same_folder_twice_loads_nothing_new(store, tmp_path):
    folder = write_folder(tmp_path / "in")
    ingest_folder(folder)
    again = ingest_folder(folder)
    assert again.loaded == 0
    assert all(c.duplicate == c.read and c.read > 0 for c in again.tables.values())
    assert any("已入库" in note for note in again.notes)
    assert lake_rows("SELECT count(*) FROM fee_list") == [(4,)]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_the_same_rows_in_another_encoding_or_parquet_are_the_same_rows(store, tmp_path, encoding):
    ingest_folder(write_folder(tmp_path / "utf8"))
    for folder in (
        write_folder(tmp_path / encoding, encoding=encoding),
        write_folder(tmp_path / "pq", fmt="parquet"),
    ):
        report = ingest_folder(folder)
        assert report.loaded == 0 and report.quarantined == 0, report.contract_json()
    assert lake_rows("SELECT psn_name FROM mdtrt ORDER BY mdtrt_id") == [("王某",), ("赵某",)]


def test_same_key_with_different_content_is_a_conflict_not_an_update(store, tmp_path):
    ingest_folder(write_folder(tmp_path / "first"))
    changed = rows()["fee_list"][:1]
    changed[0] = changed[0] | {"cnt": "5", "det_item_fee_sumamt": "250.00"}
    write_csv(tmp_path / "third", "fee_list", changed)
    report = ingest_folder(tmp_path / "third")
    assert report.contract_json()["fee_list"] == {"read": 1, "loaded": 0, "quarantined": 1, "duplicate": 0}
    with session_scope() as session:
        (row,) = list_quarantine(session, batch_id=report.batch_id)
    assert (row.reason_code, row.column, row.value, row.line) == (
        "DUPLICATE_KEY_CONFLICT",
        "feedetl_sn",
        "F0001",
        2,
    )


def test_mapping_renames_their_columns_to_ours(store, tmp_path):
    records = [
        {("MDTRT_NO" if k == "mdtrt_id" else k.upper()): v for k, v in r.items()} for r in rows()["mdtrt"]
    ]
    write_csv(tmp_path / "in", "mdtrt", records)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("mdtrt:\n  mdtrt_id: MDTRT_NO\n", encoding="utf-8")
    report = ingest_folder(tmp_path / "in", mapping=mapping)
    assert report.contract_json()["mdtrt"]["loaded"] == 2
    assert lake_rows("SELECT mdtrt_id FROM mdtrt ORDER BY 1") == [("M001",), ("M002",)]


def test_institution_references_are_checked_only_once_institutions_are_known(store, tmp_path):
    write_folder(tmp_path / "in", tables=["mdtrt"])
    report = ingest_folder(tmp_path / "in")
    assert report.loaded == 2
    assert any("fixmedins" in note and "未校验" in note for note in report.notes)


def test_quoted_newlines_and_blank_lines_keep_file_line_numbers(store, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "mdtrt.csv").write_text(
        "mdtrt_id,psn_no,gend,age,fixmedins_code,med_type,begntime,psn_name\n"
        'M1,P1,1,30,H11010500001,11,2024-03-01 08:00:00,"王\n某"\n'
        "\n"
        "M2,P2,1,x,H11010500001,11,2024-03-01 08:00:00,李某\n"
        "M3,P3,1,31\n"
        "M4,P4,1,30,H11010500001,11,2024-03-01 08:00:00,赵某\n",
        encoding="utf-8",
    )
    report = ingest_folder(folder)
    with session_scope() as session:
        got = {(q.line, q.reason_code) for q in list_quarantine(session, batch_id=report.batch_id)}
    assert got == {(5, "BAD_INTEGER"), (6, "CSV_STRUCTURE")}
    assert lake_rows("SELECT mdtrt_id, _line FROM mdtrt ORDER BY 1") == [("M1", 2), ("M4", 7)]


def test_strict_mode_commits_nothing_when_a_row_is_bad(store):
    report = ingest_folder(Path(__file__).parent / "broken", strict=True)
    assert report.status == "rejected"
    assert report.quarantined > 0
    assert lake_rows("SELECT count(*) FROM mdtrt") == [(0,)]
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Institution)) == 0
        assert session.scalar(select(IngestBatch.status)) == "rejected"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda p: p / "absent", "INPUT_DIR_MISSING"),
        (lambda p: (p / "empty").mkdir() or p / "empty", "INPUT_EMPTY"),
    ],
)
def test_unusable_folders_are_input_errors(store, tmp_path, make, code):
    with pytest.raises(InputError) as err:
        ingest_folder(make(tmp_path))
    assert err.value.code == code


def test_an_unreadable_mapping_is_an_input_error_naming_the_file(store, tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("mdtrt: [oops", encoding="utf-8")
    with pytest.raises(InputError) as err:
        ingest_folder(write_folder(tmp_path / "in"), mapping=mapping)
    assert err.value.code == "MAPPING_UNREADABLE"
    assert "map.yaml" in err.value.message_zh
