"""Web pages of the rules domain: 规则命中 (findings list, detail, verdicts, Excel export),
规则库 (catalog with per-region switches, versions, precision, backtests) and 审核批次 (audit runs).

Every finding page is scoped (``rules.findings``): institution users see their own institution's
findings and may answer them; staff see their region. Verdicts are given by reviewer roles only.
"""

from __future__ import annotations

import io
import logging
import tempfile
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from markdown_it import MarkdownIt
from openpyxl import Workbook
from sqlalchemy import func, select

from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.contract import VIOLATION_CATEGORIES
from fundguard.db import session_scope
from fundguard.errors import InputError, NotFound
from fundguard.rules import docs, findings, service
from fundguard.rules.models import AuditRun, BacktestRun, Finding, RuleRegionSetting
from fundguard.rules.registry import RULES, SET_TITLES, RuleDef
from fundguard.settings import get_settings
from fundguard.web.security import request_id, require_roles
from fundguard.web.templating import ALL_ROLES, STAFF_ROLES, Page, render

router = APIRouter()
log = logging.getLogger(__name__)
PAGE_SIZE = 50
EXPORT_LIMIT = 50000
REVIEWER_ROLES = ("admin", "supervisor", "auditor", "inspector")
RULE_ADMIN_ROLES = ("admin", "supervisor")
AUDIT_RUNNER_ROLES = ("admin", "supervisor", "auditor")
STATUS_RUN_LABELS = {"running": "运行中", "finished": "已完成", "failed": "失败"}
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def _filters(
    rule_code: str = "",
    category: str = "",
    severity: str = "",
    fixmedins_code: str = "",
    prac_psn_code: str = "",
    psn_no: str = "",
    status: str = "",
    month: str = "",
    run_id: str = "",
    min_amount: str = "",
    sort: str = "amount",
) -> findings.FindingFilters:
    return findings.FindingFilters(
        rule_code,
        category,
        severity,
        fixmedins_code,
        prac_psn_code,
        psn_no,
        status,
        month,
        run_id,
        min_amount,
        sort,
    ).cleaned()


# --- 规则命中 ----------------------------------------------------------------------------------


@router.get("/findings", response_class=HTMLResponse, include_in_schema=False)
def findings_list(
    request: Request,
    page: int = Query(1, ge=1),
    f: findings.FindingFilters = Depends(_filters),
    user: User = Depends(require_roles(*ALL_ROLES)),
):
    with session_scope() as session:
        total, amount = findings.count(session, user, f)
        pg = Page.of(total, page, PAGE_SIZE)
        items = findings.rows(session, user, f, pg.offset, pg.size)
        months = [
            m
            for (m,) in session.execute(
                findings.scoped(user, select(Finding.visit_month).select_from(Finding).distinct())
            )
            if m
        ]
    return render(
        request,
        "rules/findings.html",
        {
            "items": items,
            "page": pg,
            "filters": f,
            "total_amount": amount,
            "categories": VIOLATION_CATEGORIES,
            "statuses": findings.STATUS_LABELS,
            "severities": findings.SEVERITY_LABELS,
            "sorts": findings.SORT_LABELS,
            "months": sorted(months, reverse=True),
            "rule_codes": sorted(RULES),
            "export_query": "&".join(f"{k}={v}" for k, v in f.as_query().items()),
        },
        active="findings",
    )


EXPORT_HEADERS = (
    ("finding_id", "命中编号"),
    ("rule_code", "规则编码"),
    ("category_zh", "违规类别"),
    ("severity_zh", "级别"),
    ("fixmedins_code", "定点机构编码"),
    ("fixmedins_name", "定点机构名称"),
    ("prac_psn_code", "医师编码"),
    ("psn_no", "人员编号"),
    ("mdtrt_id", "就诊ID"),
    ("setl_id", "结算ID"),
    ("feedetl_sn", "明细流水号"),
    ("visit_month", "就诊月份"),
    ("amount", "金额（元）"),
    ("message", "说明"),
    ("status_zh", "复核状态"),
    ("run_id", "审核批次"),
)


