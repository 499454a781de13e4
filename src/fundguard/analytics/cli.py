"""``fundguard risk`` and ``fundguard analytics …`` commands (数据分析与风险评分)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

console = Console()
analytics_app = typer.Typer(help="数据分析 analytics: 指标、排名、进销存、团伙、评估", no_args_is_help=True)


def risk(
    input_dir: Path = typer.Argument(..., help="输入目录（契约表 CSV/Parquet）input folder"),
    out: Path = typer.Option(..., "--out", help="输出目录 output folder (risk_scores.csv …)"),
    with_rules: bool = typer.Option(
        False,
        "--with-rules",
        help="先运行规则引擎并计入规则命中（较慢）；默认使用输出/输入目录中已有的 findings.csv / "
        "run the rule engine first (slow); by default findings.csv/parquet already in OUT_DIR or INPUT_DIR are used",
    ),
    engine: str = typer.Option(
        "duckdb", "--engine", help="监测指标的计算引擎 engine of the indicator step: duckdb | spark"
    ),
) -> None:
    """计算机构、医师、参保人风险分 Write risk_scores.csv (and overuse_findings.csv, alerts, ranking)."""
    from fundguard.analytics import runner, service
    from fundguard.errors import InputError

    runner.check_engine(engine)  # before reading the input
    if not input_dir.is_dir():
        raise InputError(
            "INPUT_DIR_MISSING", f"输入目录不存在：{input_dir}", f"input folder not found: {input_dir}"
        )
    result, files, how = service.risk_folder(input_dir, out, with_rules=with_rules, engine=engine)
    console.print(f"数据来源 / source: {how}", highlight=False)
    counts = result.scores.groupby("entity_type").size().to_dict()
    console.print(
        f"风险分 {json.dumps(counts, ensure_ascii=False)}；指标预警 {len(result.alerts)} 条；"
        f"过度诊疗线索 {len(result.overuse)} 条；团伙 {len(result.rings.rings)} 个",
        highlight=False,
    )
    for name, path in files.items():
        console.print(f"· {name}: {path}", highlight=False)


@analytics_app.command("evaluate")
def evaluate(
    seed: list[int] = typer.Option(None, "--seed", help="合成城市种子（默认使用未参与调参的种子）"),
    scale: float = typer.Option(1.0, "--scale", help="合成城市规模"),
) -> None:
    """在带标签的合成城市上测量 AUC 与 precision@k / measure accuracy on a labelled city."""
    from fundguard.analytics import evaluate as ev

    for s in seed or list(ev.EVAL_SEEDS):
        res = ev.evaluate_city(s, scale)
        console.print(f"种子 {s}（{res['generator']}，{res['seconds']:.1f}s）", highlight=False)
        console.print(res["metrics"].to_string(index=False), highlight=False)


@analytics_app.command("ring")
def ring(
    input_dir: Path = typer.Argument(..., help="输入目录 input folder"),
    ring_id: str = typer.Argument(..., help="团伙编号，如 R0001"),
) -> None:
    """显示一个团伙的成员、关系与共同就诊日 Print one ring as JSON."""
    from fundguard.analytics import graph, source
    from fundguard.errors import NotFound

    result = graph.find_rings(source.open_folder(input_dir))
    try:
        view = graph.ring_view(result, ring_id)
    except KeyError:
        raise NotFound("RING_NOT_FOUND", f"团伙 {ring_id} 不存在", f"ring {ring_id} not found") from None
    typer.echo(json.dumps(view, ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    app.command("risk")(risk)
    app.add_typer(analytics_app, name="analytics")
