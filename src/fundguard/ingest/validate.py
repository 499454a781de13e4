"""Validation (校验) of one source table, columnar: DuckDB SQL over the whole file at once.

``check_rows`` (per row, no joins) defines ``chk_<table>``: the typed value of each present
contract column (``v_<col>``) and ``_pid``, the id of the first failing row check. For typed
(Parquet) sources it is a view, for text (CSV) sources a table (values are parsed once).
``resolve_rows`` (across rows) materialises ``bad_<table>``: only the rows that do not simply
load — rows that failed a row check, duplicate keys in the batch or against the committed lake
(key + content hash), orphan references, fee times outside the visit — with each row's final
status ``_s`` (loaded | duplicate | quarantined). Every other row of ``chk_<table>`` loads
(``loaded_rows_sql``), so the good rows are never copied before they are written to the lake.

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
    value_sql: str  # SQL for the offending value (over r_/v_ columns and bad_ columns)
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
        # trim() removes Unicode space separators (U+0020, U+00A0, U+3000 …). An ASCII value
        # (as many bytes as characters) can only hold U+0020; when it neither starts nor ends with
        # one, the trim (which copies the string) is skipped: same result, far cheaper.
        return (
            f"CASE WHEN strlen({q}) = length({q}) AND NOT (starts_with({q}, ' ') OR ends_with({q}, ' ')) "
            f"THEN NULLIF({q}, '') ELSE NULLIF(trim({q}), '') END"
        )
    return q


def _in_list(values: list[str]) -> str:
    return "(" + ", ".join(_literal(v) for v in values) + ")"


def check_rows(
    con: duckdb.DuckDBPyConnection,
    src: SourceFile,
    rules: Rules,
    checks: Checks,
    materialise: bool | None = None,
) -> None:
    """Build ``chk_<table>``: typed values ``v_<col>``, the first failing row check ``_pid`` and, for
    failing rows, the hash of their text ``_qraw``. The text itself is not kept (it is re-read
    from ``src_<table>`` for quarantined rows only), which keeps the table narrow.

    ``chk_`` is a view when every typed column comes typed (Parquet: the checks are cheap and are
    re-evaluated wherever the view is read, so no copy of the data is made), and a table when
    values are parsed from text (CSV: parse once).
    """
    spec = TABLES[src.table]
    present = [c for c in spec.columns if c.name in src.columns]
    if materialise is None:
        materialise = any(c.type != "str" and src.source_types[c.name].upper() == "VARCHAR" for c in present)
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
    kind = "TABLE" if materialise else "VIEW"
    con.execute(
        f"""CREATE {kind} chk_{spec.name} AS
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

    batch_tables: set[str]  # tables whose chk_/bad_<table> exist (validated earlier in this batch)
    lake_tables: set[str]  # tables with a lake_<table> view over committed files
    institutions_known: bool
    tolerance_hours: int
    notes: list[str] = field(default_factory=list)
    present: dict[str, list[str]] = field(default_factory=dict)  # columns present per batch table

    def add_batch_table(self, src: SourceFile) -> None:
        self.batch_tables.add(src.table)
        self.present[src.table] = list(src.columns)


def valid_rows_sql(table: str) -> str:
    """Rows of ``chk_<table>`` that passed every check (loaded, or duplicates of valid rows).

    Every row that failed a row check is in ``bad_<table>``, so the row checks of ``chk_`` need
    not be evaluated again here (for a Parquet view, only the typed values are read)."""
    return (
        f"SELECT * FROM chk_{table} WHERE _line NOT IN (SELECT _line FROM bad_{table} WHERE _pf IS NOT NULL)"
    )


def loaded_rows_sql(table: str) -> str:
    """Rows of ``chk_<table>`` that load into the lake (not quarantined, not already loaded)."""
    return (
        f"SELECT * FROM chk_{table} WHERE _line NOT IN (SELECT _line FROM bad_{table} WHERE _s <> 'loaded')"
    )


def parent_keys_sql(parent: str, column: str, ctx: Context) -> str | None:
    parts = []
    if parent in ctx.batch_tables and column in ctx.present[parent]:
        parts.append(f"SELECT {_quote('v_' + column)} AS k FROM ({valid_rows_sql(parent)})")
    if parent in ctx.lake_tables:
        parts.append(f"SELECT {_quote(column)} AS k FROM lake_{parent}")
    if parent == "fixmedins":
        parts.append("SELECT code AS k FROM store_institutions")
    return " UNION ALL ".join(parts) if parts else None


