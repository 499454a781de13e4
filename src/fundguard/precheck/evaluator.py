"""Evaluate one visit with the batch rule templates (same semantics, same knowledge → same findings).

A ``Snapshot`` is the immutable knowledge state of one moment (``reload.py`` swaps them):

- ``index``: the fast path (``fastpath.py``) — every template that has a Python implementation,
  evaluated on dictionaries indexed once per snapshot, with the patient's history for the
  cross-visit rules. This is what answers requests (≈1 ms per visit instead of ≈100 ms of SQL).
- ``sql``: a fallback for a template that has no Python implementation yet (a template added to
  ``rules/templates`` later): an in-memory DuckDB database with the knowledge tables, the master
  data and the rendered ``UNION ALL`` of those templates, wrapped like batch audit (``engine.wrap``,
  ``engine.DEDUP``). A request opens a cursor and loads its visit as TEMP tables. It sees only the
  request's visit (no history). ``None`` when every template has a fast path (today).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import pyarrow as pa

from fundguard.contract import DUCKDB_TYPES, FINDING_COLUMNS, TABLES
from fundguard.precheck import fastpath
from fundguard.rules import engine
from fundguard.rules.dialect import DIALECTS
from fundguard.rules.fixtures import contract_arrow

# Templates that need data no visit history holds (pharmacy stock, purchases): batch audit only.
BATCH_ONLY_TEMPLATES = fastpath.BATCH_ONLY_TEMPLATES
REQUEST_TABLES = ("mdtrt", "fee_list", "diag", "oprn", "trace")
MASTER_TABLES = ("fixmedins", "practitioner", "catalog")


@dataclass(frozen=True)
class SqlPart:
    """DuckDB fallback for templates without a fast path (see module docstring)."""

    con: duckdb.DuckDBPyConnection
    prelude: tuple[str, ...]
    query: str
    templates: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """Immutable knowledge state for pre-check; ``key`` changes whenever the knowledge does."""

    key: str
    version: str  # e.g. "medimodel=2025-09,national=2026-Q1,platform=…"
    rules: dict[str, dict]
    index: fastpath.Index
    params: dict
    sql: SqlPart | None = None
    catalog_codes: frozenset[str] = field(default_factory=frozenset)

    def close(self) -> None:
        if self.sql is not None:
            self.sql.con.close()


def _create_from_arrow(
    con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, temp: bool = False
) -> None:
    tmp = f"_fg_arrow_{name}"
    con.register(tmp, table)
    con.execute(f"CREATE OR REPLACE {'TEMP ' if temp else ''}TABLE {name} AS SELECT * FROM {tmp}")
    con.unregister(tmp)


def precheck_params(params: dict) -> dict:
    """The batch parameters, but with the emergency exemption off: pre-check sees every suspended
    practitioner's line and downgrades emergency visits itself (warn + audit entry instead of silence)."""
    return dict(params, emergency_exempt_suspension=False, emergency_exempt_termination=False)


def _build_sql(
    knowledge: engine.Knowledge, p: dict, master: dict[str, pa.Table], templates: list[str]
) -> SqlPart:
    dialect = DIALECTS["duckdb"]
    con = duckdb.connect()
    for name, table in engine.knowledge_tables(knowledge, p).items():
        _create_from_arrow(con, name, table)
    for name, table in master.items():
        _create_from_arrow(con, name, table)
    for name, spec in TABLES.items():
        if name in REQUEST_TABLES or name in master:
            continue
        cols = ", ".join(f"CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {c.name}" for c in spec.columns)
        con.execute(f"CREATE TABLE {name} AS SELECT {cols} WHERE FALSE")
    if knowledge.suspensions is None:
        cols = ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t in engine.AUX_TABLES["suspension"])
        con.execute(f"CREATE TABLE suspension AS SELECT {cols} WHERE FALSE")
    statements = tuple(engine.setup_statements(p, templates))
    union = " UNION ALL ".join(f"({engine.wrap(engine.render(t, dialect, p), dialect)})" for t in templates)
    query = f"WITH fg_all AS ({union}) " + engine.DEDUP.format(cols=", ".join(FINDING_COLUMNS))
    return SqlPart(con, statements, query, tuple(templates))


def build_snapshot(
    knowledge: engine.Knowledge,
    params: dict,
    key: str,
    version: str,
    master: dict[str, pa.Table] | None = None,
) -> Snapshot:
    p = precheck_params(params)
    master = master or {}
    templates = [t for t in engine.templates_to_run(knowledge) if t not in BATCH_ONLY_TEMPLATES]
    fast = [t for t in templates if t in fastpath.TEMPLATES]
    slow = [t for t in templates if t not in fastpath.TEMPLATES]
    index = fastpath.build_index(knowledge, p, master, fast)
    catalog_codes: frozenset[str] = frozenset()
    if "catalog" in master:
        catalog_codes = frozenset(c for c in master["catalog"].column("med_list_codg").to_pylist() if c)
    rules = {r["rule_code"]: r for r in knowledge.rules}
    sql = _build_sql(knowledge, p, master, slow) if slow else None
    return Snapshot(key, version, rules, index, p, sql, catalog_codes)


def visit_tables(visit: dict) -> dict[str, pa.Table]:
    """Typed Arrow tables of one visit (``visit`` has contract column names; extras are dropped)."""
    out = {}
    for name in REQUEST_TABLES:
        cols = set(TABLES[name].column_names)
        rows = [{k: v for k, v in r.items() if k in cols} for r in visit.get(name, [])]
        out[name] = contract_arrow(name, rows)
    return out


def _evaluate_sql(sql: SqlPart, visit: dict) -> list[dict]:
    cur = sql.con.cursor()
    try:
        for name, table in visit_tables(visit).items():
            _create_from_arrow(cur, name, table, temp=True)
        for statement in sql.prelude:
            cur.execute(statement)
        rows = cur.execute(sql.query).fetchall()
    finally:
        cur.close()
    mdtrt_id = visit["mdtrt"][0]["mdtrt_id"]
    out = []
    for row in rows:
        f = dict(zip(FINDING_COLUMNS, row, strict=True))
        if f["mdtrt_id"] != mdtrt_id:
            continue
        f["amount"] = Decimal(str(f["amount"])).quantize(Decimal("0.01"))
        out.append(f)
    return out


def evaluate(
    snapshot: Snapshot, visit: dict, history: Callable[[fastpath.Needs], fastpath.History] | None = None
) -> list[dict]:
    """Findings (contract columns, ``amount`` as Decimal) of the rules that fire on this visit.

    ``history(needs)`` returns the rows the cross-visit rules need (``history.fetch``); without it
    those rules see only the request's visit.
    """
    ctx = fastpath.plan(snapshot.index, visit)
    rows = None
    if history is not None:
        need = fastpath.needs(ctx)
        if need.any:
            rows = history(need)
    out = fastpath.run(ctx, rows)
    if snapshot.sql is not None:
        out += _evaluate_sql(snapshot.sql, visit)
        out.sort(
            key=lambda f: (
                f["category"],
                f["rule_code"],
                f["mdtrt_id"],
                f["feedetl_sn"] is None,
                f["feedetl_sn"] or "",
            )
        )
    return out


def knowledge_fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]
