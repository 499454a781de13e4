"""Master data is versioned: a changed institution, practitioner registration or catalogue row is
loaded as a new version (valid-from/valid-to history, the newest current) and reported; the same
key twice in one file with different values stays a quarantined error."""

from __future__ import annotations

import duckdb
from sqlalchemy import select

from fundguard import lake
from fundguard.db import session_scope
from fundguard.ingest.service import ingest_folder, list_quarantine
from fundguard.masterdata.models import CatalogItem, Institution, MasterVersion, Practitioner, Registration

from .city import DOCTOR, HOSPITAL, PHARMACY, rows, write_csv, write_folder

MASTER = ["fixmedins", "practitioner", "catalog"]


def changed_master() -> dict[str, list[dict[str, str]]]:
    """The city's master data with one change per table (and one unchanged row per table)."""
    data = {t: [dict(r) for r in rows()[t]] for t in MASTER}
    data["fixmedins"][0] |= {"fixmedins_name": "朝阳区第一人民医院", "aprv_bed_cnt": "320"}
    data["practitioner"][0] |= {"prac_psn_name": "张大夫", "dept_codg": "A04"}
    data["catalog"][0] |= {"pric_uplmt_amt": "13.0000"}
    return data


def write_tables(folder, data):
    for table, records in data.items():
        write_csv(folder, table, records)
    return folder


def lake_view(sql: str) -> list[tuple]:
    con = duckdb.connect()
    lake.register_views(con)
    return con.sql(sql).fetchall()


def versions(table: str) -> list[MasterVersion]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(MasterVersion)
                .where(MasterVersion.table_name == table)
                .order_by(MasterVersion.entity_key, MasterVersion.id)
            )
        )


def test_a_changed_master_row_becomes_the_current_version_and_is_reported(store, tmp_path):
    first = ingest_folder(write_folder(tmp_path / "city", tables=MASTER))
    report = ingest_folder(write_tables(tmp_path / "changed", changed_master()))

    expected = {"read": 2, "loaded": 1, "quarantined": 0, "duplicate": 1}
    assert report.contract_json() == {t: expected for t in MASTER}
    changes = {(c.table, tuple(c.key.values())): c for c in report.master_changes}
    assert set(changes) == {
        ("fixmedins", (HOSPITAL,)),
        ("practitioner", (DOCTOR, HOSPITAL)),
        ("catalog", ("XA01ABC123",)),
    }
    hospital = changes[("fixmedins", (HOSPITAL,))]
    assert hospital.line == 2
    assert [(c.column, c.old, c.new) for c in hospital.columns] == [
        ("fixmedins_name", "朝阳区第一医院", "朝阳区第一人民医院"),
        ("aprv_bed_cnt", "300", "320"),
    ]
    doctor = {c.column: (c.old, c.new) for c in changes[("practitioner", (DOCTOR, HOSPITAL))].columns}
    assert doctor == {"prac_psn_name": ("张**", "张**"), "dept_codg": ("A03", "A04")}  # names masked
    assert report.master_changes_total == 3
    assert any("主数据变更 3 条" in note for note in report.notes)

    # Current tables in the store follow the newest version.
    with session_scope() as session:
        assert session.get(Institution, HOSPITAL).aprv_bed_cnt == 320
        assert session.get(Practitioner, DOCTOR).prac_psn_name == "张大夫"
        assert (
            session.scalar(select(Registration.dept_codg).where(Registration.prac_psn_code == DOCTOR))
            == "A04"
        )
        assert str(session.get(CatalogItem, "XA01ABC123").pric_uplmt_amt) == "13.00"

    # History: the old version is closed when the new one starts; unchanged rows keep one version.
    history = [
        (v.entity_key, v.change, v.batch_id, v.data["fixmedins_name"], v.valid_to, v.superseded_by)
        for v in versions("fixmedins")
    ]
    old_from = versions("fixmedins")[0].valid_from
    new = versions("fixmedins")[1]
    assert history == [
        (HOSPITAL, "new", first.batch_id, "朝阳区第一医院", new.valid_from, report.batch_id),
        (HOSPITAL, "changed", report.batch_id, "朝阳区第一人民医院", None, None),
        (PHARMACY, "new", first.batch_id, "康民大药房", None, None),
    ]
    assert old_from < new.valid_from

    # The lake keeps both versions in its files; its views show the current one.
    assert lake_view(
        f"SELECT fixmedins_name, aprv_bed_cnt FROM fixmedins WHERE fixmedins_code = '{HOSPITAL}'"
    ) == [("朝阳区第一人民医院", 320)]
    assert lake_view("SELECT count(*) FROM fixmedins") == [(2,)]
    files = ", ".join(f"'{f}'" for f in lake.table_files("fixmedins"))
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet([{files}])").fetchall() == [(3,)]


