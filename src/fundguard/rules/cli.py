"""``fundguard audit`` and ``fundguard rules …`` (thin wrappers over ``rules.service``)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fundguard.errors import InputError

console = Console()
rules_app = typer.Typer(help="规则与知识库 rules and knowledge base", no_args_is_help=True)


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            "DATE", f"{name} 不是 YYYY-MM-DD 日期：{value}", f"{name} is not a date: {value}"
        ) from None


def _session():
    import fundguard.all_models  # noqa: F401
    from fundguard.db import session_scope

    return session_scope()


def audit_command(
    input_dir: Path | None = typer.Argument(None, help="输入目录（含合同表则先接入），省略则审核数据湖"),
    out: Path = typer.Option(..., "--out", help="输出目录 findings.parquet / findings.csv"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb | spark"),
    rules: str | None = typer.Option(None, "--rules", help="规则编码、类别或规则集，逗号分隔"),
    since: str | None = typer.Option(None, "--since", help="费用发生日期起 YYYY-MM-DD"),
    until: str | None = typer.Option(None, "--until", help="费用发生日期止 YYYY-MM-DD"),
) -> None:
    """批量审核 Batch audit: run the rule library and write the findings files."""
    from fundguard.rules import service
    from fundguard.rules.registry import codes_for

    if engine not in ("duckdb", "spark"):
        raise InputError("ENGINE", f"未知引擎 {engine}（duckdb|spark）", f"unknown engine {engine}")
    codes_for(rules)  # validate the selector before any work
    d_since, d_until = _date(since, "--since"), _date(until, "--until")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        from fundguard.rules.registry import TEMPLATES

        task = bar.add_task("审核 audit", total=len(TEMPLATES) + 1)

        def tick(step: str) -> None:
            bar.update(task, advance=1, description=f"审核 audit: {step}")

        result = service.audit(input_dir, out, engine, rules, d_since, d_until, tick)
    table = Table(title=f"规则命中汇总（按类别） findings by category — 共 {result.findings.num_rows} 条")
    for col in ("类别 category", "条数 n", "金额 amount"):
        table.add_column(col)
    for r in result.by_category:
        table.add_row(r["category"], str(r["n"]), f"{r['amount']:.2f}")
    console.print(table)
    table = Table(title="按机构 by institution")
    for col in ("机构 fixmedins_code", "条数 n", "金额 amount"):
        table.add_column(col)
    for r in result.by_institution[:20]:
        table.add_row(r["fixmedins_code"] or "", str(r["n"]), f"{r['amount']:.2f}")
    console.print(table)
    console.print(
        f"已写出 / written: {result.out_dir / 'findings.parquet'}, {result.out_dir / 'findings.csv'}"
    )


@rules_app.command("import")
def import_command(
    source: str = typer.Option("all", "--source", help="national | medimodel | all"),
    version: str | None = typer.Option(None, "--version", help="版本号（默认为源文件内容哈希）"),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出"),
) -> None:
    """导入知识库 Import the national / MediModel rule tables as a versioned knowledge base."""
    from fundguard.rules import service

    with _session() as session:
        report = service.import_knowledge(session, source, version)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    table = Table(title="知识库导入报告 knowledge import")
    for col in ("规则集", "源表 source", "读取", "生成知识点", "拒绝", "规则编码", "状态", "说明"):
        table.add_column(col, overflow="fold")
    for r in report:
        table.add_row(
            r["rule_set"],
            r["source_file"].split("/")[-1],
            str(r["rows_read"]),
            str(r["rules_created"]),
            str(r["rejected"]),
            ",".join(r["rule_codes"]),
            r["status"],
            ("" if r["enabled"] else "未启用：") + r["note"],
        )
    console.print(table)
    for r in report:
        for rej in r["rejections"]:
            console.print(f"[yellow]拒绝 rejected[/yellow] {rej['file']} 第{rej['row']}行: {rej['reason']}")


@rules_app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json")) -> None:
    """列出规则 List rule codes with category, set, template, default state and knowledge rows."""
    from fundguard.rules import service
    from fundguard.rules.registry import RULES

    with _session() as session:
        try:
            counts = service.knowledge_counts(session)
        except Exception:  # noqa: BLE001 — store not migrated/imported yet: list without counts
            counts = {}
        settings = service.region_settings(session) if counts else []
    rows = [
        {
            "rule_code": c,
            "category": r.category,
            "rule_set": r.rule_set,
            "template": r.template,
            "title": r.title,
            "enabled": r.enabled,
            "knowledge_rows": counts.get(c, 0),
            "regions": {s["region"] or "*": s["enabled"] for s in settings if s["rule_code"] == c},
            "disabled_reason": r.disabled_reason,
        }
        for c, r in RULES.items()
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="规则清单 rules")
    for col in ("编码", "类别", "规则集", "模板", "名称", "默认启用", "知识点", "地区开关"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["rule_code"],
            r["category"],
            r["rule_set"],
            r["template"],
            r["title"],
            "是" if r["enabled"] else "否",
            str(r["knowledge_rows"]),
            json.dumps(r["regions"], ensure_ascii=False),
        )
    console.print(table)


@rules_app.command("show")
def show_command(code: str = typer.Argument(..., help="规则编码，如 GEN-N01")) -> None:
    """显示规则文档 Print the rule's Chinese doc page."""
    from fundguard.rules import docs

    typer.echo(docs.rule_markdown(code.upper()))


