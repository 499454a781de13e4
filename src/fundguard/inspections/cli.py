"""``fundguard inspections …`` and ``fundguard credit …`` commands (thin: parse, call, print)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from fundguard.timeutil import today

inspections_app = typer.Typer(help="监督检查 random and flight inspections", no_args_is_help=True)
credit_app = typer.Typer(help="信用管理 credit scores and lists", no_args_is_help=True)


def _session():
    import fundguard.all_models  # noqa: F401
    from fundguard.db import session_scope

    return session_scope()


@inspections_app.command("replay")
def replay(draw_id: int) -> None:
    """复算一次随机抽取，核对与存档结果一致（退出码 1 表示不一致）。"""
    from fundguard.inspections import service

    with _session() as session:
        result = service.replay(session, draw_id)
    typer.echo(
        json.dumps({"draw_id": draw_id, "snapshot_intact": result.snapshot_intact, "equal": result.equal})
    )
    if not result.equal:
        raise typer.Exit(1)


@credit_app.command("explain")
def explain(subject_type: str, subject_id: str, on: str | None = typer.Option(None, "--on")) -> None:
    """信用分、等级及逐项说明。"""
    from fundguard.credit import service

    with _session() as session:
        r = service.explain(session, subject_type, subject_id, date.fromisoformat(on) if on else today())
    typer.echo(json.dumps({"score": r.score, "grade": r.grade, "lines": r.as_rows()}, ensure_ascii=False))


@credit_app.command("export-joint-punishment")
def export_joint(
    path: Path, masked: bool = typer.Option(False, "--masked"), on: str | None = typer.Option(None, "--on")
) -> None:
    """导出失信联合惩戒名单（.csv 或 .xlsx）。"""
    from fundguard.credit import export

    with _session() as session:
        out = export.export_joint_punishment(session, date.fromisoformat(on) if on else today(), path, masked)
    typer.echo(str(out))


def register(app: typer.Typer) -> None:
    app.add_typer(inspections_app, name="inspections")
    app.add_typer(credit_app, name="credit")
