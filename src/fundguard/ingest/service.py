"""Ingest service (数据接入): load an input folder as one batch (批次), atomically and idempotently.

Steps: discover and read the files (``reader``), validate them column-wise in DuckDB
(``validate``: only rows that do not simply load are materialised), stream the good rows into the
lake's staging folder (``writer``), then in ONE transaction record the batch, its files,
quarantined rows (隔离行), master data with its version history, external points for the scoring
ledger, rename the staging folder into ``batches/`` and commit. Other domains (audit, risk, demo)
call ``ingest_folder``; the CLI is a thin wrapper.
"""

from __future__ import annotations

import importlib
import json
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fundguard import lake
from fundguard.auth import service as audit
from fundguard.contract import TABLES
from fundguard.db import session_scope
from fundguard.ingest import reasons, writer
from fundguard.ingest.models import IngestBatch, IngestFile, QuarantineRow
from fundguard.ingest.reader import SourceFile, _quote, discover, estimate_rows, load_mapping, read_table
from fundguard.ingest.schemas import FileInfo, IngestReport, MasterChange, QuarantineOut, TableCounts
from fundguard.ingest.validate import Checks, Context, Rules, _text, check_rows, resolve_rows, row_hash_sql
from fundguard.masterdata.models import Institution
from fundguard.profiles import get_profile
from fundguard.refdata import admin_division_codes, field_codes
from fundguard.timeutil import now

# progress(phase, done, total). Phases starting with "文件 files" count files (done/total files of
# a stage: 校验 validate, 写入 write); phases starting with "行 rows" count rows of one file in one
# step (读取 read, 校验 validate, 写入 write), reported while the step runs, chunk by chunk.
ProgressCallback = Callable[[str, int, int], None]
EXTERNAL_REJECTED = -1  # _pf of a points row the scoring ledger rejected
MAX_REPORTED_CHANGES = 1_000  # master-data changes listed in a batch report (all are in master_version)
FILES = "文件 files"
ROWS = "行 rows"


def load_rules() -> Rules:
    profile = get_profile()
    extra = profile["codes.extra_values"] or {}
    dictionaries = {
        name: sorted(set(values) | set(extra.get(name, []))) for name, values in field_codes().items()
    }
    for name, values in extra.items():
        dictionaries.setdefault(name, sorted(values))
    return Rules(
        dictionaries=dictionaries,
        patterns={f"codes.{k}": v for k, v in profile.section("codes").items() if isinstance(v, str)},
        practitioner_prefix_by_type={
            str(k): str(v) for k, v in (profile["codes.practitioner_prefix_by_type"] or {}).items()
        },
        admdvs_extra_pattern=profile["codes.admdvs_extra_pattern"],
        tcm_diag_types=[str(x) for x in profile["ingest.tcm_diag_types"]],
        amount_tolerance=profile["ingest.amount_tolerance"],
        fee_time_tolerance_hours=profile["ingest.fee_time_tolerance_hours"],
        # The points table is checked against the scoring section's own range (one number, one place).
        points_min=profile["scoring.min_points"],
        points_max=profile["scoring.max_points"],
    )


