"""``fundguard demo``: from nothing to a running, audited synthetic city (演示).

Steps: create the store → generate a labelled synthetic city → ingest it → import the rule
knowledge and audit → compute risk scores → play a bureau's first weeks of work on the results
(reviews, clues, cases, tips, agreements, inspections, credit: ``demo_workflows``) → create one
demo login per role → serve the web app and print its URL and the logins. Every step uses the
same services as the real commands.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()

DEMO_USERS = [
    ("admin", "admin", "系统管理员", "", None),
    ("supervisor", "supervisor", "监管人员（市级）", "3204", None),
    ("auditor", "auditor", "审核稽核人员", "3204", None),
    ("inspector", "inspector", "执法检查人员", "3204", None),
    ("leader", "leader", "只读领导", "3204", None),
]


DEMO_COUNT_LABELS = {
    "verdicts": "复核结论",
    "clues": "线索",
    "cases": "案件",
    "evidence": "证据",
    "points": "记分",
    "problems": "整改问题",
    "publications": "信息公开",
    "credit_events": "信用事件",
    "tips": "举报",
    "agreements": "服务协议",
    "applications": "定点申请",
    "inspectors": "执法人员",
    "random_plans": "双随机计划",
    "flight_plans": "飞行检查",
    "self_checks": "自查任务",
    "credit_evaluations": "信用评价",
}


def _demo_password() -> str:
    return "Demo-" + secrets.token_hex(4)


def _create_demo_users(first_institution: str | None) -> list[tuple[str, str, str]]:
    """Create (or reset) one login per role; returns (username, password, role label)."""
    import fundguard.all_models  # noqa: F401
    from fundguard.auth import service as auth
    from fundguard.db import session_scope

    users = list(DEMO_USERS)
    if first_institution:
        users.append(("hospital", "institution", "定点机构用户", "3204", first_institution))
    created = []
    with session_scope() as session:
        for username, role, label, region, code in users:
            password = _demo_password()
            if auth.get_user(session, username) is None:
                auth.create_user(
                    session, username, password, role, region=region, fixmedins_code=code, actor="demo"
                )
            else:
                auth.reset_password(session, username, password, actor="demo")
            created.append((username, password, label))
    return created


def _first_hospital(city: Path) -> str | None:
    import duckdb

    for name in ("fixmedins.parquet", "fixmedins.csv"):
        path = city / name
        if path.exists():
            reader = "read_parquet" if name.endswith(".parquet") else "read_csv"
            rows = duckdb.sql(
                f"SELECT fixmedins_code FROM {reader}('{path}') WHERE fixmedins_type = '1' ORDER BY 1 LIMIT 1"
            ).fetchall()
            return rows[0][0] if rows else None
    return None


def demo(
    scale: float = typer.Option(0.3, "--scale", help="合成城市规模（1 ≈ 30 家机构、30 万条费用明细）"),
    seed: int = typer.Option(2026, "--seed", help="随机种子"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="完成后启动网页端"),
) -> None:
    """演示：生成合成城市、接入、审核、评分并启动网页端 Generate, load, audit and serve a synthetic city."""
    from fundguard import migrate
    from fundguard.ingest.service import ingest_folder
    from fundguard.settings import get_settings
    from fundguard.synth.service import generate

    settings = get_settings()
    home = settings.home_dir
    console.rule("fundguard 演示 demo")
    migrate.upgrade()
    console.print(f"[1/7] 关系库就绪 store ready: {settings.effective_database_url.split('@')[-1]}")

    city = home / "demo-city"
    summary = generate(city, scale=scale, seed=seed)
    console.print(
        f"[2/7] 合成城市 synthetic city → {city}: {summary.rows.get('fee_list', 0)} 条费用明细, "
        f"{sum(summary.labels.values())} 条注入违规"
    )

    report = ingest_folder(city, actor="demo")
    loaded = sum(t.loaded for t in report.tables.values())
    quarantined = sum(t.quarantined for t in report.tables.values())
    console.print(f"[3/7] 接入 ingest: {loaded} 行入湖, {quarantined} 行隔离")

    from fundguard.rules import service as rules

    result = rules.audit(None, home / "demo-out", actor="demo")
    console.print(f"[4/7] 审核 audit: {result.findings.num_rows} 条规则命中 → {home / 'demo-out'}")

    from fundguard.analytics import service as analytics

    analysis, files, _ = analytics.risk_folder(None, home / "demo-out")
    console.print(
        f"[5/7] 风险评分 risk scores: {len(analysis.scores)} 个对象, {len(analysis.alerts)} 条指标预警 → "
        f"{files.get('risk_scores', home / 'demo-out')}"
    )

    from fundguard import demo_workflows

    with console.status("[6/7] 演示业务数据 demo workflows …") as status:
        counts = demo_workflows.seed(
            city, progress=lambda step: status.update(f"[6/7] 演示业务数据 {step} …")
        )
    console.print(
        "[6/7] 演示业务数据 demo workflows: "
        + "，".join(f"{DEMO_COUNT_LABELS.get(k, k)} {v}" for k, v in counts.items())
    )

    logins = _create_demo_users(_first_hospital(city))
    table = Table(title=f"演示账号 demo logins — http://{host}:{port}/login")
    for col in ("用户名 username", "密码 password", "角色 role"):
        table.add_column(col)
    for username, password, label in logins:
        table.add_row(username, password, label)
    console.print(table)
    (home / "demo-logins.txt").write_text(
        "\n".join(f"{u}\t{p}\t{label}" for u, p, label in logins) + "\n", encoding="utf-8"
    )
    console.print(f"[7/7] 网页端 web app: http://{host}:{port}/  （账号另存于 {home / 'demo-logins.txt'}）")
    if serve:
        import uvicorn

        uvicorn.run("fundguard.web.app:create_app", factory=True, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