def resolve_rows(con: duckdb.DuckDBPyConnection, src: SourceFile, checks: Checks, ctx: Context) -> None:
    """Build ``bad_<table>``: the rows that do not simply load, with their status.

    Only exceptional rows are materialised: rows that failed a row check, rows in a duplicate-key
    group of this batch, rows whose key is already in the lake, orphans and fee lines outside
    their visit. Each gets ``_pf`` (first failing check, NULL = passes), ``_qh`` (hash kept with a
    quarantined row) and ``_s`` (loaded | duplicate | quarantined); master-data rows whose key is
    in the lake with other content load as a new version (``_changed``). Every row of
    ``chk_<table>`` that is not in ``bad_<table>`` loads; see ``loaded_rows_sql``.
    """
    spec = TABLES[src.table]
    name = spec.name
    keys = list(spec.key)
    if any(k not in src.columns for k in keys):
        # The file lacks a key column (a required one): every row is MISSING_COLUMN already;
        # rows are then told apart by their content, like rows of a keyless table.
        keys = []
    vk = {k: _quote("v_" + k) for k in keys}
    row_hash = row_hash_sql(spec, src.columns)
    master = spec.kind == "master"
    # Keyless tables are keyed by their content hash; keyed tables hash only exceptional rows.
    base = f"(SELECT *, {row_hash} AS _h FROM chk_{name})" if not keys else f"chk_{name}"
    group = [vk[k] for k in keys] if keys else ["_h"]

    # Duplicate keys inside the batch (the first valid line of a key wins, see stage 2). This pass
    # reads only the key columns and usually finds nothing; then the join below is skipped.
    not_null = " AND ".join(f"{g} IS NOT NULL" for g in group)
    con.execute(
        f"CREATE TABLE dup_{name} AS SELECT {', '.join(group)} FROM {base} WHERE {not_null} "
        "GROUP BY ALL HAVING count(*) > 1"
    )
    has_dups = con.execute(f"SELECT count(*) FROM dup_{name}").fetchall()[0][0] > 0
    joins = ""
    cols: list[str] = []
    if has_dups:
        match = " AND ".join(f"d.{g} = c.{g}" for g in group)
        joins += f" LEFT JOIN (SELECT *, true AS hit FROM dup_{name}) d ON {match}"
        cols.append("coalesce(d.hit, false) AS _dk")
    else:
        cols.append("FALSE AS _dk")

    lake_key = "FALSE"
    if name in ctx.lake_tables:
        if len(keys) == 1:
            lake_key = f"coalesce(c.{vk[keys[0]]} IN (SELECT {_quote(keys[0])} FROM lake_{name}), false)"
        elif keys:
            lcols = ", ".join(_quote(k) for k in keys)
            match = " AND ".join(f"lk.{_quote(k)} = c.{vk[k]}" for k in keys)
            joins += f" LEFT JOIN (SELECT DISTINCT {lcols}, true AS hit FROM lake_{name}) lk ON {match}"
            lake_key = "coalesce(lk.hit, false)"
        else:
            lake_key = f"coalesce(c._h IN (SELECT _row_hash FROM lake_{name}), false)"
    cols.append(f"{lake_key} AS _lk")

    stage2: list[tuple[int, str]] = []
    if keys:
        cid = checks.add(
            "DUPLICATE_KEY", keys[0], f"CAST({vk[keys[0]]} AS VARCHAR)", "CAST(_first_line AS VARCHAR)"
        )
        stage2.append((cid, "_rank > 1"))
        if not master:  # master data: a changed row is a new version, not a conflict
            key_text = " || ', ' || ".join(
                f"'{k}=' || coalesce(CAST({_quote('v_' + k)} AS VARCHAR), '')" for k in keys
            )
            cid = checks.add("DUPLICATE_KEY_CONFLICT", keys[0], f"CAST({vk[keys[0]]} AS VARCHAR)", key_text)
            stage2.append((cid, "_lk"))
    flags = ["_lk"]
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
        vcol = f"c.{_quote('v_' + column)}"
        found = (
            f"coalesce({vcol} IN (SELECT k FROM ({keys_sql}) WHERE k IS NOT NULL), false)"
            if keys_sql
            else "FALSE"
        )
        ok = _quote(f"_ok{n}")
        cols.append(f"{vcol} IS NULL OR {found} AS {ok}")
        flags.append(f"NOT {ok}")
        cid = checks.add(
            "ORPHAN_REF", column, f"CAST({_quote('v_' + column)} AS VARCHAR)", _literal(f"{parent}.{pcol}")
        )
        stage2.append((cid, f"NOT {ok}"))
    visit_cols = "CAST(NULL AS TIMESTAMP) AS _vb, CAST(NULL AS TIMESTAMP) AS _ve"
    if name == "fee_list" and {"mdtrt_id", "fee_ocur_time"} <= set(src.columns):
        visits = []
        if "mdtrt" in ctx.batch_tables and {"mdtrt_id", "begntime"} <= set(ctx.present["mdtrt"]):
            endtime = typed_or_null(TABLES["mdtrt"].column("endtime"), ctx.present["mdtrt"])
            visits.append(
                f"SELECT v_mdtrt_id AS mdtrt_id, v_begntime AS b, {endtime} AS e FROM ({valid_rows_sql('mdtrt')})"
            )
        if "mdtrt" in ctx.lake_tables:
            visits.append("SELECT mdtrt_id, begntime AS b, endtime AS e FROM lake_mdtrt")
        if visits:
            joins += (
                f" LEFT JOIN (SELECT mdtrt_id, min(b) AS vb, max(e) AS ve FROM ({' UNION ALL '.join(visits)}) "
                "GROUP BY mdtrt_id) vis ON vis.mdtrt_id = c.v_mdtrt_id"
            )
            visit_cols = "vis.vb AS _vb, vis.ve AS _ve"
            tol = f"INTERVAL {int(ctx.tolerance_hours)} HOUR"
            cols.append(
                f"coalesce(vis.vb IS NOT NULL AND (c.v_fee_ocur_time < vis.vb - {tol} OR "
                f"(vis.ve IS NOT NULL AND c.v_fee_ocur_time > vis.ve + {tol})), false) AS _fee_bad"
            )
            flags.append("_fee_bad")
            info = (
                "strftime(_vb, '%Y-%m-%d %H:%M:%S') || ' ~ ' || coalesce(strftime(_ve, '%Y-%m-%d %H:%M:%S'), '…') "
                f"|| ' ± {int(ctx.tolerance_hours)}h'"
            )
            cid = checks.add(
                "FEE_TIME_OUTSIDE_VISIT", "fee_ocur_time", "CAST(v_fee_ocur_time AS VARCHAR)", info
            )
            stage2.append((cid, "_fee_bad"))
    cols.append(visit_cols)

    # Stage 1: the exceptional rows only (one pass over chk_, nothing else materialised); the
    # content hash is computed for them alone (a keyless table's rows all have it already).
    key_cols = "".join(f", {g}" for g in group if g != "_h")
    hash_col = "_h" if not keys else f"CASE WHEN _pid IS NULL THEN {row_hash} END AS _h"
    exceptional = " OR ".join(["_pid IS NOT NULL", "_dk", *flags])
    con.execute(
        f"""CREATE TABLE cand_{name} AS
        WITH x AS (SELECT c.*, {", ".join(cols)} FROM {base} c{joins})
        SELECT _line, _pid, _qraw{key_cols}, _dk, _vb, _ve, {", ".join(f.removeprefix("NOT ") for f in flags)},
            {hash_col}
        FROM x WHERE {exceptional}"""
    )
    con.execute(f"DROP TABLE dup_{name}")
    # The first valid line of a duplicated key, among valid rows only (rows that failed a row check
    # do not take part): a key is a duplicate group when it has two valid lines.
    if has_dups:
        partition = ", ".join(group)
        con.execute(
            f"""CREATE OR REPLACE TABLE cand_{name} AS
            WITH g AS (
                SELECT {partition}, min(_line) AS _first_line FROM cand_{name}
                WHERE _dk AND _pid IS NULL GROUP BY ALL HAVING count(*) > 1
            )
            SELECT c.* EXCLUDE (_dk), g._first_line FROM cand_{name} c
            LEFT JOIN g ON {" AND ".join(f"g.{k} = c.{k}" for k in group)} AND c._pid IS NULL"""
        )
    else:
        con.execute(f"ALTER TABLE cand_{name} DROP COLUMN _dk")
        con.execute(f"ALTER TABLE cand_{name} ADD COLUMN _first_line BIGINT")

    # Stage 2: statuses of the exceptional rows, in check order.
    if name in ctx.lake_tables and keys:
        # Same key (``_lk``) and same content hash as a committed row. The hash covers the key
        # columns, so matching on the hash alone is a cheap integer join.
        same = f"_lk AND coalesce(b._h IN (SELECT _row_hash FROM lake_{name}), false)"
    else:
        same = "_lk"
    case2 = " ".join(f"WHEN {cond} THEN {cid}" for cid, cond in stage2)
    prior = f"_qh IN (SELECT row_hash FROM prior_quarantine WHERE table_name = {_literal(name)})"
    copy = "((_rank > 1 AND _h = _h1) OR _same)"
    changed = f"_pf IS NULL AND _lk AND NOT coalesce({copy}, false)" if master else "FALSE"
    con.execute(
        f"""CREATE TABLE bad_{name} AS
        WITH f AS (SELECT _line AS _fl, _h AS _h1 FROM cand_{name} WHERE _first_line = _line),
        s AS (
            SELECT b.*, f._h1,
                CASE WHEN _pid IS NULL THEN (CASE WHEN _line > _first_line THEN 2 ELSE 1 END) END AS _rank,
                {same} AS _same
            FROM cand_{name} b LEFT JOIN f ON f._fl = b._first_line
        ), z AS (
            SELECT *, CASE WHEN _pid IS NOT NULL THEN _pid WHEN {copy} THEN NULL {case2} END AS _pf FROM s
        ), y AS (
            -- A row that parsed is identified by its typed hash, one that did not by its text.
            SELECT *, CASE WHEN _pf IS NULL THEN NULL WHEN _pid IS NOT NULL THEN _qraw ELSE _h END AS _qh FROM z
        )
        SELECT _line, _pf, _qh, _h, _first_line, _vb, _ve, CASE
            WHEN _pf IS NULL AND {copy} THEN 'duplicate'
            WHEN _pf IS NULL THEN 'loaded'
            WHEN {prior} THEN 'duplicate'
            ELSE 'quarantined' END AS _s,
            coalesce({changed}, false) AS _changed
        FROM y"""
    )
    con.execute(f"DROP TABLE cand_{name}")