class Progress:
    """Progress of one ingest: per file, and per chunk of rows while a DuckDB statement runs.

    DuckDB executes a whole file in one statement; a helper thread polls the connection's
    ``query_progress()`` (the share of the statement's input already processed) and reports
    it as rows done. Without a callback nothing is polled.
    """

    def __init__(self, callback: ProgressCallback | None, con: duckdb.DuckDBPyConnection, poll: float = 0.1):
        self.callback = callback
        self.con = con
        self.poll = poll
        self._lock = threading.Lock()
        if callback is not None:
            con.execute("SET enable_progress_bar = true")
            con.execute("SET enable_progress_bar_print = false")
            con.execute("SET progress_bar_time = 0")

    def _emit(self, phase: str, done: int, total: int) -> None:
        if self.callback is not None:
            with self._lock:
                self.callback(phase, done, total)

    def files(self, stage: str, done: int, total: int) -> None:
        self._emit(f"{FILES} · {stage}", done, total)

    @contextmanager
    def rows(self, stage: str, table: str, total: int, poll: bool = True) -> Iterator[Callable[[int], None]]:
        """Report rows of ``table`` processed by the statements run inside the block.

        Yields ``advance(done)`` for code that counts rows itself (the lake writer, per batch);
        with ``poll``, a thread meanwhile turns DuckDB's progress of the running statement into
        rows done.
        """
        phase = f"{ROWS} · {stage} {table}"
        last = [0]

        def advance(done: int) -> None:
            with self._lock:  # the writer and the watcher both advance: keep the count monotonic
                if last[0] < done < total and self.callback is not None:
                    last[0] = done
                    self.callback(phase, done, total)

        self._emit(phase, 0, total)
        if self.callback is None or not poll:
            yield advance
            self._emit(phase, total, total)
            return
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(self.poll):
                try:
                    share = self.con.query_progress()
                except Exception:  # noqa: BLE001 — progress is cosmetic; never disturb the ingest
                    continue
                if share > 0:
                    advance(int(total * min(share, 100.0) / 100.0))

        watcher = threading.Thread(target=watch, name="ingest-progress", daemon=True)
        watcher.start()
        try:
            yield advance
        finally:
            stop.set()
            watcher.join()
        self._emit(phase, total, total)


def _external_points_hook() -> Callable | None:
    """``fundguard.scoring.service.append_external_points`` when the scoring domain provides it."""
    try:
        module = importlib.import_module("fundguard.scoring.service")
    except ModuleNotFoundError as exc:
        if exc.name and "fundguard.scoring".startswith(exc.name):
            return None
        if exc.name == "fundguard.scoring.service":
            return None
        raise
    return getattr(module, "append_external_points", None)


def _new_batch_id() -> str:
    return f"{now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def _prepare(con: duckdb.DuckDBPyConnection, session: Session) -> bool:
    """Reference tables validation joins against; returns whether institutions are known."""
    # Lists are passed as parameters, not registered Arrow tables: registering imports pandas (slow).
    con.execute(
        "CREATE TABLE admdvs_codes AS SELECT unnest(?::VARCHAR[]) AS code", [sorted(admin_division_codes())]
    )
    codes = list(session.scalars(select(Institution.fixmedins_code)))
    con.execute("CREATE TABLE store_institutions AS SELECT unnest(?::VARCHAR[]) AS code", [codes])
    prior = session.execute(
        select(QuarantineRow.table_name, QuarantineRow.row_hash)
        .join(IngestBatch, IngestBatch.batch_id == QuarantineRow.batch_id)
        .where(IngestBatch.status == "committed", QuarantineRow.row_hash != "")
        .distinct()
    ).all()
    con.execute(
        "CREATE TABLE prior_quarantine AS SELECT unnest(?::VARCHAR[]) AS table_name, "
        "CAST(unnest(?::VARCHAR[]) AS UBIGINT) AS row_hash",
        [[p[0] for p in prior], [p[1] for p in prior]],
    )
    return bool(codes)


def _counts(con: duckdb.DuckDBPyConnection, src: SourceFile, reject_status: dict[int, str]) -> TableCounts:
    """Counts of one table: every row of the source not in ``bad_<table>`` (or loading from it) loaded."""
    counts = TableCounts()
    for status, n in con.execute(f"SELECT _s, count(*) FROM bad_{src.table} GROUP BY _s").fetchall():
        setattr(counts, status, n)
    counts.loaded = src.rows - counts.quarantined - counts.duplicate
    for status in reject_status.values():
        setattr(counts, status, getattr(counts, status) + 1)
    counts.read = counts.loaded + counts.quarantined + counts.duplicate
    return counts


