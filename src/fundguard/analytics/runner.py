"""Where analytics SQL runs (执行引擎): DuckDB in this process, or Spark.

A runner pairs a connection with the SQL dialect it speaks (``rules/dialect.py``), so one SQL text
built with ``runner.dialect`` helpers runs on either engine. It has two verbs: ``df(sql)`` returns
a pandas DataFrame, ``temp(name, sql)`` keeps a result under a name for later statements (a DuckDB
temp table; a cached Spark temp view). ``for_engine(con, engine)`` gives the runner that
``fundguard risk --engine`` asks for: on Spark the contract tables are first copied from ``con``.
"""

from __future__ import annotations

from typing import Protocol

import duckdb
import pandas as pd

from fundguard.errors import InputError
from fundguard.rules.dialect import DIALECTS, Dialect

ENGINES = ("duckdb", "spark")


class SqlRunner(Protocol):
    dialect: Dialect

    def df(self, sql: str) -> pd.DataFrame: ...

    def temp(self, name: str, sql: str) -> None: ...

    def release(self) -> None: ...


class DuckRunner:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.dialect = DIALECTS["duckdb"]

    def df(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def temp(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def release(self) -> None:
        """Nothing to free early: the temp tables end with the caller's connection."""


class SparkRunner:
    def __init__(self, spark) -> None:
        self.spark = spark
        self.dialect = DIALECTS["spark"]
        self._cached: dict[str, object] = {}

    def df(self, sql: str) -> pd.DataFrame:
        return self.spark.sql(sql).toPandas()

    def temp(self, name: str, sql: str) -> None:
        # a view alone would recompute its query for every statement that reads it
        frame = self.spark.sql(sql).cache()
        old = self._cached.pop(name, None)
        frame.createOrReplaceTempView(name)
        if old is not None:
            old.unpersist()
        self._cached[name] = frame

    def release(self) -> None:
        """Free the cached temp results (the session outlives one analytics run)."""
        for frame in self._cached.values():
            frame.unpersist()
        self._cached.clear()


def as_runner(source: duckdb.DuckDBPyConnection | SqlRunner) -> SqlRunner:
    """A DuckDB connection as a runner; a runner as it is."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return DuckRunner(source)
    return source


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise InputError("ENGINE", f"未知引擎 {engine}（duckdb|spark）", f"unknown engine {engine}")


def for_engine(con: duckdb.DuckDBPyConnection, engine: str = "duckdb") -> SqlRunner:
    """The runner for ``engine`` over the contract tables of ``con``."""
    check_engine(engine)
    if engine == "duckdb":
        return DuckRunner(con)
    from fundguard.rules import spark_engine

    spark = spark_engine.get_spark()
    spark_engine.copy_from_duckdb(spark, con)
    return SparkRunner(spark)
