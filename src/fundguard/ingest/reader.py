"""Reading an input folder (输入目录) into DuckDB: one ``src_<table>`` table per contract table.

Each source table (a view over the Parquet file, or over the table DuckDB's CSV reader filled) has ``_line`` (the file line of the row: header = line 1 for CSV; 1-based row
number for Parquet) and the contract columns present in the file, renamed through the optional
mapping (``{table: {our_name: their_name}}``) and matched case-insensitively. CSV is read with
``all_varchar`` so that validation sees the text exactly as written; structurally broken lines
(wrong number of fields, unterminated quote) are captured by DuckDB's rejects table with their
line and become ``CSV_STRUCTURE`` quarantine rows.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import yaml

from fundguard.contract import TABLES
from fundguard.errors import InputError
from fundguard.ingest.encoding import LineScan, scan_lines, to_utf8


@dataclass
class Rejected:
    line: int
    info: str
    text: str


@dataclass
class SourceFile:
    table: str
    path: Path
    format: str  # csv | parquet
    sha256: str = ""
    encoding: str = ""
    columns: list[str] = field(default_factory=list)  # contract columns present
    source_types: dict[str, str] = field(default_factory=dict)  # DuckDB type per present column
    missing_required: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    bad_encoding_lines: list[int] = field(default_factory=list)
    rows: int = 0  # rows in src_<table> (not counting rejected lines)
    line_scan: LineScan | None = None  # CSV: physical and blank lines (computed once)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_mapping(mapping: Path | None) -> dict[str, dict[str, str]]:
    """Read the column-mapping YAML; anything malformed is an ``InputError`` naming the file."""
    if mapping is None:
        return {}
    try:
        data = yaml.safe_load(Path(mapping).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(
            "MAPPING_UNREADABLE",
            f"无法读取列映射文件 {mapping}：{exc}",
            f"cannot read mapping file {mapping}: {exc}",
        ) from None
    ok = isinstance(data, dict) and all(
        isinstance(t, str)
        and isinstance(cols, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in cols.items())
        for t, cols in data.items()
    )
    if not ok:
        raise InputError(
            "MAPPING_INVALID",
            f"列映射文件 {mapping} 格式应为 {{表名: {{我方列名: 对方列名}}}}",
            f"mapping file {mapping} must be {{table: {{our_name: their_name}}}}",
        )
    unknown = sorted(set(data) - set(TABLES))
    if unknown:
        raise InputError(
            "MAPPING_INVALID",
            f"列映射文件 {mapping} 含未知表 {', '.join(unknown)}",
            f"mapping file {mapping} names unknown tables {', '.join(unknown)}",
        )
    return data


def discover(input_dir: Path) -> tuple[dict[str, SourceFile], list[str]]:
    """Contract tables found in the folder, and notes about files that were ignored."""
    input_dir = Path(input_dir)
    if not input_dir.is_dir():
        raise InputError(
            "INPUT_DIR_MISSING",
            f"输入目录 {input_dir} 不存在或不是目录",
            f"input folder {input_dir} does not exist or is not a folder",
        )
    found: dict[str, SourceFile] = {}
    notes: list[str] = []
    for path in sorted(input_dir.iterdir()):
        stem, suffix = path.stem.lower(), path.suffix.lower()
        if not path.is_file() or suffix not in (".csv", ".parquet") or stem not in TABLES:
            notes.append(f"已忽略非契约文件 {path.name} / ignored file {path.name} (not a contract table)")
            continue
        if stem in found:
            raise InputError(
                "INPUT_AMBIGUOUS",
                f"表 {stem} 同时有 {found[stem].path.name} 和 {path.name}，请只保留一个",
                f"table {stem} is given twice ({found[stem].path.name} and {path.name}); keep one",
            )
        found[stem] = SourceFile(stem, path, suffix[1:])
    if not found:
        raise InputError(
            "INPUT_EMPTY",
            f"输入目录 {input_dir} 中没有契约表文件（如 mdtrt.csv、fee_list.parquet）",
            f"input folder {input_dir} holds no contract table file (e.g. mdtrt.csv, fee_list.parquet)",
        )
    return found, notes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _select_columns(src: SourceFile, header: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Contract column -> source column name, via the mapping and case-insensitive names."""
    by_lower: dict[str, str] = {}
    for name in header:
        by_lower.setdefault(name.strip().lower(), name)
    chosen: dict[str, str] = {}
    for col in TABLES[src.table].column_names:
        their = mapping.get(col)
        if their is not None and their in header:
            chosen[col] = their
        elif their is not None and their.strip().lower() in by_lower:
            chosen[col] = by_lower[their.strip().lower()]
        elif col in by_lower:
            chosen[col] = by_lower[col]
    return chosen


