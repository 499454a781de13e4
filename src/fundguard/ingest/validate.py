"""Validation (校验) of one source table, vectorised in DuckDB SQL.

``check_rows`` (per row, no joins) builds ``chk_<table>``: the text of each present contract
column (``r_<col>``, trimmed, empty = NULL), its typed value (``v_<col>``) and ``_pid``, the id of
the first failing row check. ``resolve_rows`` (across rows) builds ``res_<table>``: duplicates in
the batch and against the committed lake (key + content hash), references to parent tables, fee
time inside the visit, and the row's final status ``_s`` (loaded | duplicate | quarantined).

The order of checks is the order of ``fundguard.ingest.reasons.CHECK_ORDER``; within one reason,
columns are checked in contract order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from fundguard.contract import DUCKDB_TYPES, TABLES, Column, Table
from fundguard.ingest.reader import SourceFile, _literal, _quote

_INT_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
_TIME_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
_DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_NUM_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"


@dataclass(frozen=True)
class Check:
    id: int
    code: str
    column: str
    value_sql: str  # SQL for the offending value (over chk_/res_ columns)
    info_sql: str = "''"


@dataclass
class Rules:
    """Policy inputs of validation, read once from the profile and reference data."""

    dictionaries: dict[str, list[str]]
    patterns: dict[str, str]  # profile key (codes.*) -> regex
    practitioner_prefix_by_type: dict[str, str]
    admdvs_extra_pattern: str
    tcm_diag_types: list[str]
    amount_tolerance: Decimal
    fee_time_tolerance_hours: int
    points_min: int
    points_max: int


@dataclass
class Checks:
    by_id: dict[int, Check] = field(default_factory=dict)

    def add(self, code: str, column: str, value_sql: str, info_sql: str = "''") -> int:
        check = Check(len(self.by_id) + 1, code, column, value_sql, info_sql)
        self.by_id[check.id] = check
        return check.id


def _typed(col: Column, source_type: str) -> str:
    """SQL for the typed value of ``col`` (NULL when it does not parse), from its source column."""
    q, base = _quote(col.name), source_type.split("(")[0].upper()
    # r_<col> holds the trimmed text for VARCHAR sources and the source value itself otherwise.
    r = _quote("r_" + col.name) if base == "VARCHAR" else f"CAST({_quote('r_' + col.name)} AS VARCHAR)"
    kind = col.type
    if kind == "str":
        return r
    if (
        base == "VARCHAR"
        or base not in _INT_TYPES | _FLOAT_TYPES | {"DECIMAL", "DATE"}
        and not base.startswith("TIMESTAMP")
    ):
        if kind == "int":
            return f"CASE WHEN regexp_full_match({r}, '[+-]?[0-9]+') THEN TRY_CAST({r} AS INTEGER) END"
        if kind in ("dec2", "dec4"):
            target = DUCKDB_TYPES[kind]
            return (
                f"CASE WHEN regexp_full_match({r}, '{_NUM_RE}') AND TRY_CAST({r} AS DECIMAL(38,10)) = "
                f"TRY_CAST({r} AS {target}) THEN TRY_CAST({r} AS {target}) END"
            )
        if kind == "time":
            return (
                f"CASE WHEN regexp_full_match({r}, '{_TIME_RE}') THEN "
                f"COALESCE(TRY_STRPTIME({r}, '%Y-%m-%d %H:%M:%S'), TRY_STRPTIME({r}, '%Y-%m-%d %H:%M:%S.%f')) END"
            )
        if kind == "date":
            return f"CASE WHEN regexp_full_match({r}, '{_DATE_RE}') THEN CAST(TRY_STRPTIME({r}, '%Y-%m-%d') AS DATE) END"
    target = DUCKDB_TYPES[kind]
    if kind == "int":
        if base in _INT_TYPES:
            return f"TRY_CAST({q} AS INTEGER)"
        return f"CASE WHEN {q} = round({q}) THEN TRY_CAST({q} AS INTEGER) END"
    if kind in ("dec2", "dec4"):
        scale = 2 if kind == "dec2" else 4
        if base in _FLOAT_TYPES:
            # Money written as float by pandas: accept values that are whole cents within float noise.
            return f"CASE WHEN abs({q} - round({q}, {scale})) < 1e-6 THEN TRY_CAST(round({q}, {scale}) AS {target}) END"
        return f"CASE WHEN TRY_CAST({q} AS DECIMAL(38,10)) = TRY_CAST({q} AS {target}) THEN TRY_CAST({q} AS {target}) END"
    if kind == "time":
        if "WITH TIME ZONE" in source_type.upper():
            return f"timezone('Asia/Shanghai', {q})"
        return f"TRY_CAST({q} AS TIMESTAMP)"
    return f"TRY_CAST({q} AS DATE)"


def _text(col: str, source_type: str) -> str:
    """Trimmed text (empty = NULL) for text sources; typed sources keep their value (cheaper)."""
    q = _quote(col)
    if source_type.upper() == "VARCHAR":
        return f"NULLIF(trim({q}), '')"
    return q


def _in_list(values: list[str]) -> str:
    return "(" + ", ".join(_literal(v) for v in values) + ")"


def check_rows(con: duckdb.DuckDBPyConnection, src: SourceFile, rules: Rules, checks: Checks) -> None:
    """Build ``chk_<table>``: typed values ``v_<col>``, the first failing row check ``_pid`` and, for
    failing rows, the hash of their text ``_qraw``. The text itself is not kept (it is re-read
    from ``src_<table>`` for quarantined rows only), which keeps the table narrow."""
    spec = TABLES[src.table]
    present = [c for c in spec.columns if c.name in src.columns]
    v = {c.name: _quote("v_" + c.name) for c in spec.columns}
    r = {c.name: _quote("r_" + c.name) for c in spec.columns}
    conds: list[tuple[int, str]] = []

    if src.bad_encoding_lines:
        bad = ", ".join(str(x) for x in src.bad_encoding_lines)
        conds.append((checks.add("BAD_ENCODING", "", "NULL"), f"_line IN ({bad})"))
    if src.missing_required:
        conds.append((checks.add("MISSING_COLUMN", src.missing_required[0], "NULL"), "TRUE"))
    for col in present:
        if col.required:
            conds.append((checks.add("MISSING_VALUE", col.name, "NULL"), f"{r[col.name]} IS NULL"))
    for col in present:
        if col.type != "str":
            code = {
                "int": "BAD_INTEGER",
                "dec2": "BAD_DECIMAL",
                "dec4": "BAD_DECIMAL",
                "time": "BAD_TIME",
                "date": "BAD_DATE",
            }[col.type]
            info = _literal(DUCKDB_TYPES[col.type])
            conds.append(
                (
                    checks.add(code, col.name, r[col.name], info),
                    f"{r[col.name]} IS NOT NULL AND {v[col.name]} IS NULL",
                )
            )
    for col in present:
        vc = v[col.name]
        if col.dictionary and col.dictionary in rules.dictionaries:
            values = rules.dictionaries[col.dictionary]
            conds.append(
                (
                    checks.add("UNKNOWN_CODE", col.name, vc),
                    f"{vc} IS NOT NULL AND {vc} NOT IN {_in_list(values)}",
                )
            )
        if col.pattern and col.pattern in rules.patterns:
            pattern = rules.patterns[col.pattern]
            cond = f"{vc} IS NOT NULL AND NOT regexp_matches({vc}, {_literal(pattern)})"
            if col.pattern == "codes.diagnosis" and spec.name == "diag" and "diag_type" in src.columns:
                cond += f" AND coalesce({v['diag_type']}, '') NOT IN {_in_list(rules.tcm_diag_types)}"
            if col.pattern == "codes.admdvs":
                cond = (
                    f"{vc} IS NOT NULL AND NOT (regexp_matches({vc}, {_literal(pattern)}) AND "
                    f"({vc} IN (SELECT code FROM admdvs_codes) OR regexp_matches({vc}, {_literal(rules.admdvs_extra_pattern)})))"
                )
            info = _literal(pattern + (" + admin_divisions" if col.pattern == "codes.admdvs" else ""))
            conds.append((checks.add("BAD_CODE_FORMAT", col.name, vc, info), cond))
        if spec.name == "practitioner" and col.name == "prac_psn_code" and "prac_psn_type" in src.columns:
            for ptype, prefix in rules.practitioner_prefix_by_type.items():
                info = _literal(f"prac_psn_type {ptype} → {prefix}…")
                cond = f"{v['prac_psn_type']} = {_literal(str(ptype))} AND NOT starts_with({vc}, {_literal(str(prefix))})"
                conds.append((checks.add("BAD_CODE_FORMAT", col.name, vc, info), cond))
    conds.extend(_row_rules(spec, src, rules, checks, v))

    selects = [_text(c.name, src.source_types[c.name]) + f" AS {r[c.name]}" for c in present]
    typed = [_typed(c, src.source_types[c.name]) + f" AS {v[c.name]}" for c in present]
    case = "CASE " + " ".join(f"WHEN {cond} THEN {cid}" for cid, cond in conds) + " END" if conds else "NULL"
    con.execute(
        f"""CREATE TABLE chk_{spec.name} AS
        WITH r AS (SELECT {", ".join(["_line", *selects, *[_quote(c.name) for c in present]])} FROM src_{spec.name}),
        t AS (SELECT _line, {", ".join([r[c.name] for c in present] + typed)} FROM r)
        , p AS (SELECT *, CAST({case} AS INTEGER) AS _pid FROM t)
        SELECT _line, {", ".join(v[c.name] for c in present) or "NULL AS _none"}, _pid,
            CASE WHEN _pid IS NOT NULL THEN {raw_hash_sql(spec, src.columns)} END AS _qraw
        FROM p"""
    )


def _row_rules(
    spec: Table, src: SourceFile, rules: Rules, checks: Checks, v: dict[str, str]
) -> list[tuple[int, str]]:
    has = set(src.columns)
    out: list[tuple[int, str]] = []
    if spec.name == "mdtrt" and {"begntime", "endtime"} <= has:
        info = f"strftime({v['endtime']}, '%Y-%m-%d %H:%M:%S') || ' < ' || strftime({v['begntime']}, '%Y-%m-%d %H:%M:%S')"
        out.append(
            (checks.add("TIME_ORDER", "endtime", '"r_endtime"', info), f"{v['endtime']} < {v['begntime']}")
        )
    if spec.name == "fee_list" and {"cnt", "pric", "det_item_fee_sumamt"} <= has:
        cnt, pric, total = v["cnt"], v["pric"], v["det_item_fee_sumamt"]
        out.append((checks.add("NEGATIVE_COUNT", "cnt", '"r_cnt"'), f"{cnt} < 0 AND {total} > 0"))
        info = (
            f"CAST({cnt} AS VARCHAR) || ' × ' || CAST({pric} AS VARCHAR) || ' = ' || "
            f"CAST(round({cnt} * {pric}, 4) AS VARCHAR) || ' ≠ ' || CAST({total} AS VARCHAR) || ' ± {rules.amount_tolerance}'"
        )
        cond = f"abs({total} - {cnt} * {pric}) > {rules.amount_tolerance}"
        out.append(
            (checks.add("AMOUNT_MISMATCH", "det_item_fee_sumamt", '"r_det_item_fee_sumamt"', info), cond)
        )
    if spec.name == "points" and "points" in has:
        info = _literal(f"{rules.points_min}–{rules.points_max}")
        cond = f"{v['points']} NOT BETWEEN {rules.points_min} AND {rules.points_max}"
        out.append((checks.add("OUT_OF_RANGE", "points", '"r_points"', info), cond))
    return out


def typed_or_null(col: Column, present: list[str]) -> str:
    """``v_<col>``, or a typed NULL when the file lacks the (optional) column."""
    return _quote("v_" + col.name) if col.name in present else f"CAST(NULL AS {DUCKDB_TYPES[col.type]})"


def row_hash_sql(spec: Table, present: list[str]) -> str:
    """Content hash over every contract column in contract order (typed values; absent = NULL)."""
    return "hash(" + ", ".join(typed_or_null(c, present) for c in spec.columns) + ")"


def raw_hash_sql(spec: Table, present: list[str]) -> str:
    """Hash of a row as read (text), for rows that never got valid typed values."""
    parts = [
        f"CAST({_quote('r_' + c.name)} AS VARCHAR)" if c.name in present else "CAST(NULL AS VARCHAR)"
        for c in spec.columns
    ]
    return "hash(" + ", ".join(parts) + ")"


@dataclass
class Context:
    """What a table's cross-row checks can see: parents loaded in this batch and the lake."""

    batch_tables: set[str]  # tables whose res_<table> exists (validated earlier in this batch)
    lake_tables: set[str]  # tables with a lake_<table> view over committed files
    institutions_known: bool
    tolerance_hours: int
    notes: list[str] = field(default_factory=list)
    present: dict[str, list[str]] = field(default_factory=dict)  # columns present per batch table

    def add_batch_table(self, src: SourceFile) -> None:
        self.batch_tables.add(src.table)
        self.present[src.table] = list(src.columns)