def _reject_status(con: duckdb.DuckDBPyConnection, src: SourceFile) -> dict[int, str]:
    """Structurally broken lines: quarantined, or duplicate when already quarantined before."""
    status = {}
    for rej in src.rejected:
        seen = con.execute(
            "SELECT count(*) FROM prior_quarantine WHERE table_name = ? AND row_hash = hash(?)",
            [src.table, rej.text],
        ).fetchall()[0][0]
        status[rej.line] = "duplicate" if seen else "quarantined"
    return status


def _quarantine_rows(
    con: duckdb.DuckDBPyConnection,
    src: SourceFile,
    checks: Checks,
    batch_id: str,
    reject_status: dict[int, str],
    external: dict[int, tuple[str, str, str, str]],
) -> list[dict]:
    rows: list[dict] = []
    for rej in src.rejected:
        if reject_status[rej.line] != "quarantined":
            continue
        zh, en = reasons.render("CSV_STRUCTURE", info=rej.info)
        digest = con.execute("SELECT CAST(hash(?) AS VARCHAR)", [rej.text]).fetchall()[0][0]
        rows.append(
            dict(
                batch_id=batch_id,
                table_name=src.table,
                file=src.path.name,
                line=rej.line,
                column="",
                value=rej.text[:500],
                reason_code="CSV_STRUCTURE",
                reason_zh=zh,
                reason_en=en,
                raw={"csv_line": rej.text[:2000]},
                row_hash=digest,
            )
        )
    value_case = " ".join(f"WHEN {c.id} THEN CAST({c.value_sql} AS VARCHAR)" for c in checks.by_id.values())
    info_case = " ".join(f"WHEN {c.id} THEN CAST({c.info_sql} AS VARCHAR)" for c in checks.by_id.values())
    value_sql = f"CASE _pf {value_case} END" if value_case else "NULL"
    info_sql = f"CASE _pf {info_case} END" if info_case else "NULL"
    # Only the quarantined rows are read back: their text from src_<table> (r_<col>, as validation
    # saw it) and their typed values from chk_<table>.
    texts = ", ".join(f"{_text(c, src.source_types[c])} AS {_quote('r_' + c)}" for c in src.columns)
    raw_cols = "".join(f", CAST({_quote('r_' + c)} AS VARCHAR)" for c in src.columns)
    lines = f"SELECT _line FROM bad_{src.table} WHERE _s = 'quarantined'"
    query = (
        f"WITH q AS (SELECT _line, _pf, _qh, _first_line, _vb, _ve FROM bad_{src.table} WHERE _s = 'quarantined'), "
        f"s AS (SELECT _line{', ' + texts if texts else ''} FROM src_{src.table} WHERE _line IN ({lines})), "
        f"c AS (SELECT * EXCLUDE (_pid, _qraw) FROM chk_{src.table} WHERE _line IN ({lines})) "
        f"SELECT _line, _pf, {value_sql}, {info_sql}, CAST(_qh AS VARCHAR){raw_cols} "
        "FROM q JOIN s USING (_line) LEFT JOIN c USING (_line) ORDER BY _line"
    )
    for line, pid, value, info, digest, *raw in con.execute(query).fetchall():
        raw_dict = dict(zip(src.columns, raw, strict=True))
        if pid == EXTERNAL_REJECTED:
            column, code, zh, en = external[line]
            value = raw_dict.get(column)
        else:
            check = checks.by_id[pid]
            code, column = check.code, check.column
            zh, en = reasons.render(code, column, value, info)
        rows.append(
            dict(
                batch_id=batch_id,
                table_name=src.table,
                file=src.path.name,
                line=int(line),
                column=column,
                value="" if value is None else str(value)[:500],
                reason_code=code,
                reason_zh=zh,
                reason_en=en,
                raw=raw_dict,
                row_hash=digest or "",
            )
        )
    return rows


