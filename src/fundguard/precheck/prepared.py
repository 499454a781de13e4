"""Statements compiled once per database dialect and run through ``exec_driver_sql`` (预编译语句).

The pre-check runs a few fixed statements on every request (the history lookup) and for every
settled visit (the history writer, a background thread of the serving worker that competes with
requests for the GIL). For such small indexed statements SQLAlchemy's per-execution work in Python —
cache key, parameter processing, result processing — costs several times the statement itself
(bench 2026-12-06: 0.07 ms of SQLite against ~0.25 ms per lookup; ~8 µs per inserted row).

``Prepared`` keeps what SQLAlchemy computes per execution: the SQL text, the parameter order and the
type conversions of the dialect (e.g. SQLite's text datetimes), and applies them with a cursor of the
caller's connection, inside its transaction. Even ``exec_driver_sql`` cost about as much as the
statement (an execution context and a result object per call: ~0.1 ms of a 1 ms pre-check), so the
statement runs on the DBAPI cursor itself; driver errors are raised as SQLAlchemy's (``DBAPIError``
and its subclasses), as Core raises them. No engine events fire for these statements (the project
has none). Statements with expanding parameters (``IN`` over a list) are not supported: their SQL
text depends on the values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

Processor = Callable[[Any], Any] | None


def _bind_processor(type_, dialect: Dialect) -> Processor:
    impl = type_.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    if process is not None and _default_sqlite_datetime(impl):
        return _sqlite_datetime(process)
    return process


def _default_sqlite_datetime(impl) -> bool:
    return isinstance(impl, sqlite.DATETIME) and impl._storage_format == sqlite.DATETIME._storage_format


def _sqlite_datetime(fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLite's text datetime, as SQLAlchemy stores it, in C for the common case (a naive datetime).

    SQLAlchemy builds the text with a dict and ``%`` formatting: about 2.5 µs per value, and the
    history writer binds one per row it writes (a tenth of its CPU when it wrote every fee line).
    ``isoformat`` gives the same text for a naive datetime; anything else (aware, a date, a wrong
    type) takes SQLAlchemy's own path.
    """

    def process(value):
        if type(value) is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return fallback(value)

    return process


class Prepared:
    """One statement for one dialect. ``rows(conn, params)`` for a SELECT (dicts by column key),
    ``run_many(conn, rows)`` for an INSERT of many dicts with the compiled ``column_keys``."""

    def __init__(self, stmt: Executable, dialect: Dialect, column_keys: list[str] | None = None) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=column_keys)
        if any(b.expanding for b in compiled.binds.values()):
            raise ValueError("expanding parameters change the SQL text per call; run them through Core")
        self.sql = compiled.string
        self._compiled = compiled
        self._positional = bool(compiled.positional)
        by_name = {compiled.bind_names[b]: b for b in compiled.binds.values()}  # as rendered in the SQL
        names = list(compiled.positiontup) if compiled.positional else list(by_name)
        self._binds = [(n, _bind_processor(by_name[n].type, dialect)) for n in names]
        self._pick = itemgetter(*names) if len(names) > 1 else (lambda v, n=names: tuple(v[k] for k in n))
        self._processed = [(i, p) for i, (_, p) in enumerate(self._binds) if p is not None]
        self._dialect = dialect
        self._selected = list(getattr(stmt, "selected_columns", None) or ())
        self._result: list[tuple[str, Processor]] | None = None  # from the first result's description

    def _convert(self, values: dict) -> tuple | dict:
        """Driver parameters from values by bind name (the dialect's conversions applied)."""
        if self._positional:  # the per-row path of the writer: C-level picking, conversions by index
            picked = self._pick(values)
            if not self._processed:
                return picked
            out = list(picked)
            for i, process in self._processed:
                out[i] = process(out[i])
            return tuple(out)
        return {n: values[n] if p is None else p(values[n]) for n, p in self._binds}

    def rows(self, conn: Connection, params: dict) -> list[dict]:
        """A SELECT's rows; ``params`` by bind name (literal values of the statement filled in)."""
        args = self._convert(self._compiled.construct_params(params))
        with self._cursor(conn, args) as cursor:
            cursor.execute(self.sql, args)
            raw_rows, description = cursor.fetchall(), cursor.description
        cols = self._result
        if cols is None:  # some drivers' conversions depend on the column's type code (PostgreSQL numeric)
            d = self._dialect
            cols = self._result = [
                (c.key, c.type.dialect_impl(d).result_processor(d, desc[1]))
                for c, desc in zip(self._selected, description, strict=True)
            ]
        return [
            {name: v if p is None else p(v) for (name, p), v in zip(cols, raw, strict=True)}
            for raw in raw_rows
        ]

    def run_many(self, conn: Connection, rows: list[dict]) -> None:
        """An INSERT of ``rows`` (dicts with every compiled column key; bind names are the keys)."""
        if rows:
            if not conn.in_transaction():
                conn.begin()  # as Core's autobegin: the caller's commit must cover these rows
            args = [self._convert(r) for r in rows]
            with self._cursor(conn, args) as cursor:
                cursor.executemany(self.sql, args)

    @contextmanager
    def _cursor(self, conn: Connection, args) -> Iterator[Any]:
        """A DBAPI cursor of ``conn``; driver errors raised as SQLAlchemy's."""
        dbapi = self._dialect.loaded_dbapi
        cursor = conn.connection.cursor()
        try:
            yield cursor
        except dbapi.Error as exc:
            raise DBAPIError.instance(self.sql, args, exc, dbapi.Error, dialect=self._dialect) from exc
        finally:
            cursor.close()


class Statements:
    """Prepared statements by key, compiled on first use for each dialect."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, Any], Prepared] = {}

    def get(self, conn: Connection, key: Any, build: Callable[[], Executable], **compile_kw) -> Prepared:
        hit = self._cache.get((conn.dialect.name, key))
        if hit is None:
            hit = Prepared(build(), conn.dialect, **compile_kw)
            self._cache[(conn.dialect.name, key)] = hit
        return hit

    def insert(self, conn: Connection, table: Table, keys: tuple[str, ...]) -> Prepared:
        """``INSERT`` into ``table`` of the columns ``keys``."""
        return self.get(conn, ("insert", table.name, keys), lambda: insert(table), column_keys=list(keys))