def estimate_rows(src: SourceFile) -> int:
    """Rows the file holds, before reading it (for progress): Parquet metadata, CSV lines."""
    if src.format == "parquet":
        try:
            return int(
                duckdb.execute(
                    "SELECT sum(num_rows) FROM parquet_file_metadata(?)", [str(src.path)]
                ).fetchall()[0][0]
                or 0
            )
        except duckdb.Error:
            return 0
    # Newlines are the same bytes in UTF-8 and GB18030, so the original file's lines are the lines.
    src.line_scan = src.line_scan or scan_lines(src.path)
    return max(src.line_scan.physical_lines - 1, 0)


def read_table(
    con: duckdb.DuckDBPyConnection, src: SourceFile, mapping: dict[str, str], work_dir: Path
) -> SourceFile:
    """Load one file into ``src_<table>``; fills the file's metadata in place."""
    src.sha256 = _sha256(src.path)
    target = f"src_{src.table}"
    if src.format == "parquet":
        _read_parquet(con, src, mapping, target)
    else:
        _read_csv(con, src, mapping, work_dir, target)
    spec = TABLES[src.table]
    src.missing_required = [c for c in spec.required if c not in src.columns]
    src.rows = con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]
    return src


def _read_parquet(
    con: duckdb.DuckDBPyConnection, src: SourceFile, mapping: dict[str, str], target: str
) -> None:
    scan = f"read_parquet({_literal(str(src.path))}, file_row_number=true)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
    except duckdb.Error as exc:
        raise InputError(
            "FILE_UNREADABLE",
            f"无法读取 Parquet 文件 {src.path}：{str(exc).splitlines()[0]}",
            f"cannot read Parquet file {src.path}: {str(exc).splitlines()[0]}",
        ) from None
    types = {name: kind for name, kind, *_ in described if name != "file_row_number"}
    chosen = _select_columns(src, list(types), mapping)
    src.encoding = "parquet"
    src.columns = list(chosen)
    src.source_types = {col: types[their] for col, their in chosen.items()}
    cols = ", ".join(f"{_quote(their)} AS {_quote(col)}" for col, their in chosen.items())
    # A view, not a copy: validation and the lake writer stream the file (columnar) where they use it.
    con.execute(
        f"CREATE VIEW {target} AS SELECT file_row_number + 1 AS _line{', ' + cols if cols else ''} FROM {scan}"
    )


def _csv_header(path: Path) -> tuple[list[str], str]:
    with path.open(encoding="utf-8", newline="") as fh:
        first = fh.readline()
    newline = r"\r\n" if first.endswith("\r\n") else r"\n"  # DuckDB wants the escaped spelling
    header = next(csv.reader([first.rstrip("\r\n")]), [])
    return header, newline


