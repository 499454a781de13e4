"""Batch runner: knowledge tables × SQL templates over any connection with the contract views.

``run_duckdb(con, knowledge, params)`` needs only DuckDB views (or tables) named like the contract
tables (``fee_list``, ``mdtrt``, …): the lake (``fundguard.lake.register_views``) or fixtures.
All matching is set-based SQL; Python only registers the knowledge tables and renders templates.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import jinja2
import pyarrow as pa

from fundguard.contract import DUCKDB_TYPES, FINDING_COLUMNS, TABLES
from fundguard.rules.dialect import DIALECTS, Dialect, lit
from fundguard.rules.schemas import TEMPLATE_PARAMS, knowledge_columns

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
AUX_TABLES = {
    "suspension": (
        ("prac_psn_code", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("kind", "VARCHAR"),
    ),
}
ARROW = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "DECIMAL(18,4)": pa.decimal128(18, 4),
    "DECIMAL(18,2)": pa.decimal128(18, 2),
    "TIMESTAMP": pa.timestamp("us"),
    "BIGINT": pa.int64(),
}
FINDING_SCHEMA = pa.schema(
    [(c, pa.decimal128(18, 2) if c == "amount" else pa.string()) for c in FINDING_COLUMNS]
)


@dataclass
class Knowledge:
    """Everything a run needs besides the claims: rules, knowledge rows per template, region switches."""

    rules: list[dict]  # rule_code, rule_version, category, severity, template, enabled
    rows: dict[str, list[dict]] = field(default_factory=dict)  # template -> rows (rule_code, params, source…)
    region_settings: list[dict] = field(default_factory=list)  # rule_code, region, enabled
    suspensions: list[dict] | None = None  # prac_psn_code, start_date, end_date, kind (None: read a view)


def rule_params(profile) -> dict:
    """The profile values templates read (``rule.*`` and the scoring emergency keys)."""
    keys = {
        "inpatient_med_types": "rule.inpatient_med_types",
        "age_groups": "rule.age_groups",
        "working_age_limit": "rule.working_age_limit",
        "newborn_max_days": "rule.newborn_max_days",
        "hosp_level_rank": "rule.hosp_level_rank",
        "split_window_days": "rule.split_admission_window_days",
        "split_match": "rule.split_admission_match",
        "split_exempt_pattern": "rule.split_admission_exempt_diag_pattern",
        "bed_min_days": "rule.bed_hanging_min_days_without_treatment",
        "bed_idle_types": "rule.bed_hanging_idle_chrgitm_types",
        "bed_chrgitm_type": "rule.bed_chrgitm_type",
        "surgery_chrgitm_type": "rule.surgery_chrgitm_type",
        "price_tolerance": "rule.price_tolerance",
        "stock_tolerance": "rule.stock_tolerance_units",
        "trace_enforce_from": "rule.trace_code_enforce_from",
        "pharmacy_type": "rule.pharmacy_fixmedins_type",
        "emergency_med_types": "scoring.emergency_med_types",
        "emergency_dept_pattern": "scoring.emergency_dept_pattern",
        "rescue_item_pattern": "scoring.rescue_item_pattern",
        "emergency_exempt_suspension": "scoring.emergency_exception_suspension",
        "emergency_exempt_termination": "scoring.emergency_exception_termination",
    }
    out = {name: profile[key] for name, key in keys.items()}
    out["price_tolerance"] = Decimal(str(out["price_tolerance"]))
    out["stock_tolerance"] = Decimal(str(out["stock_tolerance"]))
    return out


def _arrow_table(columns: list[tuple[str, str]], rows: list[dict]) -> pa.Table:
    schema = pa.schema([(name, ARROW[kind]) for name, kind in columns])
    data = {name: [r.get(name) for r in rows] for name, _ in columns}
    for name, kind in columns:
        if kind.startswith("DECIMAL"):
            data[name] = [None if v is None else Decimal(str(v)) for v in data[name]]
        elif kind == "DATE":
            data[name] = [
                None if v is None or v == "" else (v if isinstance(v, date) else date.fromisoformat(str(v)))
                for v in data[name]
            ]
        elif kind == "INTEGER":
            data[name] = [None if v is None else int(v) for v in data[name]]
        elif kind == "VARCHAR":
            data[name] = [None if v is None else str(v) for v in data[name]]
    return pa.table(data, schema=schema)


def knowledge_tables(knowledge: Knowledge, params: dict) -> dict[str, pa.Table]:
    """The run's auxiliary tables as Arrow: k_<template>, fg_rule, fg_rule_region, fg_hosp_rank, fg_age_group."""
    out: dict[str, pa.Table] = {}
    for template in TEMPLATE_PARAMS:
        cols = knowledge_columns(template)
        rows = []
        for r in knowledge.rows.get(template, []):
            row = {
                "rule_code": r["rule_code"],
                "k_source_file": r.get("source_file", ""),
                "k_source_row": r.get("source_row", 0),
                "k_region": r.get("region_scope") or "",
                "k_eff_from": r.get("effective_from"),
                "k_eff_to": r.get("effective_to"),
            }
            row.update({f"k_{k}": v for k, v in r["params"].items()})
            row["k_plen"] = len(r["params"]["code"])
            rows.append(row)
        out[f"k_{template}"] = _arrow_table(cols, rows)
    out["fg_rule"] = _arrow_table(
        [
            ("rule_code", "VARCHAR"),
            ("rule_version", "VARCHAR"),
            ("category", "VARCHAR"),
            ("severity", "VARCHAR"),
            ("enabled", "BOOLEAN"),
        ],
        knowledge.rules,
    )
    out["fg_rule_region"] = _arrow_table(
        [("rule_code", "VARCHAR"), ("region", "VARCHAR"), ("enabled", "BOOLEAN")], knowledge.region_settings
    )
    out["fg_hosp_rank"] = _arrow_table(
        [("hosp_lv", "VARCHAR"), ("rank", "INTEGER")],
        [{"hosp_lv": k, "rank": v} for k, v in params["hosp_level_rank"].items()],
    )
    groups = [{"grp": k, "min_age": v[0], "max_age": v[1]} for k, v in params["age_groups"].items()]
    groups.append({"grp": "劳动年龄", "min_age": 0, "max_age": params["working_age_limit"]})
    out["fg_age_group"] = _arrow_table(
        [("grp", "VARCHAR"), ("min_age", "INTEGER"), ("max_age", "INTEGER")], groups
    )
    if knowledge.suspensions is not None:
        out["suspension"] = _arrow_table(list(AUX_TABLES["suspension"]), knowledge.suspensions)
    return out


