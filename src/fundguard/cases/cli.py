"""``fundguard cases …``: overdue lists, rectification sweep and clue exchange (thin: parse, call, print)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from fundguard.errors import InputError
from fundguard.timeutil import today

cases_app = typer.Typer(help="案件查办、问题销号与线索交换 cases, rectification, clues", no_args_is_help=True)
SYSTEM = "system"


def _session():
    import fundguard.all_models  # noqa: F401
    from fundguard.db import session_scope

    return session_scope()


def _day(value: str | None) -> date:
    if value is None:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("DATE", f"日期格式应为 YYYY-MM-DD：{value}", field="on") from None


def _echo(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))


@cases_app.command("overdue")
def overdue(on: str | None = typer.Option(None, "--on", help="日期 YYYY-MM-DD，默认今天")) -> None:
    """列出超期案件、逾期整改问题和超期举报（JSON 行）。"""
    from fundguard.cases import service
    from fundguard.cases.models import ProblemItem
    from fundguard.tips import service as tips

    day = _day(on)
    with _session() as session:
        for case, reason in service.overdue(session, day):
            _echo(
                {
                    "type": "case",
                    "no": case.case_no,
                    "status": case.status,
                    "deadline": case.step_deadline,
                    "reason": reason,
                }
            )
        for item in session.query(ProblemItem).filter(ProblemItem.status == "OVERDUE"):
            _echo(
                {
                    "type": "problem",
                    "no": item.problem_no,
                    "institution": item.institution_code,
                    "deadline": item.deadline,
                }
            )
        for tip in tips.overdue(session, day):
            _echo({"type": "tip", "no": tip.tip_no, "status": tip.status, "deadline": tip.step_deadline})


@cases_app.command("sweep-rectification")
def sweep(on: str | None = typer.Option(None, "--on", help="日期 YYYY-MM-DD，默认今天")) -> None:
    """把超过整改期限仍未提交的问题标记为逾期（可每日定时运行）。"""
    from fundguard.cases import rectification
    from fundguard.cases.statemachine import Actor

    with _session() as session:
        items = rectification.sweep_overdue(session, Actor.of(SYSTEM, "admin"), _day(on))
        typer.echo(f"标记逾期 {len(items)} 项 / {len(items)} items marked overdue")


@cases_app.command("clues-import")
def clues_import(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="线索交换文件 .json 或 .xlsx"),
    user: str = typer.Option(SYSTEM, "--user", help="经办人"),
    region: str = typer.Option("", "--region", help="本方区划"),
) -> None:
    """导入外地区/外部门的线索交换文件（格式见 cases/CLUE_EXCHANGE.md）。"""
    from fundguard.cases import exchange
    from fundguard.cases.statemachine import Actor

    data = path.read_bytes()
    try:
        doc = exchange.from_excel(data) if path.suffix.lower() == ".xlsx" else json.loads(data)
    except ValueError:
        raise InputError("EXCHANGE_FILE", f"无法读取线索交换文件：{path}", field="path") from None
    with _session() as session:
        rows = exchange.import_doc(session, Actor.of(user, "case_handler", region=region), doc)
        for clue, merged in rows:
            _echo({"clue_no": clue.clue_no, "merged": merged})


@cases_app.command("clues-export")
def clues_export(
    out: Path = typer.Argument(..., help="输出文件 .json 或 .xlsx"),
    ids: list[int] = typer.Option(..., "--id", help="线索 ID（可多次）"),
    sender_code: str = typer.Option(..., "--sender-code", help="本方区划或部门代码"),
    sender_name: str = typer.Option("", "--sender-name"),
    receiver_code: str = typer.Option("", "--receiver-code"),
) -> None:
    """导出线索交换文件给协作地区或部门。"""
    from fundguard.cases import exchange

    with _session() as session:
        doc = exchange.export(
            session,
            ids,
            {"kind": "region", "code": sender_code, "name": sender_name},
            {"code": receiver_code},
        )
    if out.suffix.lower() == ".xlsx":
        out.write_bytes(exchange.to_excel(doc))
    else:
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(f"已导出 {len(doc['clues'])} 条线索到 {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
