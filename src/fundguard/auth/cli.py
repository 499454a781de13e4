"""``fundguard users …`` and ``fundguard apikey …``: user accounts and institution API keys."""

from __future__ import annotations

import getpass
import secrets

import typer
from rich.console import Console
from rich.table import Table

from fundguard.errors import InputError

console = Console()
users_app = typer.Typer(help="用户管理 users", no_args_is_help=True)
apikey_app = typer.Typer(help="接口密钥 API keys for institution systems", no_args_is_help=True)


def _ask_password(password: str | None) -> str:
    if password:
        return password
    first = getpass.getpass("新密码 / new password: ")
    second = getpass.getpass("再次输入 / repeat: ")
    if first != second:
        raise InputError("PASSWORD_MISMATCH", "两次输入的密码不一致", "passwords differ", "password")
    return first


@users_app.command("create")
def users_create(
    username: str = typer.Argument(..., help="用户名"),
    role: str = typer.Option(
        ..., "--role", help="角色 admin|supervisor|auditor|inspector|institution|leader"
    ),
    region: str = typer.Option("", "--region", help="数据范围：医保区划前缀，如 32 或 3204；空为全国"),
    institution: str | None = typer.Option(
        None, "--institution", help="定点机构编码（institution 角色必填）"
    ),
    display_name: str = typer.Option("", "--name", help="姓名/显示名"),
    password: str | None = typer.Option(None, "--password", help="密码（不给则提示输入）"),
) -> None:
    """创建用户 Create a user."""
    import fundguard.all_models  # noqa: F401
    from fundguard.auth import service
    from fundguard.db import session_scope

    pwd = _ask_password(password)
    with session_scope() as session:
        user = service.create_user(
            session,
            username,
            pwd,
            role,
            region=region,
            fixmedins_code=institution,
            display_name=display_name,
            actor="cli",
        )
        console.print(
            f"已创建用户 {user.username}（{service.ROLES[user.role]}，范围 {user.region or '全国'}）"
        )


@users_app.command("reset")
def users_reset(
    username: str = typer.Argument(..., help="用户名"),
    password: str | None = typer.Option(None, "--password", help="新密码（不给则生成一次性随机密码）"),
    prompt: bool = typer.Option(False, "--prompt", help="提示输入新密码"),
) -> None:
    """重置密码并解除锁定 Reset a password (and clear a lockout)."""
    import fundguard.all_models  # noqa: F401
    from fundguard.auth import service
    from fundguard.db import session_scope

    generated = None
    if prompt:
        password = _ask_password(None)
    elif not password:
        generated = "Fg-" + secrets.token_urlsafe(12) + "9a"
        password = generated
    with session_scope() as session:
        service.reset_password(session, username, password, actor="cli")
    console.print(f"已重置用户 {username} 的密码并解除锁定")
    if generated:
        typer.echo(f"新密码 / new password: {generated}")


@users_app.command("list")
def users_list() -> None:
    """列出用户 List users."""
    import fundguard.all_models  # noqa: F401
    from fundguard.auth import service
    from fundguard.db import session_scope
    from fundguard.timeutil import format_time, localize, now

    table = Table(title="用户")
    for col in ("用户名", "姓名", "角色", "数据范围", "定点机构", "状态"):
        table.add_column(col)
    with session_scope() as session:
        for u in service.list_users(session):
            locked = u.locked_until is not None and localize(u.locked_until) > now()
            state = (
                "停用" if not u.active else (f"锁定至 {format_time(u.locked_until)}" if locked else "正常")
            )
            table.add_row(
                u.username,
                u.display_name,
                f"{u.role} {service.ROLES.get(u.role, '')}",
                u.region or "全国",
                u.fixmedins_code or "",
                state,
            )
    console.print(table)


@apikey_app.command("create")
def apikey_create(
    fixmedins_code: str = typer.Argument(..., help="定点机构编码"),
    label: str = typer.Option("", "--label", help="说明（如 HIS 系统名称）"),
) -> None:
    """签发接口密钥（只显示一次）Issue an API key for one institution; printed once, stored hashed."""
    import fundguard.all_models  # noqa: F401
    from fundguard.auth import service
    from fundguard.db import session_scope

    with session_scope() as session:
        raw, key = service.create_api_key(session, fixmedins_code, actor="cli", label=label)
        key_id = key.id
    console.print(
        f"已为定点机构 {fixmedins_code} 签发接口密钥（编号 {key_id}），请妥善保存，仅显示一次：",
        highlight=False,
    )
    typer.echo(raw)


@apikey_app.command("revoke")
def apikey_revoke(key_id: int = typer.Argument(..., help="密钥编号")) -> None:
    """吊销接口密钥 Revoke an API key."""
    import fundguard.all_models  # noqa: F401
    from fundguard.auth import service
    from fundguard.db import session_scope

    with session_scope() as session:
        service.revoke_api_key(session, key_id, actor="cli")
    console.print(f"已吊销接口密钥 {key_id}")


@apikey_app.command("list")
def apikey_list() -> None:
    """列出接口密钥 List API keys (never the keys themselves)."""
    import fundguard.all_models  # noqa: F401
    from fundguard.auth import service
    from fundguard.db import session_scope
    from fundguard.timeutil import format_time

    table = Table(title="接口密钥")
    for col in ("编号", "前缀", "定点机构", "说明", "签发人", "签发时间", "状态"):
        table.add_column(col)
    with session_scope() as session:
        for k in service.list_api_keys(session):
            table.add_row(
                str(k.id),
                k.prefix,
                k.fixmedins_code,
                k.label,
                k.created_by,
                format_time(k.created_at),
                "已吊销" if k.revoked_at else "有效",
            )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(apikey_app, name="apikey")