def _env(dialect: Dialect) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.globals.update(d=dialect, lit=lit, match=lambda ktable: f"fg_m_{ktable}")
    return env


def _kcols(ktable: str) -> str:
    return ", ".join(f"k.{name}" for name, _ in knowledge_columns(ktable.removeprefix("k_")))


def code_match_sql(ktable: str) -> str:
    """Each distinct fee-line code (``fg_code``) with the knowledge rows it matches: exact, or prefix.

    Prefix matching (MediModel ``LIKE code || '%'``) is an equi-join on ``substr(code, 1, len)``
    per distinct prefix length, so both engines hash-join it. It runs over the distinct codes
    (hundreds to thousands), never over the lines: joining the lines to the prefix lengths directly
    let DuckDB plan lines × knowledge rows as a cross product (776 M rows for 1 M lines; 0006
    "Performance at 10 M lines").
    """
    kcols = _kcols(ktable)
    return (
        f"WITH fg_codes AS (SELECT DISTINCT med_list_codg AS fg_code FROM fg_line),"
        f" fg_plens AS (SELECT DISTINCT k_plen AS fg_plen FROM {ktable} WHERE k_match = 'prefix'),"
        f" fg_prefixes AS (SELECT c.fg_code, p.fg_plen, substr(c.fg_code, 1, p.fg_plen) AS fg_prefix"
        f" FROM fg_codes c CROSS JOIN fg_plens p)"
        f" SELECT c.fg_code, {kcols} FROM fg_codes c JOIN {ktable} k"
        f" ON k.k_match = 'exact' AND k.k_code = c.fg_code"
        f" UNION ALL"
        f" SELECT c.fg_code, {kcols} FROM fg_prefixes c JOIN {ktable} k"
        f" ON k.k_match = 'prefix' AND k.k_plen = c.fg_plen AND k.k_code = c.fg_prefix"
    )


def match_sql(ktable: str, code_match: str | None = None) -> str:
    """Fee lines joined to the knowledge rows whose code they match: exact, or prefix of any length.

    The lines join the code-level match (``code_match_sql``) on plain code equality, then the
    knowledge row's region scope and effective dates. ``code_match`` names a table that already
    holds ``code_match_sql(ktable)`` (the batch run materialises it, so DuckDB knows that side is
    small and never builds its hash table over the lines); by default it is inlined.
    The engines materialise the result as ``fg_m_<ktable>`` before the template runs (templates
    call ``match(ktable)``), so a template's row filters can never be pushed into this join as a
    nested-loop condition.
    """
    cond = (
        # region scope is an admdvs prefix: "3204" covers every district of that city
        "(k.k_region = '' OR substr(l.admdvs, 1, length(k.k_region)) = k.k_region)"
        " AND (k.k_eff_from IS NULL OR l.fee_date >= k.k_eff_from)"
        " AND (k.k_eff_to IS NULL OR l.fee_date <= k.k_eff_to)"
    )
    source = code_match or f"({code_match_sql(ktable)})"
    return (
        f"SELECT l.*, {_kcols(ktable)} FROM fg_line l JOIN {source} k"
        f" ON k.fg_code = l.med_list_codg AND {cond}"
    )