def _apply_points_hook(
    con: duckdb.DuckDBPyConnection, session: Session, src: SourceFile, batch_id: str, notes: list[str]
) -> dict[int, tuple[str, str, str, str]]:
    hook = _external_points_hook()
    if hook is None:
        notes.append(
            "记分模块尚未提供 append_external_points：记分记录仅写入数据湖 / "
            "scoring ledger not available: points rows written to the lake only"
        )
        return {}
    rows = writer.loaded_rows(con, "points", src.columns)
    if not rows:
        return {}
    rejected = hook(session, rows, batch_id) or []
    external = {int(line): (column, code, zh, en) for line, column, code, zh, en in rejected}
    if external:
        lines = ", ".join(str(x) for x in external)
        # Rejected rows that were not exceptional so far join bad_points; then all of them are marked.
        con.execute(
            f"INSERT INTO bad_points BY NAME SELECT _line, {row_hash_sql(TABLES['points'], src.columns)} AS _h, "
            f"'loaded' AS _s, false AS _changed FROM chk_points "
            f"WHERE _line IN ({lines}) AND _line NOT IN (SELECT _line FROM bad_points)"
        )
        con.execute(
            f"UPDATE bad_points SET _pf = {EXTERNAL_REJECTED}, _qh = _h, _s = CASE WHEN _h IN "
            "(SELECT row_hash FROM prior_quarantine WHERE table_name = 'points') "
            f"THEN 'duplicate' ELSE 'quarantined' END WHERE _line IN ({lines})"
        )
    return external


def _validate(
    con: duckdb.DuckDBPyConnection,
    ordered: list[SourceFile],
    mappings: dict,
    rules: Rules,
    ctx: Context,
    work: Path,
    progress: Progress,
) -> dict[str, Checks]:
    checks: dict[str, Checks] = {}
    for i, src in enumerate(ordered):
        progress.files("校验 validate", i, len(ordered))
        with progress.rows("读取 read", src.table, estimate_rows(src)):
            read_table(con, src, mappings.get(src.table, {}), work)
        checks[src.table] = Checks()
        with progress.rows("校验 validate", src.table, src.rows):
            check_rows(con, src, rules, checks[src.table])
            resolve_rows(con, src, checks[src.table], ctx)
        ctx.add_batch_table(src)
    progress.files("校验 validate", len(ordered), len(ordered))
    return checks


def ingest_folder(
    input_dir: Path,
    mapping: Path | None = None,
    strict: bool = False,
    progress: ProgressCallback | None = None,
    actor: str = "cli",
) -> IngestReport:
    """Load ``input_dir`` as one batch and return its report (see module docstring)."""
    input_dir = Path(input_dir)
    mappings = load_mapping(mapping)
    sources, notes = discover(input_dir)
    rules = load_rules()
    ordered = [sources[name] for name in TABLES if name in sources]
    batch_id = _new_batch_id()
    started = now()
    with writer.ingest_lock():
        with session_scope() as session:
            writer.cleanup_orphans(session)
        staging = lake.staging_dir() / batch_id
        work = lake.staging_dir() / f"_work-{batch_id}"
        work.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            con.execute(f"SET temp_directory = '{work / 'duckdb'}'")
            con.execute("SET enable_progress_bar = false")
            ticks = Progress(progress, con)
            with session_scope() as session:
                institutions_known = _prepare(con, session)
            lake_tables = writer.register_lake(con, list(TABLES))
            ctx = Context(
                batch_tables=set(),
                lake_tables=lake_tables,
                institutions_known=institutions_known or "fixmedins" in sources or "fixmedins" in lake_tables,
                tolerance_hours=rules.fee_time_tolerance_hours,
                notes=notes,
            )
            checks = _validate(con, ordered, mappings, rules, ctx, work, ticks)
            rejects = {src.table: _reject_status(con, src) for src in ordered}
            counts = {src.table: _counts(con, src, rejects[src.table]) for src in ordered}
            rejected = strict and any(c.quarantined for c in counts.values())
            if not rejected:
                for i, src in enumerate(ordered):
                    ticks.files("写入 write", i, len(ordered))
                    if src.table != "points":
                        loaded = counts[src.table].loaded
                        # Month-partitioned tables count the batches they write; others are
                        # one DuckDB COPY, followed through its progress.
                        polled = not TABLES[src.table].partition_time
                        with ticks.rows("写入 write", src.table, loaded, poll=polled) as advance:
                            writer.write_table(
                                con, src.table, src.columns, batch_id, staging, loaded, advance
                            )
            with session_scope() as session:
                report = _commit(
                    con,
                    session,
                    ordered,
                    checks,
                    rejects,
                    batch_id,
                    input_dir,
                    strict,
                    rejected,
                    actor,
                    started,
                    notes,
                    staging,
                )
            ticks.files("写入 write", len(ordered), len(ordered))
            return report
        finally:
            con.close()
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(staging, ignore_errors=True)


