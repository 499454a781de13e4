"""App factory (应用工厂): ``create_app()`` mounts static files, templates, the request guard, the
error handlers and every domain's ``views.router`` that exists.

Domains land one at a time: a module in ``DOMAIN_ROUTERS`` that is not importable yet is skipped,
and a navigation entry whose page no domain serves yet answers a "建设中" page.
"""

from __future__ import annotations

import importlib

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match

import fundguard.all_models  # noqa: F401  (every table known before the first query)
from fundguard.web import errors
from fundguard.web.security import WebGuard, csrf_protect
from fundguard.web.templating import NAV, STATIC_DIR, render

# Routers included in this order (first match wins). Add a domain here once; a missing module
# is skipped, so the list may name domains that have not landed yet.
DOMAIN_ROUTERS = [
    # The pre-check first: hospital systems call it at 1,000 req/s and routes are matched in order.
    "fundguard.precheck.views",
    "fundguard.auth.views",
    "fundguard.web.pages",
    "fundguard.ingest.views",
    "fundguard.rules.views",
    "fundguard.rules.pages",
    "fundguard.scoring.views",
    "fundguard.scoring.pages",
    "fundguard.analytics.views",
    "fundguard.analytics.pages",
    "fundguard.agreements.views",
    "fundguard.agreements.pages",
    "fundguard.cases.views",
    "fundguard.cases.pages",
    "fundguard.inspections.views",
    "fundguard.inspections.pages",
    "fundguard.tips.views",
    "fundguard.tips.pages",
    "fundguard.credit.views",
    "fundguard.credit.pages",
    "fundguard.disclosure.views",
    "fundguard.disclosure.pages",
    "fundguard.calendar_admin.views",
]

# Pure-ASGI lanes in front of the whole app for hot paths (outermost first); a missing module is
# skipped like a missing router.
LANES = ["fundguard.precheck.lane:PrecheckLane"]

API_DESCRIPTION = """医保基金智能监管平台接口。

所有错误以 JSON 返回：`{"code": "...", "message": "<中文说明>", "field": "<出错字段，可选>"}`。
网页接口需登录会话；定点机构系统使用接口密钥（请求头 `X-API-Key`）。"""


def _import_optional(module_name: str, attribute: str):
    """``module.attribute``, or None while the domain's module has not landed."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    return getattr(module, attribute, None)


def _has_get(app: FastAPI, path: str) -> bool:
    scope = {"type": "http", "path": path, "method": "GET", "root_path": "", "headers": []}
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)


def _under_construction(label: str, key: str):
    async def page(request: Request):
        return render(request, "under_construction.html", {"title": label}, active=key)

    return page


def create_app() -> FastAPI:
    app = FastAPI(
        title="医保基金智能监管平台 fundguard",
        description=API_DESCRIPTION,
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        dependencies=[Depends(csrf_protect)],
        # No OpenTelemetry here (the bureau's network has no collector); FastAPI's native telemetry
        # otherwise asks the OTel providers whether they are configured on every request (~25 µs).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    errors.install(app)

    # first: load balancers poll it, and routes are matched in order
    @app.get("/healthz", include_in_schema=False)
    async def healthz():
        return {"status": "ok"}

    for module_name in DOMAIN_ROUTERS:
        router = _import_optional(module_name, "router")
        if router is not None:
            app.include_router(router)

    for item in NAV:
        if not _has_get(app, item.path):
            app.add_api_route(
                item.path,
                _under_construction(item.label, item.key),
                methods=["GET"],
                response_class=HTMLResponse,
                include_in_schema=False,
                name=f"nav_{item.key}",
            )

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    async def docs(request: Request):
        """接口文档: Swagger UI served from vendored files (no CDN)."""
        return render(request, "docs.html")

    app.add_middleware(WebGuard, fastapi_app=app)
    for spec in reversed(LANES):
        lane = _import_optional(*spec.split(":"))
        if lane is not None:
            app.add_middleware(lane)
    return app
