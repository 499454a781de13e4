"""Evaluate one visit with the batch rule templates (same SQL, same knowledge → same findings).

A ``Snapshot`` holds an in-memory DuckDB database with the knowledge tables, the master data
copied from the lake (fixmedins, practitioner, catalog) and empty typed tables for every other
contract table, plus the rendered prelude and ONE query: the ``UNION ALL`` of every runnable
single-visit template, wrapped exactly like batch audit (``engine.wrap``) and de-duplicated like
``engine.DEDUP``. A request opens a cursor on that database, loads its visit as TEMP tables
(``mdtrt``, ``fee_list``, ``diag``, ``oprn``, ``trace``) and runs the prelude and the query.
Snapshots are immutable; ``reload.py`` swaps them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import pyarrow as pa

from fundguard.contract import DUCKDB_TYPES, FINDING_COLUMNS, TABLES
from fundguard.rules import engine
from fundguard.rules.dialect import DIALECTS
from fundguard.rules.fixtures import contract_arrow

# Templates that need other visits, other patients or the whole lake (stock, peers, readmissions):
# they stay in batch audit only. Everything else is evaluated on the request's visit.
BATCH_ONLY_TEMPLATES = frozenset({"stock", "swap", "overuse", "split_admission", "impersonation"})
REQUEST_TABLES = ("mdtrt", "fee_list", "diag", "oprn", "trace")
MASTER_TABLES = ("fixmedins", "practitioner", "catalog")


@dataclass(frozen=True)
class Snapshot:
    """Immutable knowledge state for pre-check; ``key`` changes whenever the knowledge does."""

    key: str
    version: str  # e.g. "medimodel=2025-09,national=2026-Q1,platform=…"
    rules: dict[str, dict]
    con: duckdb.DuckDBPyConnection
    prelude: tuple[str, ...]
    query: str | None
    params: dict
    catalog_codes: frozenset[str] = field(default_factory=frozenset)

    def close(self) -> None:
        self.con.close()


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


def build_snapshot(
    knowledge: engine.Knowledge,
    params: dict,
    key: str,
    version: str,
    master: dict[str, pa.Table] | None = None,
) -> Snapshot:
    dialect = DIALECTS["duckdb"]
    p = precheck_params(params)
    con = duckdb.connect()
    for name, table in engine.knowledge_tables(knowledge, p).items():
        _create_from_arrow(con, name, table)
    master = master or {}
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
    templates = [t for t in engine.templates_to_run(knowledge) if t not in BATCH_ONLY_TEMPLATES]
    statements = tuple(engine.setup_statements(p, templates))
    query = None
    if templates:
        union = " UNION ALL ".join(
            f"({engine.wrap(engine.render(t, dialect, p), dialect)})" for t in templates
        )
        query = f"WITH fg_all AS ({union}) " + engine.DEDUP.format(cols=", ".join(FINDING_COLUMNS))
    catalog_codes: frozenset[str] = frozenset()
    if "catalog" in master:
        catalog_codes = frozenset(c for c in master["catalog"].column("med_list_codg").to_pylist() if c)
    rules = {r["rule_code"]: r for r in knowledge.rules}
    return Snapshot(key, version, rules, con, statements, query, p, catalog_codes)


def visit_tables(visit: dict) -> dict[str, pa.Table]:
    """Typed Arrow tables of one visit (``visit`` has contract column names; extras are dropped)."""
    out = {}
    for name in REQUEST_TABLES:
        cols = set(TABLES[name].column_names)
        rows = [{k: v for k, v in r.items() if k in cols} for r in visit.get(name, [])]
        out[name] = contract_arrow(name, rows)
    return out


def evaluate(snapshot: Snapshot, visit: dict) -> list[dict]:
    """Findings (contract columns, ``amount`` as Decimal) of the rules that fire on this visit."""
    if snapshot.query is None:
        return []
    cur = snapshot.con.cursor()
    try:
        for name, table in visit_tables(visit).items():
            _create_from_arrow(cur, name, table, temp=True)
        for statement in snapshot.prelude:
            cur.execute(statement)
        rows = cur.execute(snapshot.query).fetchall()
    finally:
        cur.close()
    mdtrt_id = visit["mdtrt"][0]["mdtrt_id"]
    out = []
    for row in rows:
        f = dict(zip(FINDING_COLUMNS, row, strict=True))
        if f["mdtrt_id"] != mdtrt_id:
            continue  # history rows never produce findings of their own
        f["amount"] = Decimal(str(f["amount"])).quantize(Decimal("0.01"))
        out.append(f)
    return out


def knowledge_fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]