def render(
    template: str, dialect: Dialect, params: dict, since: date | None = None, until: date | None = None
) -> str:
    return _env(dialect).get_template(f"{template}.sql").render(p=params, since=since, until=until)


def wrap(template_sql: str, dialect: Dialect) -> str:
    """Add the contract columns every finding shares: id, version, category, severity, region switch."""
    key = "t.rule_code || '|' || r.rule_version || '|' || t.mdtrt_id || '|' || coalesce(t.feedetl_sn, '')"
    return f"""
SELECT md5({key}) AS finding_id, t.rule_code, r.rule_version, r.category, r.severity,
       t.mdtrt_id, t.setl_id, t.feedetl_sn, t.psn_no, t.fixmedins_code, t.prac_psn_code,
       CAST(t.amount AS DECIMAL(18,2)) AS amount, t.message, t.evidence
FROM ({template_sql}) t
JOIN fg_rule r ON r.rule_code = t.rule_code
LEFT JOIN fixmedins ins ON ins.fixmedins_code = t.fixmedins_code
LEFT JOIN fg_rule_region g1 ON g1.rule_code = t.rule_code AND g1.region = ins.admdvs
LEFT JOIN fg_rule_region g0 ON g0.rule_code = t.rule_code AND g0.region = ''
WHERE coalesce(g1.enabled, g0.enabled, r.enabled) AND t.amount > 0
"""


DEDUP = """
SELECT {cols} FROM (
  SELECT *, row_number() OVER (PARTITION BY finding_id ORDER BY amount DESC, message) AS fg_rn FROM fg_all
) x WHERE fg_rn = 1
ORDER BY category, rule_code, mdtrt_id, feedetl_sn
"""


PRELUDE_RELATIONS = ("fg_visit", "fg_line", "fg_visit_amount")
_PRELUDE_VIEW = re.compile(r"CREATE OR REPLACE TEMPORARY VIEW (\w+) AS\s")


def setup_statements(
    params: dict,
    templates: list[str],
    since: date | None = None,
    until: date | None = None,
    storage: str | None = None,
    work_dir: Path | None = None,
) -> list[str]:
    """DuckDB statements every run needs before its templates: the prelude (``fg_line``
    materialised as a table) and each template's knowledge matches (``fg_m_k_<template>``).

    Shared by batch audit and the pre-check so both evaluate the templates on the same inputs.
    ``storage`` (batch audit only) materialises all three prelude relations once instead of
    leaving ``fg_visit``/``fg_visit_amount`` as views every template recomputes: ``"memory"`` as
    temp tables; ``"disk"`` as Parquet files in ``work_dir`` behind temp views of the same names
    (compressed, read back column by column; a 10 M-line ``fg_line`` is 3.5 GB as a DuckDB
    table, 0.35 GB as Parquet).
    """
    prelude = render("_prelude", DIALECTS["duckdb"], params, since, until)
    statements = []
    for statement in (x.strip() for x in prelude.split(";")):
        if not statement:
            continue
        m = _PRELUDE_VIEW.search(statement)
        name, body = m.group(1), statement[m.end() :]
        if storage is None:
            statements.append(
                statement if name != "fg_line" else f"CREATE OR REPLACE TEMP TABLE fg_line AS {body}"
            )
        elif storage == "memory":
            statements.append(f"CREATE OR REPLACE TEMP TABLE {name} AS {body}")
        elif storage == "disk" and work_dir is not None:
            path = lit(str(Path(work_dir) / f"{name}.parquet"))
            statements.append(f"COPY ({body}) TO {path} (FORMAT parquet)")
            statements.append(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet({path})")
        else:
            raise ValueError(f"storage {storage!r} (work_dir {work_dir})")
    for t in templates:
        if t not in TEMPLATE_PARAMS:
            continue
        if storage is None:
            statements.append(f"CREATE OR REPLACE TEMP TABLE fg_m_k_{t} AS {match_sql(f'k_{t}')}")
        else:
            statements.append(f"CREATE OR REPLACE TEMP TABLE fg_c_k_{t} AS {code_match_sql(f'k_{t}')}")
            statements.append(
                f"CREATE OR REPLACE TEMP TABLE fg_m_k_{t} AS {match_sql(f'k_{t}', f'fg_c_k_{t}')}"
            )
    return statements


def templates_to_run(knowledge: Knowledge) -> list[str]:
    return sorted({r["template"] for r in knowledge.rules if r.get("template") not in (None, "none")})


def _ensure_aux_views(con) -> None:
    """Contract tables a fixture did not provide become empty typed views; so does ``suspension``."""
    existing = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for name, spec in TABLES.items():
        if name not in existing:
            cols = ", ".join(f"CAST(NULL AS {DUCKDB_TYPES[c.type]}) AS {c.name}" for c in spec.columns)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {cols} WHERE FALSE")
    if "suspension" not in existing:
        cols = ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t in AUX_TABLES["suspension"])
        con.execute(f"CREATE OR REPLACE TEMP VIEW suspension AS SELECT {cols} WHERE FALSE")