def test_versions_are_idempotent_and_a_change_back_is_a_new_version(store, tmp_path):
    ingest_folder(write_folder(tmp_path / "city", tables=["fixmedins"]))
    changed = write_tables(tmp_path / "changed", {"fixmedins": changed_master()["fixmedins"]})
    ingest_folder(changed)

    again = ingest_folder(changed)
    assert again.contract_json()["fixmedins"] == {"read": 2, "loaded": 0, "quarantined": 0, "duplicate": 2}
    assert again.master_changes == []

    back = ingest_folder(write_folder(tmp_path / "back", tables=["fixmedins"]))
    assert back.contract_json()["fixmedins"]["loaded"] == 1
    assert [c.new for c in back.master_changes[0].columns] == ["朝阳区第一医院", "300"]
    hospital = [v for v in versions("fixmedins") if v.entity_key == HOSPITAL]
    assert [(v.change, v.valid_to is None) for v in hospital] == [
        ("new", False),
        ("changed", False),
        ("changed", True),
    ]
    assert lake_view(f"SELECT fixmedins_name FROM fixmedins WHERE fixmedins_code = '{HOSPITAL}'") == [
        ("朝阳区第一医院",)
    ]


def test_the_same_key_twice_in_one_file_with_different_values_stays_quarantined(store, tmp_path):
    ingest_folder(write_folder(tmp_path / "city", tables=["fixmedins"]))
    records = [dict(r) for r in rows()["fixmedins"]]
    records.append(records[0] | {"fixmedins_name": "另一个名字"})
    records[0] |= {"aprv_bed_cnt": "350"}
    report = ingest_folder(write_tables(tmp_path / "twice", {"fixmedins": records}))

    assert report.contract_json()["fixmedins"] == {"read": 3, "loaded": 1, "quarantined": 1, "duplicate": 1}
    with session_scope() as session:
        (row,) = list_quarantine(session, batch_id=report.batch_id)
        assert session.get(Institution, HOSPITAL).aprv_bed_cnt == 350  # the first line wins
    assert (row.reason_code, row.line, row.column) == ("DUPLICATE_KEY", 4, "fixmedins_code")
    assert [(c.line, [x.column for x in c.columns]) for c in report.master_changes] == [(2, ["aprv_bed_cnt"])]
    assert [v.line for v in versions("fixmedins") if v.batch_id == report.batch_id] == [2]


def test_strict_mode_versions_nothing(store, tmp_path):
    ingest_folder(write_folder(tmp_path / "city", tables=["fixmedins"]))
    records = changed_master()["fixmedins"] + [dict(rows()["fixmedins"][0]) | {"hosp_lv": "99"}]
    report = ingest_folder(write_tables(tmp_path / "bad", {"fixmedins": records}), strict=True)
    assert report.status == "rejected"
    assert report.master_changes == []
    assert len(versions("fixmedins")) == 2
    with session_scope() as session:
        assert session.get(Institution, HOSPITAL).fixmedins_name == "朝阳区第一医院"
