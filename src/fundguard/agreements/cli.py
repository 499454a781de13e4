"""``fundguard agreements …`` and ``fundguard calendar …`` commands (thin: parse, call, print)."""

from __future__ import annotations

import json
from datetime import date

import typer

from fundguard.errors import InputError
from fundguard.timeutil import today

agreements_app = typer.Typer(help="协议管理 designation applications and agreements", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日历调整 working-day overrides", no_args_is_help=True)


def _date(value: str | None, field: str) -> date:
    if value is None:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            "BAD_DATE", f"{field} 日期格式应为 YYYY-MM-DD：{value}", f"bad date {value}", field
        ) from None


def _session():
    import fundguard.all_models  # noqa: F401
    from fundguard.db import session_scope

    return session_scope()


@agreements_app.command("run-due")
def run_due(on: str | None = typer.Option(None, "--on", help="执行日期，默认今天")) -> None:
    """执行到期自动变更：中止超期自动终止、协议到期退出。"""
    from fundguard.agreements import service

    with _session() as session:
        changes = service.run_due_transitions(session, _date(on, "on"), actor="cli")
    typer.echo(
        json.dumps([{"agreement_id": i, "from": a, "to": b} for i, a, b in changes], ensure_ascii=False)
    )


@agreements_app.command("overdue")
def overdue(on: str | None = typer.Option(None, "--on", help="检查日期，默认今天")) -> None:
    """列出当前环节已超过期限的定点申请。"""
    from fundguard.agreements import service

    with _session() as session:
        rows = [
            {"id": a.id, "applicant": a.applicant_name, "status": a.status, "due_on": a.due_on}
            for a in service.overdue(session, _date(on, "on"))
        ]
    typer.echo(json.dumps(rows, ensure_ascii=False, default=str))


@calendar_app.command("set")
def calendar_set(
    day: str,
    workday: bool = typer.Option(..., "--workday/--holiday"),
    reason: str = typer.Option("", "--reason"),
) -> None:
    """把某日设为工作日（调休上班）或节假日。"""
    from fundguard.calendar_admin import service

    with _session() as session:
        service.set_override(session, _date(day, "day"), workday, reason, actor="cli")
    typer.echo(f"{day} 已设为{'工作日' if workday else '节假日'}")


@calendar_app.command("list")
def calendar_list(year: int | None = typer.Option(None, "--year")) -> None:
    """列出日历调整。"""
    from fundguard.calendar_admin import service

    with _session() as session:
        rows = [
            {"day": o.day, "is_workday": o.is_workday, "reason": o.reason}
            for o in service.list_overrides(session, year)
        ]
    typer.echo(json.dumps(rows, ensure_ascii=False, default=str))


def register(app: typer.Typer) -> None:
    app.add_typer(agreements_app, name="agreements")
    app.add_typer(calendar_app, name="calendar")