def parent_keys_sql(parent: str, column: str, ctx: Context) -> str | None:
    parts = []
    if parent in ctx.batch_tables and column in ctx.present[parent]:
        parts.append(f"SELECT {_quote('v_' + column)} AS k FROM res_{parent} WHERE _pf IS NULL")
    if parent in ctx.lake_tables:
        parts.append(f"SELECT {_quote(column)} AS k FROM lake_{parent}")
    if parent == "fixmedins":
        parts.append("SELECT code AS k FROM store_institutions")
    return " UNION ALL ".join(parts) if parts else None


def resolve_rows(con: duckdb.DuckDBPyConnection, src: SourceFile, checks: Checks, ctx: Context) -> None:
    """Build ``res_<table>``: cross-row checks, then each row's status."""
    spec = TABLES[src.table]
    name = spec.name
    keys = list(spec.key)
    vk = [_quote("v_" + k) for k in keys]
    # Duplicates inside the batch: the first line of each key wins (GROUP BY + join, not a window:
    # a window over one partition per key is far slower on large tables).
    group_keys = vk if keys else ["_h"]
    group_cols = ", ".join(group_keys)
    group_match = " AND ".join(f"f.{k} = h.{k}" for k in group_keys)
    # Joins against distinct key sets (not correlated EXISTS): DuckDB hash-joins them in one pass.
    joins = ""
    lake_same = lake_key = "FALSE"
    if name in ctx.lake_tables:
        if keys:
            cols = ", ".join(_quote(k) for k in keys)
            match = " AND ".join(f"{{a}}.{_quote(k)} = b.{_quote('v_' + k)}" for k in keys)
            joins += f" LEFT JOIN (SELECT DISTINCT {cols}, true AS hit FROM lake_{name}) lk ON {match.format(a='lk')}"
            joins += (
                f" LEFT JOIN (SELECT DISTINCT {cols}, _row_hash, true AS hit FROM lake_{name}) ls "
                f"ON {match.format(a='ls')} AND ls._row_hash = b._h"
            )
            lake_key = "coalesce(lk.hit, false)"
        else:
            joins += f" LEFT JOIN (SELECT DISTINCT _row_hash, true AS hit FROM lake_{name}) ls ON ls._row_hash = b._h"
        lake_same = "coalesce(ls.hit, false)"

    stage2: list[tuple[int, str]] = []
    if keys:
        cid = checks.add(
            "DUPLICATE_KEY", keys[0], f"CAST({vk[0]} AS VARCHAR)", "CAST(_first_line AS VARCHAR)"
        )
        stage2.append((cid, "_rank > 1"))
        key_text = " || ', ' || ".join(
            f"'{k}=' || coalesce(CAST({_quote('v_' + k)} AS VARCHAR), '')" for k in keys
        )
        cid = checks.add("DUPLICATE_KEY_CONFLICT", keys[0], f"CAST({vk[0]} AS VARCHAR)", key_text)
        stage2.append((cid, "_in_lake_key"))
    extra_cols = ""
    for n, (column, parent, pcol) in enumerate(spec.refs):
        if column not in src.columns:
            continue
        if parent == "fixmedins" and not ctx.institutions_known:
            note = (
                f"{name}.{column} → fixmedins 未校验：尚无定点医药机构主数据 / "
                f"{name}.{column} → fixmedins not checked: no institution master data known yet"
            )
            if note not in ctx.notes:
                ctx.notes.append(note)
            continue
        keys_sql = parent_keys_sql(parent, pcol, ctx)
        vcol = f"b.{_quote('v_' + column)}"
        found = "FALSE"
        if keys_sql:
            joins += f" LEFT JOIN (SELECT DISTINCT k, true AS hit FROM ({keys_sql})) p{n} ON p{n}.k = {vcol}"
            found = f"coalesce(p{n}.hit, false)"
        extra_cols += f", {vcol} IS NULL OR {found} AS {_quote('_ok_' + column)}"
        cid = checks.add(
            "ORPHAN_REF", column, f"CAST({_quote('v_' + column)} AS VARCHAR)", _literal(f"{parent}.{pcol}")
        )
        stage2.append((cid, f"NOT {_quote('_ok_' + column)}"))
    if name == "fee_list" and "mdtrt_id" in src.columns:
        visits = []
        if "mdtrt" in ctx.batch_tables and {"mdtrt_id", "begntime"} <= set(ctx.present["mdtrt"]):
            endtime = typed_or_null(TABLES["mdtrt"].column("endtime"), ctx.present["mdtrt"])
            visits.append(
                f"SELECT v_mdtrt_id AS mdtrt_id, v_begntime AS b, {endtime} AS e FROM res_mdtrt WHERE _pf IS NULL"
            )
        if "mdtrt" in ctx.lake_tables:
            visits.append("SELECT mdtrt_id, begntime AS b, endtime AS e FROM lake_mdtrt")
        if visits:
            joins += (
                f" LEFT JOIN (SELECT mdtrt_id, min(b) AS vb, max(e) AS ve FROM ({' UNION ALL '.join(visits)}) "
                "GROUP BY mdtrt_id) vis ON vis.mdtrt_id = b.v_mdtrt_id"
            )
            extra_cols += ", vis.vb AS _vb, vis.ve AS _ve"
            tol = f"INTERVAL {int(ctx.tolerance_hours)} HOUR"
            cond = f"_vb IS NOT NULL AND (v_fee_ocur_time < _vb - {tol} OR (_ve IS NOT NULL AND v_fee_ocur_time > _ve + {tol}))"
            info = (
                "strftime(_vb, '%Y-%m-%d %H:%M:%S') || ' ~ ' || coalesce(strftime(_ve, '%Y-%m-%d %H:%M:%S'), '…') "
                f"|| ' ± {int(ctx.tolerance_hours)}h'"
            )
            cid = checks.add(
                "FEE_TIME_OUTSIDE_VISIT", "fee_ocur_time", "CAST(v_fee_ocur_time AS VARCHAR)", info
            )
            stage2.append((cid, cond))
    case2 = " ".join(f"WHEN {cond} THEN {cid}" for cid, cond in stage2)
    prior = f"_qh IN (SELECT row_hash FROM prior_quarantine WHERE table_name = {_literal(name)})"
    con.execute(
        f"""CREATE TABLE res_{name} AS
        WITH h AS (SELECT *, {row_hash_sql(spec, src.columns)} AS _h FROM chk_{name}),
        firsts AS (
            SELECT {group_cols}, min(_line) AS _first_line, arg_min(_h, _line) AS _h1
            FROM h WHERE _pid IS NULL GROUP BY ALL HAVING count(*) > 1  -- usually empty: a cheap join
        ), w AS (
            SELECT h.*, f._first_line, f._h1,
                CASE WHEN h._pid IS NULL THEN (CASE WHEN h._line > f._first_line THEN 2 ELSE 1 END) END AS _rank
            FROM h LEFT JOIN firsts f ON {group_match} AND h._pid IS NULL
        ), x AS (
            SELECT b.*, {lake_same} AS _in_lake_same, {lake_key} AS _in_lake_key{extra_cols}
            FROM w b{joins}
        ), z AS (
            SELECT *, CASE WHEN _pid IS NOT NULL THEN _pid
                WHEN (_rank > 1 AND _h = _h1) OR _in_lake_same THEN NULL
                {case2}
            END AS _pf
            FROM x
        ), y AS (
            -- A row that parsed is identified by its typed hash, one that did not by its text.
            SELECT *, CASE WHEN _pf IS NULL THEN NULL WHEN _pid IS NOT NULL THEN _qraw ELSE _h END AS _qh FROM z
        )
        SELECT *, CASE
            WHEN _pf IS NULL AND ((_rank > 1 AND _h = _h1) OR _in_lake_same) THEN 'duplicate'
            WHEN _pf IS NULL THEN 'loaded'
            WHEN {prior} THEN 'duplicate'
            ELSE 'quarantined' END AS _s
        FROM y"""
    )
    con.execute(f"DROP TABLE chk_{name}")
