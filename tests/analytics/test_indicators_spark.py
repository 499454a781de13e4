"""The monitoring indicators on Spark equal those on DuckDB (issue #10: indicators on the lake)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fundguard.analytics import evaluate, indicators, minicity, source
from fundguard.analytics.runner import SparkRunner
from fundguard.errors import InputError
from fundguard.rules import spark_engine
from fundguard.rules.dialect import DIALECTS

KEY = ["level", "entity_id", "period", "indicator"]
NUMBERS = ["value", "numerator", "denominator", "volume"]

PROBES = [
    ("month_key", lambda d: d.month_key("t")),
    ("weekend", lambda d: d.weekend("t")),
]
# (timestamp, month key, weekend): Saturday, Sunday, Monday, the last second of a year, leap day
TIMES = [
    ("2025-03-08 10:00:00", "2025-03", True),
    ("2025-03-09 23:59:59", "2025-03", True),
    ("2025-03-10 00:00:00", "2025-03", False),
    ("2024-12-31 23:59:59", "2024-12", False),
    ("2025-01-01 00:00:00", "2025-01", False),
    ("2024-02-29 12:00:00", "2024-02", False),
]
# ties everywhere: mode picks the lowest of the most frequent, arg_max the greatest second key
GROUPS = "('b', 1), ('a', 1), ('c', 2), ('a', 2), ('b', 2), ('c', 1)"


def _probe_sql(dialect, ts: str) -> str:
    cols = ", ".join(f"{fn(dialect)} AS {name}" for name, fn in PROBES)
    return f"SELECT {cols} FROM (SELECT CAST('{ts}' AS TIMESTAMP) AS t) AS p"


def _aggregate_sql(dialect) -> str:
    return (
        f"SELECT {dialect.mode('x')} AS m, {dialect.arg_max('x', 'y')} AS by_y, "
        f"{dialect.arg_max('x', 'y', 'x')} AS by_y_x FROM (VALUES {GROUPS}) AS t(x, y)"
    )


@pytest.mark.spark
def test_indicator_helpers_agree_on_weekends_month_ends_and_ties(spark) -> None:
    for ts, month, weekend in TIMES:
        duck = duckdb.sql(_probe_sql(DIALECTS["duckdb"], ts)).fetchall()[0]
        spk = tuple(spark.sql(_probe_sql(DIALECTS["spark"], ts)).collect()[0])
        assert duck == spk == (month, weekend), ts
    duck = duckdb.sql(_aggregate_sql(DIALECTS["duckdb"])).fetchall()[0]
    spk = tuple(spark.sql(_aggregate_sql(DIALECTS["spark"])).collect()[0])
    assert duck[0] == spk[0] == "a"
    assert duck[1] in "abc" and spk[1] in "abc"  # one key with a tie: any row of the tie
    assert duck[2] == spk[2] == "c"


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(KEY, ignore_index=True)


def _assert_same_table(duck: pd.DataFrame, spk: pd.DataFrame) -> None:
    assert list(duck.columns) == list(spk.columns)
    duck, spk = _sorted(duck), _sorted(spk)
    assert len(duck) == len(spk)
    for col in [c for c in duck.columns if c not in NUMBERS]:
        mismatch = duck[col].astype(str) != spk[col].astype(str)
        assert not mismatch.any(), (col, duck[mismatch].head(), spk[mismatch].head())
    for col in NUMBERS:
        np.testing.assert_allclose(
            duck[col].astype(float), spk[col].astype(float), rtol=1e-9, equal_nan=True, err_msg=col
        )


@pytest.mark.spark
def test_indicators_and_idle_stays_identical_on_duckdb_and_spark(spark, city) -> None:
    frames, _ = city
    con = source.open_frames(frames)
    # the mini city bills a stay's bed days on one line; daily bed lines on the days after
    # admission make runs of idle days of 0–3 days, so that idle_stays counts some stays
    con.execute(f"""
        INSERT INTO fee_list (feedetl_sn, mdtrt_id, psn_no, fixmedins_code, fee_ocur_time,
                              med_list_codg, cnt, pric, det_item_fee_sumamt, med_chrgitm_type)
        SELECT 'FI' || mdtrt_id || d, mdtrt_id, psn_no, fixmedins_code, CAST(begntime AS DATE) + d,
               '{minicity.BED}', 1, 50, 50, '01'
        FROM mdtrt CROSS JOIN (SELECT CAST(range AS INTEGER) AS d FROM range(1, 4)) AS r
        WHERE med_type = '21' AND d <= ipt_days % 4
    """)
    duck = indicators.compute_indicators(con)
    duck_idle = indicators.idle_stays(con)
    spark_engine.copy_from_duckdb(spark, con)
    run = SparkRunner(spark)
    spk = indicators.compute_indicators(run)
    spk_idle = indicators.idle_stays(run)
    run.release()

    _assert_same_table(duck, spk)
    # equal because both work, not because both are empty or broken the same way
    assert set(duck["level"]) == set(indicators.LEVELS)
    assert duck["indicator"].nunique() >= 15
    assert {"ALL", "2025-01", "2025-03"} <= set(duck["period"])
    for code in ("weekend_admission_share", "readmission_rate", "top_drug_share", "bed_occupancy"):
        assert (duck.loc[duck["indicator"] == code, "value"] > 0).any(), code

    idle = duck_idle.sort_values("fixmedins_code", ignore_index=True)
    assert idle.astype(str).equals(spk_idle.sort_values("fixmedins_code", ignore_index=True).astype(str))
    assert 0 < idle["idle_stays"].sum() < (frames["mdtrt"]["med_type"] == "21").sum()


@pytest.mark.spark
def test_fundguard_risk_engine_spark_writes_the_same_risk_scores(spark, tmp_path, fg_home) -> None:
    from fundguard.cli import app

    city = minicity.write(tmp_path / "city", seed=evaluate.TUNING_SEED, persons=300, months=2)
    outputs = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine
        res = CliRunner().invoke(app, ["risk", str(city), "--out", str(out), "--engine", engine])
        assert res.exit_code == 0, res.output
        outputs[engine] = (out / "risk_scores.csv").read_text(encoding="utf-8")
    assert "indicators on spark" in " ".join(res.output.split())
    assert outputs["spark"] == outputs["duckdb"]
    assert outputs["duckdb"].count("\n") > 50

    res = CliRunner().invoke(app, ["risk", str(city), "--out", str(tmp_path / "x"), "--engine", "flink"])
    assert isinstance(res.exception, InputError) and res.exception.code == "ENGINE"
    assert "未知引擎" in res.exception.message_zh