# Batch runs with at least this many fee lines keep the prelude relations as Parquet files on disk
# instead of in memory; 0006 "Performance at 10 M lines".
DISK_FROM_LINES = 2_000_000
DEFAULT_MEMORY_LIMIT = "2500MB"


def _tmp_root() -> Path:
    from fundguard.settings import get_settings

    path = get_settings().home_dir / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def configure(con) -> None:
    """Session settings of a batch run: no insertion-order bookkeeping (every result that is read
    is ordered explicitly), a memory limit with spilling to ``$FUNDGUARD_HOME/tmp/duckdb`` instead
    of growing (``FUNDGUARD_RULES_MEMORY_LIMIT``, default 2500MB; ``""`` keeps DuckDB's 80 % of RAM),
    and ``FUNDGUARD_RULES_THREADS`` when set (default: DuckDB's, one per core)."""
    con.execute("SET preserve_insertion_order = false")
    threads = os.environ.get("FUNDGUARD_RULES_THREADS", "")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    limit = os.environ.get("FUNDGUARD_RULES_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)
    if limit:
        con.execute(f"SET memory_limit = {lit(limit)}")
    spill = str(_tmp_root() / "duckdb")
    if con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0] != spill:
        # a connection that already spilled to its own directory keeps it
        with contextlib.suppress(duckdb.NotImplementedException):
            con.execute(f"SET temp_directory = {lit(spill)}")


def _drop_temp(con, names: tuple[str, ...]) -> None:
    """Drop temp tables/views of these names (a view cannot replace a table and vice versa)."""
    rows = con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = 'temp'"
    ).fetchall()
    for name, kind in rows:
        if name in names:
            con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} IF EXISTS temp.main.{name}")


def run_duckdb(
    con,
    knowledge: Knowledge,
    params: dict,
    since: date | None = None,
    until: date | None = None,
    progress: Callable[[str], None] | None = None,
    storage: str | None = None,
) -> pa.Table:
    """Run every template that has a selected rule; return findings with the contract columns.

    ``storage``: where the prelude relations live, ``"memory"`` (temp tables) or ``"disk"`` (Parquet
    files in a work folder under ``$FUNDGUARD_HOME/tmp``, deleted afterwards); default: disk from
    ``DISK_FROM_LINES`` fee lines on.
    """
    dialect = DIALECTS["duckdb"]
    configure(con)
    for name, table in knowledge_tables(knowledge, params).items():
        con.register(f"_arrow_{name}", table)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _arrow_{name}")
        con.unregister(f"_arrow_{name}")
    _ensure_aux_views(con)
    templates = templates_to_run(knowledge)
    if storage is None:
        lines = con.execute("SELECT count(*) FROM fee_list").fetchall()[0][0]
        storage = "disk" if lines >= DISK_FROM_LINES else "memory"
    _drop_temp(con, PRELUDE_RELATIONS)
    work = None
    if storage == "disk":
        work = _tmp_root() / f"rules-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        work.mkdir()
    try:
        for statement in setup_statements(params, templates, since, until, storage, work):
            con.execute(statement)
        parts = []
        for template in templates:
            sql = wrap(render(template, dialect, params, since, until), dialect)
            con.execute(f"CREATE OR REPLACE TEMP TABLE fg_out_{template} AS {sql}")
            parts.append(f"SELECT * FROM fg_out_{template}")
            if progress:
                progress(template)
        if not parts:
            return FINDING_SCHEMA.empty_table()
        con.execute("CREATE OR REPLACE TEMP TABLE fg_all AS " + " UNION ALL ".join(parts))
        result = con.sql(DEDUP.format(cols=", ".join(FINDING_COLUMNS))).to_arrow_table()
        return result.cast(FINDING_SCHEMA)
    finally:
        if work is not None:
            _drop_temp(con, PRELUDE_RELATIONS)
            shutil.rmtree(work, ignore_errors=True)
