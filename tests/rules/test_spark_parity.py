"""Portability proven, not assumed: the same templates on DuckDB and Spark give identical findings."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pytest

from fundguard.profiles import load_profile
from fundguard.rules import engine, fixtures, spark_engine
from fundguard.rules.dialect import DIALECTS

# Rules that read global master data (catalog, practitioner) see other cases' rows in the combined city.
GLOBAL_MASTER_RULES = {"PRC-P01", "SWP-P01", "OTH-P01"}

PROBES = [
    ("days", lambda d: d.days("a", "b")),
    ("seconds", lambda d: d.seconds("a", "b")),
    ("week_start", lambda d: d.str(d.week_start("b"))),
    ("month_start", lambda d: d.str(d.month_start("b"))),
    (
        "hour_bucket",
        lambda d: (
            d.str("CAST(" + d.hour_bucket("b") + " AS DATE)")
            + " || ' ' || "
            + d.str("hour(" + d.hour_bucket("b") + ")")
        ),
    ),
    ("add_days", lambda d: d.str(d.add_days("a", "30"))),
    ("rx", lambda d: d.rx("'肺恶性肿瘤'", "'(肿瘤|癌)'")),
]
PAIRS = [  # (a, b): Sunday→Monday, month end, leap day, year end across ISO week 1, midnight
    ("2025-03-09 23:59:59", "2025-03-10 00:00:00"),
    ("2025-01-31 10:00:00", "2025-03-01 09:00:00"),
    ("2024-02-28 12:00:00", "2024-03-01 11:59:59"),
    ("2024-12-29 08:00:00", "2025-01-01 06:30:00"),
    ("2025-07-01 00:00:00", "2025-06-30 23:00:00"),
]


def _probe_sql(dialect, a: str, b: str) -> str:
    cols = ", ".join(f"{fn(dialect)} AS {name}" for name, fn in PROBES)
    return f"SELECT {cols} FROM (SELECT CAST('{a}' AS TIMESTAMP) AS a, CAST('{b}' AS TIMESTAMP) AS b) t"


@pytest.mark.spark
def test_date_arithmetic_and_day_of_week_agree(spark) -> None:
    for a, b in PAIRS:
        duck = duckdb.sql(_probe_sql(DIALECTS["duckdb"], a, b)).fetchall()[0]
        spk = tuple(spark.sql(_probe_sql(DIALECTS["spark"], a, b)).collect()[0])
        assert [str(x) for x in duck] == [str(x) for x in spk], (a, b)
    # and the values are the calendar facts, not just equal to each other
    d = duckdb.sql(_probe_sql(DIALECTS["duckdb"], *PAIRS[0])).fetchall()[0]
    assert d[0] == 1 and d[1] == 1 and d[2] == "2025-03-10"  # Monday starts the ISO week
    d = duckdb.sql(_probe_sql(DIALECTS["duckdb"], *PAIRS[3])).fetchall()[0]
    assert d[0] == 3 and d[2] == "2024-12-30" and d[3] == "2025-01-01"
    assert datetime(2024, 12, 30).isoweekday() == 1


@pytest.mark.spark
@pytest.mark.slow
def test_all_fixture_cases_as_one_city_identical_on_both_engines(spark) -> None:
    tables, knowledge, expected = fixtures.combine_cases(fixtures.all_cases())
    params = engine.rule_params(load_profile(None))
    duck = engine.run_duckdb(fixtures.tables_connection(tables), knowledge, params).to_pylist()
    spark_engine.copy_from_duckdb(spark, fixtures.tables_connection(tables))
    spk = spark_engine.run_spark(spark, knowledge, params).to_pylist()

    def key(f):
        return (
            f["finding_id"],
            f["rule_code"],
            f["category"],
            f["severity"],
            f["mdtrt_id"],
            f["setl_id"],
            f["feedetl_sn"],
            f["psn_no"],
            f["fixmedins_code"],
            f["prac_psn_code"],
            f["amount"],
            f["message"],
        )

    assert sorted(map(key, duck)) == sorted(map(key, spk))
    assert len({f["finding_id"] for f in duck}) == len(duck)
    for d, s in zip(sorted(duck, key=key), sorted(spk, key=key), strict=True):
        assert json.loads(d["evidence"]).keys() == json.loads(s["evidence"]).keys()
    got = {(f["rule_code"], f["mdtrt_id"], f["feedetl_sn"], f["amount"]) for f in duck}
    assert {e for e in expected if e[0] not in GLOBAL_MASTER_RULES} <= got


def test_lake_views_show_the_current_master_version(spark, store, tmp_path):
    """Spark reading the lake sees one current row per institution after a master-data change."""
    from fundguard.ingest.service import ingest_folder
    from fundguard.rules import spark_engine
    from ingest.city import HOSPITAL, rows, write_csv, write_folder

    ingest_folder(write_folder(tmp_path / "city"))
    changed = [dict(r) for r in rows()["fixmedins"]]
    changed[0] |= {"fixmedins_name": "朝阳区第一人民医院", "aprv_bed_cnt": "320"}
    write_csv(tmp_path / "changed", "fixmedins", changed)
    ingest_folder(tmp_path / "changed")
    spark_engine.register_lake_views(spark)
    got = spark.sql(
        f"SELECT fixmedins_name, aprv_bed_cnt FROM fixmedins WHERE fixmedins_code = '{HOSPITAL}'"
    ).collect()
    assert [(r[0], int(r[1])) for r in got] == [("朝阳区第一人民医院", 320)]
    assert spark.sql("SELECT count(*) FROM fee_list").collect()[0][0] == len(rows()["fee_list"])
