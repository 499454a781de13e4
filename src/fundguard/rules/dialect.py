"""SQL dialect helpers for the templates: the portable subset plus the few functions that differ.

Templates are Jinja2 SQL. Everything engine-specific goes through these helpers, never through
blind transpilation: date differences, week/month buckets, regex, JSON evidence and the
knowledge join (exact or prefix) are spelled out per engine and tested on both.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def lit(value) -> str:
    """A SQL literal for a parameter value (str, int, Decimal, date, bool, list → IN list)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, list | tuple | set):
        return ", ".join(lit(v) for v in value) if value else "NULL"
    return "'" + str(value).replace("'", "''") + "'"


class Dialect:
    name = "duckdb"

    def days(self, a: str, b: str) -> str:
        """Whole calendar days from a to b (b − a)."""
        return f"date_diff('day', CAST({a} AS DATE), CAST({b} AS DATE))"

    def seconds(self, a: str, b: str) -> str:
        return f"date_diff('second', CAST({a} AS TIMESTAMP), CAST({b} AS TIMESTAMP))"

    def add_days(self, d: str, n: str) -> str:
        return f"(CAST({d} AS DATE) + CAST({n} AS INTEGER))"

    def rx(self, s: str, pattern: str) -> str:
        return f"coalesce(regexp_matches({s}, {pattern}), FALSE)"

    def week_start(self, ts: str) -> str:
        return f"CAST(date_trunc('week', CAST({ts} AS TIMESTAMP)) AS DATE)"

    def month_start(self, ts: str) -> str:
        return f"CAST(date_trunc('month', CAST({ts} AS TIMESTAMP)) AS DATE)"

    def hour_bucket(self, ts: str) -> str:
        return f"date_trunc('hour', CAST({ts} AS TIMESTAMP))"

    def json(self, *pairs: str) -> str:
        return "CAST(json_object(" + ", ".join(pairs) + ") AS VARCHAR)"

    def str(self, x: str) -> str:
        return f"CAST({x} AS VARCHAR)"

    def hash(self, *cols: str) -> str:
        """A 64-bit hash of the values (NULL-safe: equal rows, NULLs included, hash equal).

        Only ever used to pre-select candidate rows cheaply (a collision adds a candidate, never
        loses one); the exact condition is always evaluated on the candidates afterwards.
        """
        return f"hash({', '.join(cols)})"

    # --- analytics indicators (analytics/indicators.py) ------------------------------------------

    def month_key(self, ts: str) -> str:
        """The calendar month as ``YYYY-MM`` (the indicators' period)."""
        return f"strftime(CAST({ts} AS TIMESTAMP), '%Y-%m')"

    def weekend(self, ts: str) -> str:
        """Saturday or Sunday (DuckDB numbers the days 0 = Sunday … 6 = Saturday)."""
        return f"(dayofweek(CAST({ts} AS TIMESTAMP)) IN (0, 6))"

    def arg_max(self, x: str, *by: str) -> str:
        """``x`` of the row with the largest ``by``; several keys compare left to right, so a last
        key that differs between rows makes ties impossible (both engines pick any row on a tie).
        The keys must not be NULL (the engines order a NULL inside a composite key differently),
        nor ``x``: DuckDB skips rows whose ``x`` is NULL, Spark returns it — filter them out first."""
        key = by[0] if len(by) == 1 else f"row({', '.join(by)})"
        return f"arg_max({x}, {key})"

    def mode(self, x: str) -> str:
        """Most frequent non-NULL value, the lowest one on a tie: plain ``mode`` picks whichever
        tied value a thread met first, so the result could differ between runs and engines."""
        return f"mode({x} ORDER BY {x})"


class SparkDialect(Dialect):
    name = "spark"

    def days(self, a: str, b: str) -> str:
        return f"datediff(CAST({b} AS DATE), CAST({a} AS DATE))"

    def seconds(self, a: str, b: str) -> str:
        return f"(unix_timestamp(CAST({b} AS TIMESTAMP)) - unix_timestamp(CAST({a} AS TIMESTAMP)))"

    def add_days(self, d: str, n: str) -> str:
        return f"date_add(CAST({d} AS DATE), CAST({n} AS INT))"

    def rx(self, s: str, pattern: str) -> str:
        return f"coalesce({s} RLIKE {pattern}, FALSE)"

    def week_start(self, ts: str) -> str:
        return f"CAST(date_trunc('WEEK', CAST({ts} AS TIMESTAMP)) AS DATE)"

    def month_start(self, ts: str) -> str:
        return f"CAST(date_trunc('MONTH', CAST({ts} AS TIMESTAMP)) AS DATE)"

    def hour_bucket(self, ts: str) -> str:
        return f"date_trunc('HOUR', CAST({ts} AS TIMESTAMP))"

    def json(self, *pairs: str) -> str:
        return "to_json(named_struct(" + ", ".join(pairs) + "), map('ignoreNullFields', 'false'))"

    def str(self, x: str) -> str:
        return f"CAST({x} AS STRING)"

    def hash(self, *cols: str) -> str:
        return f"xxhash64({', '.join(cols)})"

    def month_key(self, ts: str) -> str:
        return f"date_format(CAST({ts} AS TIMESTAMP), 'yyyy-MM')"

    def weekend(self, ts: str) -> str:
        # Spark numbers the days 1 = Sunday … 7 = Saturday
        return f"(dayofweek(CAST({ts} AS TIMESTAMP)) IN (1, 7))"

    def arg_max(self, x: str, *by: str) -> str:
        key = by[0] if len(by) == 1 else f"struct({', '.join(by)})"
        return f"max_by({x}, {key})"

    def mode(self, x: str) -> str:
        return f"mode({x}, true)"


DIALECTS = {"duckdb": Dialect(), "spark": SparkDialect()}