@router.get("/findings/export.xlsx", include_in_schema=False)
def findings_export(
    request: Request,
    f: findings.FindingFilters = Depends(_filters),
    user: User = Depends(require_roles(*ALL_ROLES)),
):
    """导出筛选后的规则命中（Excel，最多 5 万行）；导出记入审计日志。"""
    wb = Workbook()
    ws = wb.active
    ws.title = "规则命中"
    ws.append([label for _, label in EXPORT_HEADERS])
    with session_scope() as session:
        items = findings.rows(session, user, f, 0, EXPORT_LIMIT)
        for item in items:
            ws.append([float(item[k]) if k == "amount" else item[k] for k, _ in EXPORT_HEADERS])
            ws.cell(row=ws.max_row, column=13).number_format = "0.00"
        auth.record(
            session,
            user.username,
            "findings.export",
            "finding",
            "",
            {"filters": f.as_query(), "rows": len(items)},
            region=user.region,
            request_id=request_id(request),
        )
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    name = f"findings-{date.today().isoformat()}.xlsx"
    return StreamingResponse(
        buffer,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _finding_page(request: Request, user: User, finding_id: str, error: str = "", status_code: int = 200):
    with session_scope() as session:
        item = findings.get(session, user, finding_id)
        session.expunge_all()
    context = findings.visit_context(item["mdtrt_id"], masked=not auth.sees_identifiers(user))
    rule = RULES.get(item["rule_code"])
    try:
        doc_html = _markdown.render(docs.rule_markdown(item["rule_code"]))
    except NotFound:
        doc_html = ""
    return render(
        request,
        "rules/finding.html",
        {
            "item": item,
            "rule": rule,
            "doc_html": doc_html,
            "visit": context["visit"],
            "settlements": context["settlements"],
            "fees": context["fees"],
            "fee_columns": findings.FEE_COLUMNS,
            "visit_columns": findings.VISIT_COLUMNS,
            "can_review": user.role in REVIEWER_ROLES,
            "can_respond": user.role == "institution",
            "error": error,
            "saved": request.query_params.get("saved", ""),
        },
        status_code=status_code,
        active="findings",
    )


@router.get("/findings/{finding_id}", response_class=HTMLResponse, include_in_schema=False)
def finding_detail(request: Request, finding_id: str, user: User = Depends(require_roles(*ALL_ROLES))):
    return _finding_page(request, user, finding_id)


@router.post("/findings/{finding_id}/verdict", response_class=HTMLResponse, include_in_schema=False)
def finding_verdict(
    request: Request,
    finding_id: str,
    verdict: str = Form(...),
    reason: str = Form(""),
    user: User = Depends(require_roles(*REVIEWER_ROLES)),
):
    """确认或驳回一条规则命中（驳回须写理由）；结论计入规则准确率。"""
    try:
        with session_scope() as session:
            findings.get(session, user, finding_id)
            service.record_verdict(session, finding_id, verdict, reason.strip(), actor=user.username)
    except InputError as exc:
        return _finding_page(request, user, finding_id, error=exc.message_zh, status_code=422)
    return RedirectResponse(f"/findings/{finding_id}?saved=verdict", status_code=303)


@router.post("/findings/{finding_id}/response", response_class=HTMLResponse, include_in_schema=False)
def finding_response(
    request: Request,
    finding_id: str,
    text: str = Form(""),
    user: User = Depends(require_roles("institution")),
):
    """定点机构对本机构规则命中的说明（申辩）。"""
    try:
        with session_scope() as session:
            findings.respond(session, user, finding_id, text, request_id(request))
    except InputError as exc:
        return _finding_page(request, user, finding_id, error=exc.message_zh, status_code=422)
    return RedirectResponse(f"/findings/{finding_id}?saved=response", status_code=303)


# --- 规则库 ------------------------------------------------------------------------------------


def _all_rules(session) -> dict[str, RuleDef]:
    """The registry's rules and the current local set's rules (地方规则, imported from YAML)."""
    out = dict(RULES)
    for r in service.local_rules(session):
        out[r.rule_code] = RuleDef(r.rule_code, "local", r.template, r.category, r.title, r.severity)
    return out


def _local_doc(session, rule_code: str) -> str:
    rule = next(r for r in service.local_rules(session) if r.rule_code == rule_code)
    region = rule.params.get("region") or "全辖区"
    return (
        f"# {rule_code} {rule.title}\n\n地方规则（{SET_TITLES['local']}），模板 `{rule.template}`，"
        f"来源文件 `{rule.params.get('source_file', '')}`，适用医保区划：{region}。\n"
    )


def _region_switches(session, region: str) -> dict[str, bool]:
    """Effective per-rule switch for ``region``: the longest matching region prefix wins."""
    best: dict[str, tuple[int, bool]] = {}
    for s in session.execute(select(RuleRegionSetting)).scalars():
        if region.startswith(s.region) and len(s.region) >= best.get(s.rule_code, (-1, True))[0]:
            best[s.rule_code] = (len(s.region), s.enabled)
    return {code: enabled for code, (_, enabled) in best.items()}


@router.get("/rules", response_class=HTMLResponse, include_in_schema=False)
def rule_catalog(
    request: Request,
    category: str = "",
    rule_set: str = "",
    user: User = Depends(require_roles(*STAFF_ROLES)),
):
    with session_scope() as session:
        stats = {s["rule_code"]: s for s in service.stats(session)}
        counts = service.knowledge_counts(session)
        switches = _region_switches(session, user.region)
        versions = service.versions(session)
        backtests = list(
            session.execute(select(BacktestRun).order_by(BacktestRun.id.desc()).limit(20)).scalars()
        )
        all_rules = _all_rules(session)
        session.expunge_all()
    rules = []
    for code, r in all_rules.items():
        if (category and r.category != category) or (rule_set and r.rule_set != rule_set):
            continue
        enabled = switches.get(code, r.enabled)
        rules.append(
            {
                "def": r,
                "category_zh": VIOLATION_CATEGORIES.get(r.category, r.category),
                "knowledge_rows": counts.get(code, 0),
                "enabled": enabled and r.template != "none",
                "overridden": code in switches,
                "stats": stats.get(code, {}),
            }
        )
    return render(
        request,
        "rules/catalog.html",
        {
            "rules": rules,
            "versions": versions,
            "backtests": backtests,
            "categories": VIOLATION_CATEGORIES,
            "rule_sets": SET_TITLES,
            "filters": {"category": category, "rule_set": rule_set},
            "can_manage": user.role in RULE_ADMIN_ROLES,
        },
        active="rules",
    )


@router.get("/rules/backtests/{backtest_id}", response_class=HTMLResponse, include_in_schema=False)
def backtest_page(request: Request, backtest_id: int, user: User = Depends(require_roles(*STAFF_ROLES))):
    with session_scope() as session:
        run = session.get(BacktestRun, backtest_id)
        if run is None:
            raise NotFound("BACKTEST_NOT_FOUND", f"回测 {backtest_id} 不存在", f"no backtest {backtest_id}")
        session.expunge(run)
    return render(request, "rules/backtest.html", {"run": run}, active="rules")


@router.post("/rules/backtests", response_class=HTMLResponse, include_in_schema=False)
async def backtest_upload(
    request: Request,
    candidate: UploadFile = File(...),
    user: User = Depends(require_roles(*RULE_ADMIN_ROLES)),
):
    """上传候选规则 YAML 并回测（与当前知识库在同一湖数据上比较）。"""
    data = await candidate.read()
    if not data:
        raise InputError("CANDIDATE_EMPTY", "候选规则文件为空", "empty candidate file", "candidate")
    if len(data) > 2 * 1024 * 1024:
        raise InputError(
            "CANDIDATE_TOO_LARGE", "候选规则文件不能超过 2 MB", "candidate too large", "candidate"
        )
    name = Path(candidate.filename or "candidate.yaml").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        with session_scope() as session:
            service.ensure_imported(session)
        with session_scope() as session:
            service.backtest(session, path, actor=user.username)
            run_id = session.execute(select(func.max(BacktestRun.id))).scalar_one()
    return RedirectResponse(f"/rules/backtests/{run_id}", status_code=303)


@router.get("/rules/{rule_code}", response_class=HTMLResponse, include_in_schema=False)
def rule_page(request: Request, rule_code: str, user: User = Depends(require_roles(*STAFF_ROLES))):
    with session_scope() as session:
        rule = _all_rules(session).get(rule_code)
        if rule is None:
            raise NotFound("RULE_CODE", f"没有规则 {rule_code}", f"no rule {rule_code}")
        doc = docs.rule_markdown(rule_code) if rule_code in RULES else _local_doc(session, rule_code)
        stats = next((s for s in service.stats(session) if s["rule_code"] == rule_code), {})
        settings = list(
            session.execute(
                select(RuleRegionSetting)
                .where(RuleRegionSetting.rule_code == rule_code)
                .order_by(RuleRegionSetting.region)
            ).scalars()
        )
        enabled = _region_switches(session, user.region).get(rule_code, rule.enabled)
        knowledge_rows = service.knowledge_counts(session).get(rule_code, 0)
        session.expunge_all()
    return render(
        request,
        "rules/rule.html",
        {
            "rule": rule,
            "category_zh": VIOLATION_CATEGORIES.get(rule.category, rule.category),
            "doc_html": _markdown.render(doc),
            "stats": stats,
            "settings": settings,
            "enabled": enabled and rule.template != "none",
            "knowledge_rows": knowledge_rows,
            "can_manage": user.role in RULE_ADMIN_ROLES and rule.template != "none",
            "saved": request.query_params.get("saved", ""),
        },
        active="rules",
    )


@router.post("/rules/{rule_code}/enabled", include_in_schema=False)
def rule_switch(
    request: Request,
    rule_code: str,
    enabled: str = Form(...),
    user: User = Depends(require_roles(*RULE_ADMIN_ROLES)),
):
    """本辖区启用/停用规则（记入审计日志；事前审核随知识库重新加载生效）。"""
    with session_scope() as session:
        service.set_enabled(session, rule_code, enabled == "1", region=user.region, actor=user.username)
    return RedirectResponse(f"/rules/{rule_code}?saved=1", status_code=303)


# --- 审核批次 ----------------------------------------------------------------------------------


@router.get("/audit-runs", response_class=HTMLResponse, include_in_schema=False)
def audit_runs(
    request: Request, page: int = Query(1, ge=1), user: User = Depends(require_roles(*STAFF_ROLES))
):
    with session_scope() as session:
        total = session.execute(select(func.count()).select_from(AuditRun)).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        runs = list(
            session.execute(
                select(AuditRun).order_by(AuditRun.started_at.desc()).offset(pg.offset).limit(pg.size)
            ).scalars()
        )
        running = any(r.status == "running" for r in runs)
        session.expunge_all()
    return render(
        request,
        "rules/runs.html",
        {
            "runs": runs,
            "page": pg,
            "labels": STATUS_RUN_LABELS,
            "running": running,
            "can_run": user.role in AUDIT_RUNNER_ROLES,
            "started": request.query_params.get("started", ""),
        },
        active="audit_runs",
    )


@router.get("/audit-runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
def audit_run_page(request: Request, run_id: str, user: User = Depends(require_roles(*STAFF_ROLES))):
    with session_scope() as session:
        run = session.get(AuditRun, run_id)
        if run is None:
            raise NotFound("AUDIT_RUN_NOT_FOUND", f"审核批次 {run_id} 不存在", f"no audit run {run_id}")
        session.expunge(run)
        f = findings.FindingFilters(run_id=run_id)
        latest = findings.latest_verdict_subquery()
        by_cat = session.execute(
            findings.filtered(
                user,
                select(Finding.category, func.count(), func.sum(Finding.amount)).select_from(Finding),
                f,
                latest,
            ).group_by(Finding.category)
        ).all()
    categories = sorted(
        (
            {
                "category": c,
                "category_zh": VIOLATION_CATEGORIES.get(c, c),
                "findings": n,
                "amount": Decimal(str(a or 0)).quantize(Decimal("0.01")),
            }
            for c, n, a in by_cat
        ),
        key=lambda r: -r["amount"],
    )
    return render(
        request,
        "rules/run.html",
        {"run": run, "labels": STATUS_RUN_LABELS, "categories": categories},
        active="audit_runs",
    )


@router.get("/audit-runs/{run_id}/status", response_class=HTMLResponse, include_in_schema=False)
def audit_run_status(request: Request, run_id: str, user: User = Depends(require_roles(*STAFF_ROLES))):
    """htmx 轮询片段：运行状态与当前阶段。"""
    with session_scope() as session:
        run = session.get(AuditRun, run_id)
        if run is None:
            raise NotFound("AUDIT_RUN_NOT_FOUND", f"审核批次 {run_id} 不存在", f"no audit run {run_id}")
        session.expunge(run)
    return render(request, "rules/_run_status.html", {"run": run, "labels": STATUS_RUN_LABELS})


def _run_in_background(run_id: str, actor: str) -> None:
    out = get_settings().home_dir / "runs" / run_id
    try:
        service.audit(None, out, actor=actor, run_id=run_id)
    except Exception:  # noqa: BLE001 — recorded on the run (status failed, error) and logged
        log.exception("audit run %s failed", run_id)


@router.post("/audit-runs", include_in_schema=False)
def start_audit_run(request: Request, user: User = Depends(require_roles(*AUDIT_RUNNER_ROLES))):
    """对数据湖运行全部启用规则（后台执行，页面显示进度）。"""
    with session_scope() as session:
        running = session.execute(select(AuditRun).where(AuditRun.status == "running").limit(1)).scalar()
        if running is not None:
            raise InputError(
                "AUDIT_RUNNING",
                f"审核批次 {running.run_id} 正在运行，请等待其完成",
                "an audit run is already running",
            )
    run_id = service.start_run("duckdb", None, user.username)
    threading.Thread(target=_run_in_background, args=(run_id, user.username), daemon=True).start()
    return RedirectResponse(f"/audit-runs/{run_id}", status_code=303)


def _amount_and_count_chart(
    labels: list[str],
    rows: list[dict],
    colors: list[str],
    amount_series: dict,
    count_series: dict,
    x_axis: dict | None = None,
    bottom: int = 36,
) -> dict:
    """ECharts option: suspect amount (元) and number of findings (条) over the same axis."""
    return {
        "empty": not rows,
        "animation": False,
        "color": colors,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["可疑金额（元）", "命中条数"], "top": 0, "right": 10},
        "grid": {"left": 70, "right": 60, "top": 40, "bottom": bottom},
        "xAxis": {"type": "category", "data": labels, **(x_axis or {})},
        "yAxis": [{"type": "value", "name": "元"}, {"type": "value", "name": "条", "minInterval": 1}],
        "series": [
            {"name": "可疑金额（元）", **amount_series, "data": [float(r["amount"]) for r in rows]},
            {"name": "命中条数", **count_series, "yAxisIndex": 1, "data": [r["findings"] for r in rows]},
        ],
    }


@router.get("/api/v1/overview/findings-by-category", summary="规则命中按类别（图表）", tags=["总览"])
def chart_by_category(user: User = Depends(require_roles(*ALL_ROLES))) -> dict:
    """ECharts 配置：各违规类别的可疑金额与条数（本辖区/本机构）。"""
    with session_scope() as session:
        rows = findings.by_category(session, user)
    return _amount_and_count_chart(
        [r["category_zh"] for r in rows],
        rows,
        ["#0b3d91", "#d98e04"],
        {"type": "bar"},
        {"type": "line"},
        x_axis={"axisLabel": {"rotate": 35}},
        bottom=80,
    )


@router.get("/api/v1/overview/findings-by-month", summary="规则命中按就诊月份（趋势）", tags=["总览"])
def chart_by_month(user: User = Depends(require_roles(*ALL_ROLES))) -> dict:
    """ECharts 配置：按就诊月份的可疑金额与条数趋势。"""
    with session_scope() as session:
        rows = findings.by_month(session, user)
    return _amount_and_count_chart(
        [r["month"] for r in rows],
        rows,
        ["#b3261e", "#0b3d91"],
        {"type": "line", "smooth": True},
        {"type": "bar"},
    )
