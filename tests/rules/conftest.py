"""One SparkSession for every Spark test of the rules domain (JVM start-up is slow)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    from fundguard.rules import spark_engine

    session = spark_engine.get_spark("local[1]")
    yield session
