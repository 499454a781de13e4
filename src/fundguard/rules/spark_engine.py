"""The same templates on Apache Spark (PySpark): local mode in tests, a cluster in production.

Spark reads the contract tables as temporary views with the contract names (from the lake's
Parquet files, or copied from a DuckDB connection for small runs), gets the knowledge tables as
DataFrames, and runs the templates rendered with ``SparkDialect``. See SPARK.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date

import pyarrow as pa

from fundguard.contract import FINDING_COLUMNS, TABLES
from fundguard.rules import engine
from fundguard.rules.dialect import DIALECTS

_SESSION = None


def get_spark(master: str | None = None):
    """A SparkSession: ``FUNDGUARD_SPARK_MASTER`` (e.g. ``spark://host:7077``, ``yarn``), else local[2]."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.appName("fundguard-audit")
        .master(master or os.environ.get("FUNDGUARD_SPARK_MASTER", "local[2]"))
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.shuffle.partitions", os.environ.get("FUNDGUARD_SPARK_SHUFFLE_PARTITIONS", "4"))
        .config("spark.ui.enabled", "false")
        # local mode runs the work in the driver's JVM: its 1 GB default heap runs out on a real city
        .config("spark.driver.memory", os.environ.get("FUNDGUARD_SPARK_DRIVER_MEMORY", "4g"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.ansi.enabled", "false")
    )
    _SESSION = builder.getOrCreate()
    return _SESSION


def _register(spark, name: str, table: pa.Table) -> None:
    spark.createDataFrame(table).createOrReplaceTempView(name)


def run_spark(
    spark,
    knowledge: engine.Knowledge,
    params: dict,
    since: date | None = None,
    until: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> pa.Table:
    """Run the templates on Spark; the contract tables must already be temp views in ``spark``."""
    dialect = DIALECTS["spark"]
    for name, table in engine.knowledge_tables(knowledge, params).items():
        _register(spark, name, table)
    prelude = engine._env(dialect).get_template("_prelude.sql").render(p=params, since=since, until=until)
    for statement in (s.strip() for s in prelude.split(";")):
        if statement:
            spark.sql(statement)
    # the prelude relations are read by many templates: computed once (0006 "Performance at 10 M lines")
    for name in engine.PRELUDE_RELATIONS:
        spark.table(name).cache()
    parts = []
    for template in engine.templates_to_run(knowledge):
        if template in engine.TEMPLATE_PARAMS:
            matched = spark.sql(engine.match_sql(f"k_{template}"))
            matched.cache().createOrReplaceTempView(f"fg_m_k_{template}")
        sql = engine.wrap(engine.render(template, dialect, params, since, until), dialect)
        spark.sql(sql).createOrReplaceTempView(f"fg_out_{template}")
        parts.append(f"SELECT * FROM fg_out_{template}")
        if progress:
            progress(template)
    if not parts:
        return engine.FINDING_SCHEMA.empty_table()
    spark.sql(" UNION ALL ".join(parts)).createOrReplaceTempView("fg_all")
    result = spark.sql(engine.DEDUP.format(cols=", ".join(FINDING_COLUMNS))).toArrow()
    spark.catalog.clearCache()
    return result.cast(engine.FINDING_SCHEMA)


def copy_from_duckdb(spark, con) -> None:
    """Copy every contract table (and ``suspension``) of a DuckDB connection into Spark temp views."""
    engine._ensure_aux_views(con)
    for name in [*TABLES, "suspension"]:
        _register(spark, name, con.sql(f"SELECT * FROM {name}").to_arrow_table())


def register_lake_views(spark) -> None:
    """Point Spark at the committed lake's Parquet files (what a cluster deployment uses).

    Fact tables are read by Spark straight from the files. Master-data tables keep every version
    (docs/decisions/0017); they are small, so they go through the lake's DuckDB views, which
    show the current version of each key, and are copied in.
    """
    import duckdb

    from fundguard import lake

    con = duckdb.connect()
    masters = [name for name, spec in TABLES.items() if spec.kind == "master"]
    lake.register_views(con, tables=masters)
    for name in TABLES:
        if name in masters:
            _register(spark, name, con.sql(f"SELECT * FROM {name}").to_arrow_table())
            continue
        files = lake.table_files(name)
        if files:
            spark.read.option("mergeSchema", "true").parquet(*files).createOrReplaceTempView(name)
    con.close()


def run_spark_over_duckdb(con, knowledge, params, since=None, until=None, progress=None) -> pa.Table:
    spark = get_spark()
    copy_from_duckdb(spark, con)
    return run_spark(spark, knowledge, params, since, until, progress)
