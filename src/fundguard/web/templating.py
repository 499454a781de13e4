"""Jinja2 templates shared by every domain's views: ``render(request, "auth/login.html", {...})``.

Each domain keeps its templates in a folder of ``web/templates/`` named after it. The base layout
(``base.html``) gets the user, role, region, CSRF token and the navigation from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates

from fundguard.auth.service import ROLES
from fundguard.timeutil import format_time

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
PLATFORM_NAME = "医保基金智能监管平台"

STAFF_ROLES = ("admin", "supervisor", "auditor", "inspector", "leader")
ALL_ROLES = (*STAFF_ROLES, "institution")


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    path: str
    roles: tuple[str, ...] = ALL_ROLES


# Left navigation (左侧导航). Pages not built yet answer a "建设中" page (see app.py).
NAV: list[NavItem] = [
    NavItem("overview", "总览", "/"),
    NavItem("findings", "规则命中", "/findings"),
    NavItem("rules", "规则库", "/rules", STAFF_ROLES),
    NavItem("audit_runs", "审核批次", "/audit-runs", STAFF_ROLES),
    NavItem("analytics", "风险分析", "/analytics", STAFF_ROLES),
    NavItem("clues", "线索管理", "/clues", STAFF_ROLES),
    NavItem("cases", "案件办理", "/cases", STAFF_ROLES),
    NavItem("rectification", "问题整改", "/rectification"),
    NavItem("tips", "举报管理", "/tips", STAFF_ROLES),
    NavItem("agreements", "协议管理", "/agreements"),
    NavItem("inspections", "监督检查", "/inspections"),
    NavItem("credit", "信用管理", "/credit", STAFF_ROLES),
    NavItem("disclosure", "信息公开", "/disclosure", STAFF_ROLES),
    NavItem("scoring", "记分管理", "/points"),
    NavItem("ingest", "数据接入", "/ingest-runs", STAFF_ROLES),
    NavItem("quarantine", "隔离区", "/quarantine"),
    NavItem("audit", "审计日志", "/audit", ("admin",)),
    NavItem("users", "用户管理", "/users", ("admin",)),
]

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters["fmt_time"] = lambda v: format_time(v) if v else ""
templates.env.filters["json_pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=2, default=str)
templates.env.globals["ROLES"] = ROLES
templates.env.globals["PLATFORM_NAME"] = PLATFORM_NAME


def nav_for(user) -> list[NavItem]:
    if user is None:
        return []
    return [item for item in NAV if user.role in item.roles]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    active: str = "",
):
    state = request.scope.get("state", {})
    user = state.get("user")
    ctx = {
        "user": user,
        "csrf_token": state.get("csrf_token") or "",
        "request_id": state.get("request_id", ""),
        "nav": nav_for(user),
        "active": active,
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)


@dataclass
class Page:
    """One page of a listing: ``Page.of(total, page, size)``."""

    number: int
    size: int
    total: int

    @classmethod
    def of(cls, total: int, page: int, size: int) -> Page:
        pages = max(1, -(-total // size))
        return cls(min(max(1, page), pages), size, total)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def query_without(request: Request, *drop: str, **updates: Any) -> str:
    """The current query string with ``drop`` removed and ``updates`` applied (pagination links)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in drop and k not in updates]
    params += [(k, str(v)) for k, v in updates.items()]
    from urllib.parse import urlencode

    return urlencode(params)


templates.env.globals["query_without"] = query_without
