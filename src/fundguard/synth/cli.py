"""``fundguard synth``: write a labelled synthetic city (合成数据城市) as a contract input folder."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fundguard.contract import VIOLATION_CATEGORIES
from fundguard.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth(
        out_dir: Path = typer.Argument(..., help="输出目录 output folder"),
        scale: float = typer.Option(1.0, "--scale", help="规模，1 ≈ 30 家医院、2 万参保人、30 万条费用明细"),
        seed: int = typer.Option(0, "--seed", help="随机种子 random seed (same seed → same files)"),
        fmt: str = typer.Option("parquet", "--format", help="parquet 或 csv"),
        violation_rate: float | None = typer.Option(
            None, "--violation-rate", help="注入违规的就诊比例 share of visits"
        ),
    ) -> None:
        """生成带标注的合成城市数据 Generate a labelled synthetic city (contract tables + labels.csv)."""
        from fundguard.synth.service import FORMATS, generate

        if fmt not in FORMATS:
            raise InputError(
                "SYNTH_FORMAT",
                f"--format 只能是 parquet 或 csv：{fmt}",
                f"--format must be parquet or csv: {fmt}",
            )
        console = Console()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task("合成城市 synth", total=1.0)

            def tick(stage: str, fraction: float) -> None:
                bar.update(task, completed=fraction, description=stage)

            summary = generate(
                out_dir, scale=scale, seed=seed, fmt=fmt, violation_rate=violation_rate, progress=tick
            )
        rows = Table(title=f"输出 {summary.out_dir}（seed {summary.seed}, scale {summary.scale}）")
        rows.add_column("表 table")
        rows.add_column("行数 rows", justify="right")
        for name, n in summary.rows.items():
            rows.add_row(name, f"{n:,}")
        console.print(rows)
        labels = Table(title=f"注入违规 labels（比例 {summary.violation_rate}）")
        labels.add_column("类别 category")
        labels.add_column("中文")
        labels.add_column("标注 labels", justify="right")
        for cat, n in summary.labels.items():
            labels.add_row(cat, VIOLATION_CATEGORIES[cat], str(n))
        console.print(labels)
        console.print(f"完成，用时 {summary.seconds:.1f} 秒 / done in {summary.seconds:.1f} s")
