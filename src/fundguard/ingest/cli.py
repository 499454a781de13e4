"""Commands ``fundguard ingest`` (数据接入) and ``fundguard quarantine list|export`` (隔离区)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from fundguard.errors import InputError

console = Console()
MAX_CHANGES_SHOWN = 20


def _summary(report) -> Table:
    table = Table(title=f"接入批次 batch {report.batch_id}（{report.status}）")
    for col in ("表 table", "读取 read", "入库 loaded", "隔离 quarantined", "重复 duplicate"):
        table.add_column(col, justify="right" if col != "表 table" else "left")
    for name, c in report.tables.items():
        table.add_row(name, str(c.read), str(c.loaded), str(c.quarantined), str(c.duplicate))
    return table


@contextmanager
def _progress_bars() -> Iterator[Callable[[str, int, int], None] | None]:
    """Two Rich bars on a terminal — files of the current stage, rows of the current file (advanced
    chunk by chunk while DuckDB works); nothing when stdout is not a terminal (pipes, CI, tests)."""
    # stdout itself, not Rich's view of it: FORCE_COLOR / TTY_COMPATIBLE in CI must not turn bars on.
    if not (sys.stdout.isatty() and console.is_terminal):
        yield None
        return
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def progress(phase: str, done: int, total: int) -> None:
        kind = phase.split(" ", 1)[0]  # 文件 (files) or 行 (rows)
        if kind not in tasks:
            tasks[kind] = bars.add_task(phase, total=total)
        bars.update(tasks[kind], completed=done, total=max(total, 1), description=phase)

    with bars:
        yield progress


def _print_changes(report) -> None:
    if not report.master_changes:
        return
    table = Table(title=f"主数据变更 master-data changes（{report.master_changes_total}）")
    for col in ("表 table", "主键 key", "行 line", "变更 changes"):
        table.add_column(col, overflow="fold")
    for change in report.master_changes[:MAX_CHANGES_SHOWN]:
        text = "; ".join(f"{c.column}: {c.old or '∅'} → {c.new or '∅'}" for c in change.columns)
        table.add_row(change.table, "|".join(change.key.values()), str(change.line), text)
    console.print(table)
    hidden = report.master_changes_total - min(len(report.master_changes), MAX_CHANGES_SHOWN)
    if hidden > 0:
        console.print(
            f"… 另有 {hidden} 条变更，见批次报告与主数据版本履历 / {hidden} more: see the batch report and the master-data history",
            highlight=False,
        )


def ingest(
    input_dir: Path = typer.Argument(..., help="输入目录（契约表的 CSV/Parquet 文件） input folder"),
    mapping: Path | None = typer.Option(None, "--mapping", help="列映射 YAML {表: {我方列名: 对方列名}}"),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="严格模式：有任何行被隔离则整批不入库（只记录被拒批次及其隔离行），退出码 2 / "
        "strict: if any row is quarantined nothing is loaded and the exit code is 2",
    ),
    report_path: Path | None = typer.Option(
        None, "--report", help="报告 JSON {表: {read, loaded, quarantined, duplicate}}"
    ),
) -> None:
    """导入一个目录的医保数据（校验、隔离、入湖）Load a folder of NHSA-format extracts.

    坏行进入隔离区（fundguard quarantine list），不会被静默丢弃；同一目录重复导入不会重复入库。
    主数据（机构、人员登记、目录）内容有变化时作为新版本入库，旧版本留作历史，并列出变更。
    Bad rows are quarantined, never dropped; loading the same folder twice changes nothing.
    Changed master data (institutions, registrations, catalogue) becomes a new version and is listed.
    """
    from fundguard.ingest.service import ingest_folder

    with _progress_bars() as progress:
        report = ingest_folder(input_dir, mapping=mapping, strict=strict, progress=progress)
    if report_path is not None:
        report_path.write_text(
            json.dumps(report.contract_json(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    console.print(_summary(report))
    _print_changes(report)
    for note in report.notes:
        console.print(f"· {note}", highlight=False)
    if report.quarantined:
        console.print(
            f"隔离 {report.quarantined} 行，查看：fundguard quarantine list --batch {report.batch_id}",
            highlight=False,
        )
    if report.status == "rejected":
        raise InputError(
            "INGEST_STRICT_REJECTED",
            f"严格模式：{report.quarantined} 行被隔离，本批 {report.batch_id} 未入库",
            f"strict mode: {report.quarantined} rows quarantined, batch {report.batch_id} not loaded",
        )


quarantine_app = typer.Typer(help="隔离区 quarantined rows", no_args_is_help=True)


@quarantine_app.command("list")
def quarantine_list(
    batch: str | None = typer.Option(None, "--batch", help="批次号 batch id"),
    table: str | None = typer.Option(None, "--table", help="表名 table"),
    reason: str | None = typer.Option(None, "--reason", help="原因代码 reason code"),
    limit: int = typer.Option(50, "--limit", min=1, help="最多显示行数 max rows"),
) -> None:
    """列出隔离行 List quarantined rows."""
    from fundguard.db import session_scope
    from fundguard.ingest.service import list_quarantine

    with session_scope() as session:
        rows = list_quarantine(session, batch, table, reason, limit)
    out = Table(title=f"隔离区 quarantine（{len(rows)} 行）")
    for col in (
        "批次 batch",
        "表 table",
        "文件 file",
        "行 line",
        "列 column",
        "值 value",
        "原因 reason",
        "说明",
    ):
        out.add_column(col, overflow="fold")
    for r in rows:
        out.add_row(
            r.batch_id, r.table_name, r.file, str(r.line), r.column, r.value, r.reason_code, r.reason_zh
        )
    console.print(out)


@quarantine_app.command("export")
def quarantine_export(
    out: Path = typer.Argument(..., help="输出文件 OUT.csv 或 OUT.xlsx"),
    batch: str | None = typer.Option(None, "--batch", help="批次号 batch id"),
    table: str | None = typer.Option(None, "--table", help="表名 table"),
    reason: str | None = typer.Option(None, "--reason", help="原因代码 reason code"),
) -> None:
    """导出隔离行 Export quarantined rows to CSV or Excel."""
    from fundguard.db import session_scope
    from fundguard.ingest.service import export_quarantine, list_quarantine

    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(
            "EXPORT_FORMAT",
            f"导出文件 {out} 须为 .csv 或 .xlsx",
            f"export file {out} must end in .csv or .xlsx",
        )
    with session_scope() as session:
        rows = list_quarantine(session, batch, table, reason)
    count = export_quarantine(rows, out)
    console.print(f"已导出 {count} 行到 {out} / exported {count} rows", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.add_typer(quarantine_app, name="quarantine")
