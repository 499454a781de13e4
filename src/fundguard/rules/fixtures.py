"""Rule fixtures (``catalog/<CODE>.yml``): named cases of contract rows → expected findings.

Used by the one parametrised test, by the Spark parity test and by ``rules docs`` (examples).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from fundguard.contract import TABLES
from fundguard.rules.engine import ARROW, AUX_TABLES, Knowledge
from fundguard.rules.registry import RULES
from fundguard.rules.schemas import TEMPLATE_PARAMS

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"


def fixture_files() -> list[Path]:
    return sorted(CATALOG_DIR.glob("*.yml"))


def load_fixture(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("rule") != path.stem:
        raise ValueError(f"{path.name}: rule 应为 {path.stem}")
    return data


def _with_defaults(case: dict, defaults: dict) -> dict:
    """Each table row is the file's ``defaults[table]`` overlaid with the row's own values."""
    tables = {}
    for table, rows in (case.get("tables") or {}).items():
        base = defaults.get(table, {})
        tables[table] = [{**base, **row} for row in rows]
    for table, row in defaults.items():  # master rows (e.g. the institution) apply to every case
        if table not in tables and table in TABLES and TABLES[table].kind == "master":
            tables[table] = [dict(row)]
    return {**case, "tables": tables}


def all_cases() -> list[tuple[str, str, dict]]:
    out = []
    for path in fixture_files():
        data = load_fixture(path)
        defaults = data.get("defaults") or {}
        for case in data["cases"]:
            out.append((data["rule"], case["name"], _with_defaults(case, defaults)))
    return out


def _convert(kind: str, value):
    if value is None:
        return None
    if kind == "time":
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if kind in ("dec2", "dec4"):
        return Decimal(str(value))
    if kind == "int":
        return int(value)
    return str(value)


CONTRACT_ARROW = {
    "str": "VARCHAR",
    "int": "INTEGER",
    "dec2": "DECIMAL(18,2)",
    "dec4": "DECIMAL(18,4)",
    "time": "TIMESTAMP",
    "date": "DATE",
}


def contract_arrow(table: str, rows: list[dict]) -> pa.Table:
    spec = TABLES[table]
    unknown = {k for r in rows for k in r} - set(spec.column_names)
    if unknown:
        raise ValueError(f"表 {table} 没有列 {sorted(unknown)}")
    schema = pa.schema([(c.name, ARROW[CONTRACT_ARROW[c.type]]) for c in spec.columns])
    data = {c.name: [_convert(c.type, r.get(c.name)) for r in rows] for c in spec.columns}
    return pa.table(data, schema=schema)


def case_connection(case: dict) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose contract tables hold exactly the case's rows."""
    con = duckdb.connect()
    for table, rows in (case.get("tables") or {}).items():
        if table in AUX_TABLES:
            cols = AUX_TABLES[table]
            schema = pa.schema([(n, ARROW[t]) for n, t in cols])
            conv = {"VARCHAR": "str", "DATE": "date"}
            arrow = pa.table({n: [_convert(conv[t], r.get(n)) for r in rows] for n, t in cols}, schema=schema)
        else:
            arrow = contract_arrow(table, rows)
        con.register(f"_in_{table}", arrow)
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM _in_{table}")
        con.unregister(f"_in_{table}")
    return con


def case_knowledge(rule_code: str, case: dict, version: str = "fixture") -> Knowledge:
    rule = RULES[rule_code]
    rows = []
    model = TEMPLATE_PARAMS.get(rule.template)
    for i, params in enumerate(case.get("knowledge") or [], start=1):
        checked = model.model_validate(params).model_dump(mode="json") if model else params
        rows.append(
            {
                "rule_code": rule_code,
                "params": checked,
                "source_file": f"catalog/{rule_code}.yml",
                "source_row": i,
            }
        )
    return Knowledge(
        rules=[
            {
                "rule_code": rule_code,
                "rule_version": version,
                "category": rule.category,
                "severity": rule.severity,
                "template": rule.template,
                "enabled": True,
            }
        ],
        rows={rule.template: rows} if rows else {},
    )


ID_COLUMNS = (
    "mdtrt_id",
    "feedetl_sn",
    "psn_no",
    "setl_id",
    "fixmedins_code",
    "bilg_dr_codg",
    "prac_psn_code",
    "chfpdr_code",
    "drug_trac_codg",
    "certno",
)


def combine_cases(cases: list[tuple[str, str, dict]]) -> tuple[dict[str, list[dict]], Knowledge, set[tuple]]:
    """All cases as one city: ids prefixed per case, each case's knowledge scoped to its own region.

    Returns the combined table rows, the knowledge (every rule of every case, enabled) and the
    expected findings ``(rule_code, mdtrt_id, feedetl_sn, amount)`` of all cases.
    """
    tables: dict[str, list[dict]] = {}
    rows_by_template: dict[str, list[dict]] = {}
    rules: dict[str, dict] = {}
    expected: set[tuple] = set()
    for i, (rule_code, _name, case) in enumerate(cases):
        region = f"R{i:05d}"

        def ns(row: dict, prefix: str = f"C{i:04d}_") -> dict:
            return {k: (prefix + str(v) if k in ID_COLUMNS and v is not None else v) for k, v in row.items()}

        case_tables = {t: [ns(r) for r in rows] for t, rows in (case.get("tables") or {}).items()}
        institutions = {
            r["fixmedins_code"] for rows in case_tables.values() for r in rows if r.get("fixmedins_code")
        }
        given = {r["fixmedins_code"] for r in case_tables.get("fixmedins", [])}
        case_tables.setdefault("fixmedins", [])
        for r in case_tables["fixmedins"]:
            r["admdvs"] = region
        for code in sorted(institutions - given):
            case_tables["fixmedins"].append(
                {
                    "fixmedins_code": code,
                    "fixmedins_name": "合并用例机构",
                    "fixmedins_type": "1",
                    "admdvs": region,
                }
            )
        for t, rows in case_tables.items():
            tables.setdefault(t, []).extend(rows)
        k = case_knowledge(rule_code, case)
        for r in k.rules:
            rules[r["rule_code"]] = r
        for template, krows in k.rows.items():
            rows_by_template.setdefault(template, []).extend(dict(r, region_scope=region) for r in krows)
        for e in case["expect"]:
            fsn = e.get("feedetl_sn")
            expected.add(
                (
                    e.get("rule_code", rule_code),
                    f"C{i:04d}_{e['mdtrt_id']}",
                    None if fsn is None else f"C{i:04d}_{fsn}",
                    Decimal(str(e["amount"])).quantize(Decimal("0.01")),
                )
            )
    return tables, Knowledge(rules=list(rules.values()), rows=rows_by_template), expected


def tables_connection(tables: dict[str, list[dict]]) -> duckdb.DuckDBPyConnection:
    return case_connection({"tables": tables})