def _change_note(changes: list[dict]) -> str:
    per_table: dict[str, int] = {}
    for change in changes:
        per_table[change["table"]] = per_table.get(change["table"], 0) + 1
    text = ", ".join(f"{t} {n}" for t, n in per_table.items())
    more = ""
    if len(changes) > MAX_REPORTED_CHANGES:
        more = f"；报告列出前 {MAX_REPORTED_CHANGES} 条，全部见版本履历 / the report lists the first {MAX_REPORTED_CHANGES}, all are in the version history"
    return (
        f"主数据变更 {len(changes)} 条（{text}），已作为新版本生效，旧版本保留为历史 / "
        f"{len(changes)} master-data rows changed ({text}): loaded as new versions, old versions kept as history"
        + more
    )


def _commit(
    con: duckdb.DuckDBPyConnection,
    session: Session,
    ordered: list[SourceFile],
    checks: dict[str, Checks],
    rejects: dict[str, dict[int, str]],
    batch_id: str,
    input_dir: Path,
    strict: bool,
    rejected: bool,
    actor: str,
    started,
    notes: list[str],
    staging: Path,
) -> IngestReport:
    """The one transaction of a batch: store rows, points, quarantine, audit, then publish."""
    status = "rejected" if rejected else "committed"
    batch = IngestBatch(
        batch_id=batch_id, status=status, input_dir=str(input_dir), started_at=started, actor=actor, report={}
    )
    session.add(batch)
    session.flush()
    external: dict[str, dict[int, tuple[str, str, str, str]]] = {}
    sources = {s.table: s for s in ordered}
    all_changes = [] if rejected else writer.master_changes(con, sources)
    changes = [MasterChange(**c) for c in all_changes[:MAX_REPORTED_CHANGES]]
    if not rejected:
        notes.extend(writer.upsert_master_data(session, con, sources, batch_id, started))
        writer.record_versions(session, con, sources, batch_id, started)
        if all_changes:
            notes.append(_change_note(all_changes))
        for src in ordered:
            if src.table == "points":
                external["points"] = _apply_points_hook(con, session, src, batch_id, notes)
                writer.write_table(con, "points", src.columns, batch_id, staging)
    report = IngestReport(
        batch_id=batch_id,
        status=status,
        input_dir=str(input_dir),
        strict=strict,
        notes=notes,
        master_changes=changes,
        master_changes_total=len(all_changes),
    )
    for src in ordered:
        counts = _counts(con, src, rejects[src.table])
        report.tables[src.table] = counts
        report.files.append(
            FileInfo(table=src.table, path=str(src.path), encoding=src.encoding, sha256=src.sha256)
        )
        session.add(
            IngestFile(
                batch_id=batch_id,
                table_name=src.table,
                path=str(src.path),
                sha256=src.sha256,
                encoding=src.encoding,
                rows_read=counts.read,
                rows_loaded=counts.loaded if not rejected else 0,
                rows_quarantined=counts.quarantined,
                rows_duplicate=counts.duplicate,
            )
        )
        if not counts.quarantined:
            continue
        rows = _quarantine_rows(
            con, src, checks[src.table], batch_id, rejects[src.table], external.get(src.table, {})
        )
        for start in range(0, len(rows), 5000):
            session.execute(insert(QuarantineRow), rows[start : start + 5000])
    if rejected:
        # Counts stay the validation outcome ("loaded" = passed); the batch itself is not committed.
        report.notes.append(
            "严格模式：存在隔离行，本批未入库 / strict mode: rows were quarantined, nothing was loaded"
        )
    if all(c.read == c.duplicate for c in report.tables.values()) and any(
        c.read for c in report.tables.values()
    ):
        report.notes.append("所有行均已入库过，本次未新增 / every row was already loaded: nothing new")
    batch.report = json.loads(report.model_dump_json())
    batch.finished_at = now()
    audit.record(
        session,
        actor,
        "ingest.batch",
        entity_type="ingest_batch",
        entity_id=batch_id,
        detail={
            "status": status,
            "input_dir": str(input_dir),
            "tables": report.contract_json(),
            "master_changes": len(all_changes),
        },
    )
    session.flush()
    if not rejected:
        staging.mkdir(parents=True, exist_ok=True)
        writer.publish(batch_id)
    return report


