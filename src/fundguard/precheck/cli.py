"""``fundguard precheck …``: pre-check history store maintenance."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

console = Console()
precheck_app = typer.Typer(help="事前事中审核 pre-check API", no_args_is_help=True)


@precheck_app.command("sync-history")
def sync_history(
    batch: list[str] = typer.Option(
        None, "--batch", help="只同步（或重新同步）这些入库批次；默认同步全部未同步批次"
    ),
) -> None:
    """把数据湖中已提交、尚未同步的批次复制到预审历史库 Copy committed lake batches into the history store."""
    import fundguard.all_models  # noqa: F401
    from fundguard.precheck import history

    done = history.sync_lake(batch or None)
    if not done:
        console.print("历史库已是最新，没有待同步的批次 / history store is up to date")
        return
    table = Table(title="预审历史库同步 pre-check history sync")
    for col in ("批次 batch", "就诊 visits", "费用明细 lines", "追溯码 trace codes"):
        table.add_column(col)
    for batch_id, counts in done.items():
        table.add_row(batch_id, str(counts["visits"]), str(counts["lines"]), str(counts["traces"]))
    console.print(table)


@precheck_app.command("prune-history")
def prune_history(
    dry_run: bool = typer.Option(False, "--dry-run", help="只统计将删除的费用明细，不删除"),
) -> None:
    """删除早于保留期的历史费用明细（precheck.history_line_retention_days）Delete history fee lines older than any rule window.

    就诊、诊断和追溯码保留（冒名就医比较首次登记性别，追溯码重复销售比较全部既往销售）。建议每日定时执行。
    """
    import fundguard.all_models  # noqa: F401
    from fundguard.auth import service as auth_service
    from fundguard.db import session_scope
    from fundguard.precheck import history

    with session_scope() as session:
        cutoff, count = history.prune_lines(session, dry_run=dry_run)
        if not dry_run:
            auth_service.record(
                session,
                "cli",
                "precheck.prune_history",
                "precheck_history_line",
                detail={"before": cutoff.isoformat(sep=" "), "lines": count},
            )
    verb = "将删除 would delete" if dry_run else "已删除 deleted"
    console.print(
        f"{verb} {count} 条早于 {cutoff:%Y-%m-%d} 的历史费用明细 / history fee lines before {cutoff:%Y-%m-%d}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(precheck_app, name="precheck")