@rules_app.command("docs")
def docs_command(out: Path = typer.Argument(..., help="输出目录")) -> None:
    """生成规则文档 Build the rule catalog (index + one page per code, Markdown and HTML)."""
    from fundguard.rules import docs

    n = docs.build(out)
    console.print(f"已生成 {n} 个规则页面 / wrote {n} pages to {out}")


@rules_app.command("enable")
def enable_command(
    code: str, region: str = typer.Option("", "--region", help="医保区划 ADMDVS，省略为全部")
) -> None:
    """启用规则（可按地区）Enable a rule, optionally for one region."""
    from fundguard.rules import service

    with _session() as session:
        service.set_enabled(session, code.upper(), True, region)
    console.print(f"已启用 {code.upper()} {region or '（全部地区）'}")


@rules_app.command("disable")
def disable_command(
    code: str, region: str = typer.Option("", "--region", help="医保区划 ADMDVS，省略为全部")
) -> None:
    """停用规则（可按地区）Disable a rule, optionally for one region."""
    from fundguard.rules import service

    with _session() as session:
        service.set_enabled(session, code.upper(), False, region)
    console.print(f"已停用 {code.upper()} {region or '（全部地区）'}")


@rules_app.command("verdict")
def verdict_command(
    finding_id: str,
    verdict: str = typer.Argument(..., help="confirmed | rejected"),
    reason: str = typer.Option("", "--reason", help="驳回理由"),
) -> None:
    """记录复核结论 Record a reviewer verdict on a finding."""
    from fundguard.rules import service

    with _session() as session:
        service.record_verdict(session, finding_id, verdict, reason)
    console.print(f"已记录 {finding_id}: {verdict}")


@rules_app.command("stats")
def stats_command(as_json: bool = typer.Option(False, "--json")) -> None:
    """规则效果统计 Per rule: hits, confirmed, rejected, precision, amount, pre-check override rate."""
    from fundguard.rules import service

    with _session() as session:
        rows = service.stats(session)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="规则效果 rule stats")
    for col in ("编码", "命中", "确认", "驳回", "准确率", "金额", "事前反馈", "坚持率"):
        table.add_column(col)
    for r in rows:
        prec = "-" if r["precision"] is None else f"{r['precision']:.2%}"
        over = "-" if r["override_rate"] is None else f"{r['override_rate']:.2%}"
        table.add_row(
            r["rule_code"],
            str(r["hits"]),
            str(r["confirmed"]),
            str(r["rejected"]),
            prec,
            r["amount"],
            str(r["feedback"]),
            over,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)
    app.add_typer(rules_app, name="rules")


@rules_app.command("backtest")
def backtest_command(
    candidate: Path = typer.Option(..., "--candidate", help="候选规则 YAML（rules: [...], params: {...}）"),
    since: str | None = typer.Option(None, "--since"),
    until: str | None = typer.Option(None, "--until"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """回测候选规则 Run candidate rule params over the lake: added/removed findings and amount delta."""
    from fundguard.rules import service

    with _session() as session:
        service.ensure_imported(session)
    with _session() as session:
        result = service.backtest(session, candidate, _date(since, "--since"), _date(until, "--until"))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    console.print(
        f"当前版本命中 {result['before']} 条，候选命中 {result['after']} 条；新增 {len(result['added'])}，"
        f"减少 {len(result['removed'])}，金额变化 {result['amount_delta']} 元"
    )
    table = Table(title="新增/减少 added/removed")
    for col in ("变化", "规则", "就诊", "明细", "金额"):
        table.add_column(col)
    for mark, items in (("+", result["added"]), ("-", result["removed"])):
        for r in items[:50]:
            table.add_row(mark, r["rule_code"], r["mdtrt_id"], r["feedetl_sn"], r["amount"])
    console.print(table)


@rules_app.command("import-local")
def import_local_command(
    path: Path = typer.Argument(
        ..., help="地方规则 YAML（rules: [{code: XXX-L01, template, category, rows}]）"
    ),
    region: str = typer.Option("", "--region", help="适用的医保区划前缀，如 3204；默认全辖区"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """导入地方规则 Store a bureau's local rules (validated at load) as a new version of the local set."""
    from fundguard.rules import service

    with _session() as session:
        result = service.import_local(session, path, region)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    state = "已导入" if result["status"] == "imported" else "内容未变，沿用现有版本"
    console.print(
        f"地方规则 {result['version']}：{state}，规则 {result['rules']} 条，知识点 {result['rows']} 行"
    )