def list_quarantine(
    session: Session,
    batch_id: str | None = None,
    table: str | None = None,
    reason: str | None = None,
    limit: int | None = None,
) -> list[QuarantineOut]:
    """Quarantined rows, newest batch first, in file/line order within a batch."""
    query = select(QuarantineRow, IngestBatch.started_at).join(
        IngestBatch, IngestBatch.batch_id == QuarantineRow.batch_id
    )
    if batch_id:
        query = query.where(QuarantineRow.batch_id == batch_id)
    if table:
        query = query.where(QuarantineRow.table_name == table)
    if reason:
        query = query.where(QuarantineRow.reason_code == reason)
    query = query.order_by(IngestBatch.started_at.desc(), QuarantineRow.table_name, QuarantineRow.line)
    if limit:
        query = query.limit(limit)
    return [
        QuarantineOut(
            batch_id=q.batch_id,
            table_name=q.table_name,
            file=q.file,
            line=q.line,
            column=q.column,
            value=q.value,
            reason_code=q.reason_code,
            reason_zh=q.reason_zh,
            reason_en=q.reason_en,
            raw=q.raw,
        )
        for q, _ in session.execute(query)
    ]


EXPORT_COLUMNS = (
    "batch_id",
    "table_name",
    "file",
    "line",
    "column",
    "value",
    "reason_code",
    "reason_zh",
    "reason_en",
    "raw",
)


def export_quarantine(rows: list[QuarantineOut], out: Path) -> int:
    """Write quarantined rows to ``.csv`` (UTF-8 with BOM, opens in Excel) or ``.xlsx``."""
    import csv

    from fundguard.errors import InputError

    out = Path(out)
    suffix = out.suffix.lower()
    records = [
        [*(getattr(r, c) for c in EXPORT_COLUMNS[:-1]), json.dumps(r.raw, ensure_ascii=False)] for r in rows
    ]
    if suffix == ".csv":
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            out_csv = csv.writer(fh)
            out_csv.writerow(EXPORT_COLUMNS)
            out_csv.writerows(records)
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "隔离区"
        sheet.append(list(EXPORT_COLUMNS))
        for record in records:
            sheet.append(record)
        book.save(out)
    else:
        raise InputError(
            "EXPORT_FORMAT",
            f"导出文件 {out} 须为 .csv 或 .xlsx",
            f"export file {out} must end in .csv or .xlsx",
        )
    return len(records)