def _read_csv(
    con: duckdb.DuckDBPyConnection, src: SourceFile, mapping: dict[str, str], work_dir: Path, target: str
) -> None:
    decoded = to_utf8(src.path, work_dir)
    src.encoding = decoded.encoding
    src.bad_encoding_lines = decoded.bad_lines
    header, newline = _csv_header(decoded.path)
    # Unique, non-empty names so DuckDB accepts the explicit column list.
    names: list[str] = []
    for i, name in enumerate(header):
        name = name.strip() or f"_col{i}"
        while name in names:
            name += "_dup"
        names.append(name)
    chosen = _select_columns(src, names, mapping)
    src.columns = list(chosen)
    src.source_types = dict.fromkeys(chosen, "VARCHAR")
    if not names:
        con.execute(f"CREATE TABLE {target} (_line BIGINT)")
        return
    columns = "{" + ", ".join(f"{_literal(n)}: 'VARCHAR'" for n in names) + "}"
    rej_err, rej_scan = f"rej_{src.table}", f"rejscan_{src.table}"
    scan = (
        f"read_csv({_literal(str(decoded.path))}, columns={columns}, header=true, delim=',', quote='\"', "
        f"escape='\"', new_line={_literal(newline)}, auto_detect=false, all_varchar=true, "
        f"store_rejects=true, rejects_table='{rej_err}', rejects_scan='{rej_scan}')"
    )
    cols = ", ".join(f"{_quote(their)} AS {_quote(col)}" for col, their in chosen.items())
    try:
        con.execute(f"CREATE TABLE raw_{src.table} AS SELECT {cols or '1 AS _none'} FROM {scan}")
    except duckdb.Error as exc:
        raise InputError(
            "FILE_UNREADABLE",
            f"无法读取 CSV 文件 {src.path}：{str(exc).splitlines()[0]}",
            f"cannot read CSV file {src.path}: {str(exc).splitlines()[0]}",
        ) from None
    rejects = con.execute(
        f"SELECT line, min(error_type) || ': ' || min(error_message), min(csv_line) FROM {rej_err} "
        "GROUP BY line ORDER BY line"
    ).fetchall()
    accepted = con.execute(f"SELECT count(*) FROM raw_{src.table}").fetchall()[0][0]
    lines, reject_lines = _line_numbers(con, src, decoded.path, accepted, [r[0] for r in rejects])
    src.rejected = [
        Rejected(int(reject_lines[i]), info, text or "") for i, (_, info, text) in enumerate(rejects)
    ]
    columns_sql = "".join(f", r.{_quote(c)}" for c in chosen)
    if lines is None:  # every line after the header is one row, in file order (= rowid order)
        con.execute(
            f"CREATE VIEW {target} AS SELECT r.rowid + 2 AS _line{columns_sql} FROM raw_{src.table} r"
        )
    else:
        con.execute(
            f"CREATE TABLE {target} AS SELECT l._line{columns_sql} FROM raw_{src.table} r "
            "POSITIONAL JOIN (SELECT unnest(?::BIGINT[]) AS _line) l",
            [lines.tolist()],
        )
        con.execute(f"DROP TABLE raw_{src.table}")


def _line_numbers(
    con: duckdb.DuckDBPyConnection, src: SourceFile, path: Path, accepted: int, reject_units: list[int]
) -> tuple[np.ndarray | None, list[int]]:
    """Physical file line of every accepted row (in order) and of every rejected one.

    DuckDB numbers lines by newlines outside quotes and skips blank lines. When the file has no
    blank line and no quoted newline (the normal case) those numbers are the physical lines and
    accepted rows fill the lines that were not rejected. Otherwise walk the file's units,
    counting newlines inside each accepted row's values.
    """
    scan = src.line_scan or scan_lines(path)
    if not scan.blank_lines and scan.physical_lines == 1 + accepted + len(reject_units):
        if not reject_units:
            return None, []
        all_lines = np.arange(2, scan.physical_lines + 1, dtype=np.int64)
        return np.setdiff1d(all_lines, np.asarray(reject_units, dtype=np.int64)), reject_units
    cols = list(src.columns)
    if cols:
        newline_expr = " + ".join(
            f"coalesce(length({_quote(c)}) - length(replace({_quote(c)}, chr(10), '')), 0)" for c in cols
        )
    else:
        newline_expr = "0"
    embedded = [r[0] for r in con.execute(f"SELECT {newline_expr} FROM raw_{src.table}").fetchall()]
    rejects = set(reject_units)
    blanks = set(scan.blank_lines)
    lines = np.empty(accepted, dtype=np.int64)
    reject_phys: dict[int, int] = {}
    unit, extra, i = 2, 0, 0
    limit = scan.physical_lines + len(reject_units) + 2
    while (i < accepted or len(reject_phys) < len(rejects)) and unit <= limit + accepted:
        phys = unit + extra
        if unit in rejects:
            reject_phys[unit] = phys
        elif phys in blanks:
            pass  # DuckDB counts a blank line as a unit but yields no row for it
        elif i < accepted:
            lines[i] = phys
            extra += embedded[i]
            i += 1
        unit += 1
    if i < accepted:  # should not happen; fall back to ordinals rather than crash
        lines[i:] = np.arange(i + 2, accepted + 2)
    return lines, [reject_phys.get(u, u) for u in reject_units]
