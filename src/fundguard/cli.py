"""The ``fundguard`` command: one sub-command group per domain.

Each domain keeps its commands in ``<domain>/cli.py`` with a ``register(app)`` function, so
adding a command never touches another domain. Exit codes follow the data contract:
0 success, 2 bad usage or unreadable input, 1 internal error.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import sys
import uuid

import typer
from rich.console import Console
from rich.table import Table

from fundguard.errors import FundguardError, InputError

app = typer.Typer(
    name="fundguard",
    help="医保基金智能监管平台 fundguard — medical-insurance fund supervision.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="关系库 relational store", no_args_is_help=True)
profile_app = typer.Typer(help="省级配置 province profiles", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(profile_app, name="profile")

console = Console()
err_console = Console(stderr=True)

# Domains whose ``cli.register(app)`` adds commands; a missing module is skipped so that
# domains can land one at a time.
DOMAIN_CLIS = [
    "fundguard.ingest.cli",
    "fundguard.synth.cli",
    "fundguard.rules.cli",
    "fundguard.scoring.cli",
    "fundguard.cases.cli",
    "fundguard.analytics.cli",
    "fundguard.auth.cli",
    "fundguard.web.cli",
    "fundguard.agreements.cli",
    "fundguard.inspections.cli",
    "fundguard.precheck.cli",
    "fundguard.demo",
]


# Commands that never touch the relational store: no schema check before them.
STORELESS_COMMANDS = {"synth", "profile", "db", None}


@app.callback()
def _prepare_store(ctx: typer.Context) -> None:
    """Bring the store's schema up to date before any command that uses it."""
    if ctx.invoked_subcommand in STORELESS_COMMANDS or ctx.resilient_parsing:
        return
    from fundguard import migrate

    migrate.ensure_current()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """建表/升级关系库 Create or upgrade the relational store schema (Alembic, all heads)."""
    from fundguard import migrate
    from fundguard.settings import get_settings

    migrate.upgrade()
    url = get_settings().effective_database_url
    console.print(f"关系库已升级到最新版本 / store upgraded: {url.split('@')[-1]}")


@profile_app.command("show")
def profile_show(
    profile: str | None = typer.Option(None, "--profile", help="配置名 profiles/<name>.yaml"),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出"),
    key: str | None = typer.Option(None, "--key", help="只显示此前缀下的配置项"),
) -> None:
    """显示生效的配置值及来源 Print the effective profile values with their sources."""
    from fundguard.profiles import ProfileError, load_profile

    try:
        prof = load_profile(profile)
    except ProfileError as exc:
        raise InputError("PROFILE_INVALID", str(exc)) from None
    rows = [r for r in prof.as_rows() if not key or r["key"].startswith(key)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, default=str, indent=2))
        return
    table = Table(title=f"配置 {prof.title} ({prof.name})")
    for col in ("配置项 key", "值 value", "范围 scope", "来源 source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        mark = " *" if r["overridden_by"] else ""
        table.add_row(
            r["key"], json.dumps(r["value"], ensure_ascii=False, default=str) + mark, r["scope"], r["source"]
        )
    console.print(table)


@app.command("verify-log")
def verify_log() -> None:
    """校验审计日志与记分台账哈希链 Verify every hash chain (audit log, points ledger)."""
    import fundguard.all_models  # noqa: F401
    from fundguard.auth import service as audit
    from fundguard.db import session_scope

    for module in ("fundguard.scoring.service",):
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(module)
    with session_scope() as session:
        results = audit.verify_all(session)
    broken = False
    for chain, breaks in results.items():
        if breaks:
            broken = True
            for b in breaks:
                err_console.print(f"[red]链 {chain} 第 {b.seq} 条：{b.reason}[/red]")
        else:
            console.print(f"链 {chain}：完整 / chain intact")
    if broken:
        err_console.print("审计链被篡改 / tampering detected")
        raise typer.Exit(1)


def _register_domains() -> None:
    for module_name in DOMAIN_CLIS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.register(app)


_register_domains()


def main() -> None:
    """Console-script entry: map errors to the contract's exit codes and one-line messages."""
    try:
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except FundguardError as exc:
        err_console.print(
            f"错误 {exc.code}: {exc.message_zh} / {exc.message_en}", highlight=False, soft_wrap=True
        )
        sys.exit(2 if isinstance(exc, InputError) else 1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("已取消 / aborted")
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 — the contract wants exit 1 and no stack trace on the terminal
        usage_error, click_exception = _click_exception_types()
        if isinstance(exc, usage_error):
            exc.show()
            sys.exit(2)
        if isinstance(exc, click_exception):
            exc.show()
            sys.exit(exc.exit_code)
        incident = uuid.uuid4().hex[:12]
        _log_internal_error(incident)
        err_console.print(
            f"内部错误（编号 {incident}，详见日志）/ internal error {incident}: {exc}", soft_wrap=True
        )
        sys.exit(1)


def _click_exception_types() -> tuple[type, type]:
    """Typer may bundle its own copy of click; take the exception classes from the one it uses."""
    try:
        from typer._click import exceptions
    except ImportError:  # typer versions that use the installed click
        from click import exceptions
    return exceptions.UsageError, exceptions.ClickException


def _log_internal_error(incident: str) -> None:
    try:
        from fundguard.settings import get_settings

        logging.basicConfig(filename=get_settings().log_dir / "fundguard.log", level=logging.INFO)
        logging.getLogger("fundguard").exception("internal error %s", incident)
    except Exception:  # noqa: BLE001 — logging must never mask the original error
        pass


if __name__ == "__main__":
    main()
