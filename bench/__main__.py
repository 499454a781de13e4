"""Benchmark harness (性能基准): ``python -m bench [--quick] [--only NAME]``.

Runs ``run(quick: bool) -> list[dict]`` of every ``bench/bench_*.py`` module. Each result dict has
name, value, unit, baseline_name, baseline_value, ratio, notes. Prints a Rich table and appends a
dated section (date, machine, CPU model, cores) to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import traceback
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
COLUMNS = ("name", "value", "unit", "baseline_name", "baseline_value", "ratio", "notes")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _modules(only: str | None) -> list[Path]:
    files = sorted(HERE.glob("bench_*.py"))
    return [f for f in files if only is None or only in f.stem]


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"bench.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE.parent))
    spec.loader.exec_module(module)
    return module


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="fundguard benchmarks")
    parser.add_argument("--quick", action="store_true", help="small inputs (well under a minute per module)")
    parser.add_argument("--only", help="run only modules whose name contains this")
    args = parser.parse_args(argv)
    console = Console()
    results: list[dict] = []
    failures: list[str] = []
    for path in _modules(args.only):
        console.print(f"[bold]{path.stem}[/bold] …")
        try:
            results.extend(_load(path).run(args.quick))
        except Exception:  # noqa: BLE001 — one broken benchmark must not hide the others
            failures.append(path.stem)
            console.print(traceback.format_exc(), style="red")
    table = Table(title="基准结果 benchmark results" + (" (quick)" if args.quick else ""))
    for col in COLUMNS:
        table.add_column(col, overflow="fold")
    for row in results:
        table.add_row(*(_fmt(row.get(c)) for c in COLUMNS))
    console.print(table)
    _append_results(results, args.quick, failures)
    return 1 if failures else 0


def _append_results(results: list[dict], quick: bool, failures: list[str]) -> None:
    lines = [
        "",
        f"## {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}{' (quick)' if quick else ''}",
        "",
        f"Machine: `{platform.machine()}`, CPU: {_cpu_model()}, cores: {os.cpu_count()}",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(_fmt(r.get(c)).replace("|", "/") for c in COLUMNS) + " |" for r in results]
    if failures:
        lines += ["", f"Failed: {', '.join(failures)}"]
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `python -m bench`.\n", encoding="utf-8")
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
