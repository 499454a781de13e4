"""Fast path vs batch audit on the same city: every visit evaluated with the rest of the city as history."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal

from fundguard.contract import TABLES
from fundguard.precheck import fastpath, history
from fundguard.rules import engine
from fundguard.rules.fixtures import tables_connection

REQUEST = ("mdtrt", "fee_list", "diag", "oprn", "trace")
MASTER = ("fixmedins", "practitioner", "catalog")


def typed(table: str, row: dict) -> dict:
    """A contract row with Python types (what the API hands the evaluator)."""
    spec = TABLES[table]
    out = {}
    for k, v in row.items():
        kind = spec.column(k).type
        if v is None or kind == "str":
            out[k] = None if v is None else str(v)
        elif kind == "time":
            out[k] = v if isinstance(v, datetime) else datetime.fromisoformat(str(v))
        elif kind == "date":
            out[k] = v if isinstance(v, date) else date.fromisoformat(str(v))
        elif kind in ("dec2", "dec4"):
            out[k] = Decimal(str(v))
        else:
            out[k] = int(v)
    return out


def typed_tables(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {t: [typed(t, r) for r in rows] for t, rows in tables.items() if t in TABLES}


def visits_of(tables: dict[str, list[dict]]):
    """(mdtrt_id, request-shaped visit) for every visit of the city."""
    lines: dict[str, list[dict]] = {}
    for f in tables.get("fee_list", []):
        lines.setdefault(f["mdtrt_id"], []).append(f)
    sn_visit = {f["feedetl_sn"]: f["mdtrt_id"] for f in tables.get("fee_list", [])}
    for m in tables.get("mdtrt", []):
        mid = m["mdtrt_id"]
        yield (
            mid,
            {
                "mdtrt": [m],
                "fee_list": lines.get(mid, []),
                "diag": [d for d in tables.get("diag", []) if d["mdtrt_id"] == mid],
                "oprn": [o for o in tables.get("oprn", []) if o["mdtrt_id"] == mid],
                "trace": [t for t in tables.get("trace", []) if sn_visit.get(t["feedetl_sn"]) == mid],
            },
        )


def key(f: dict) -> tuple:
    return (
        f["rule_code"],
        f["mdtrt_id"],
        f["feedetl_sn"],
        Decimal(str(f["amount"])).quantize(Decimal("0.01")),
        f["message"],
    )


def compare(
    raw_tables: dict[str, list[dict]], knowledge: engine.Knowledge, params: dict, skip_rules=()
) -> Counter:
    """Batch findings and fast-path findings of every visit; returns the batch counter (asserts equality)."""
    con = tables_connection({t: rows for t, rows in raw_tables.items() if t in TABLES})
    batch = Counter(
        key(f)
        for f in engine.run_duckdb(con, knowledge, params).to_pylist()
        if f["rule_code"] not in skip_rules
    )
    con.close()
    tables = typed_tables(raw_tables)
    templates = [t for t in engine.templates_to_run(knowledge) if t in fastpath.TEMPLATES]
    ix = fastpath.build_index(knowledge, params, {t: tables.get(t, []) for t in MASTER}, templates)
    fast = Counter()
    for mid, visit in visits_of(tables):
        hist = history.history_from_tables(tables, mid, {f["feedetl_sn"] for f in visit["fee_list"]})
        for f in fastpath.evaluate(ix, visit, hist):
            if f["rule_code"] not in skip_rules:
                fast[key(f)] += 1
    missing, extra = batch - fast, fast - batch
    assert not missing and not extra, (sorted(missing, key=str)[:8], sorted(extra, key=str)[:8])
    return batch
