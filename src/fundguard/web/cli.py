"""``fundguard serve``: run the web application with uvicorn."""

from __future__ import annotations

from enum import StrEnum

import typer


class LogLevel(StrEnum):
    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", help="端口"),
    workers: int = typer.Option(1, "--workers", min=1, help="工作进程数"),
    healthcheck_timeout: float = typer.Option(
        60.0, "--worker-healthcheck-timeout", help="多进程时等待工作进程响应的秒数（启动导入较慢时需放宽）"
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1", "--forwarded-allow-ips", help="信任其 X-Forwarded-* 头的反向代理地址（HTTPS 终止）"
    ),
    log_level: LogLevel = typer.Option(LogLevel.info, "--log-level", case_sensitive=False, help="日志级别"),
    access_log: bool = typer.Option(
        True,
        "--access-log/--no-access-log",
        help="逐请求访问日志；每秒上千次事前审核时每天数千万行，可关闭（拦截与覆盖另记审计日志）",
    ),
) -> None:
    """启动网页端与接口服务 Serve the web UI and the API."""
    import uvicorn

    from fundguard.settings import get_settings

    get_settings().effective_secret_key  # noqa: B018 — create the key once, before workers fork
    uvicorn.run(
        "fundguard.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        log_level=log_level.value,
        access_log=access_log,
        timeout_worker_healthcheck=healthcheck_timeout,
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
