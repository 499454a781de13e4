"""Web pages of 监督检查: 双随机 plans with their draws (seed, algorithm, inputs, result) and a replay
that recomputes a draw; flight-inspection plans ranked by risk with focus departments and
checklists; 自查自纠 tasks (institutions see and answer their own; staff see what the platform
found that the institution did not report).

Authorisation and scope as in the JSON API (``inspections.access``, ``inspections.views``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundguard.analytics.models import AnalyticsRun, RiskScore
from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.contract import VIOLATION_CATEGORIES
from fundguard.db import session_scope
from fundguard.errors import Conflict, FundguardError, InputError
from fundguard.inspections import access, flight, public, random_plans, schemas, self_check
from fundguard.inspections import service as svc
from fundguard.inspections import views as api
from fundguard.inspections.directory import region_expr
from fundguard.inspections.models import Draw, FlightPlan, RandomPlan, SelfCheckTask
from fundguard.inspections.states import FLIGHT_TRANSITIONS, FLIGHT_ZH, INSPECTION_ZH, PLAN_ZH
from fundguard.masterdata.models import Institution
from fundguard.timeutil import today
from fundguard.web.security import require_roles
from fundguard.web.templating import Page, render

router = APIRouter()
PAGE_SIZE = 50
ANY = require_roles(*access.STAFF, "institution")
PAGE_ERRORS = (Conflict, InputError)
TASK_ZH = {"OPEN": "待提交", "OVERDUE": "已逾期", "SUBMITTED": "已提交"}
KIND_ZH = {"TARGETS": "抽取检查对象", "TEAMS": "选派执法检查人员"}
FLIGHT_STEPS = {
    "form_team": "组建检查组",
    "make_scheme": "制定检查方案",
    "enter_site": "突击进入现场",
    "check_materials": "调取资料核查",
    "report": "形成检查报告",
    "handle": "依法处理处罚",
}
INSPECTION_STEPS = {
    "TEAM_ASSIGNED": ("start_on_site", "开始现场检查", []),
    "ON_SITE": ("record", "检查记录（被检查机构负责人签字）", ["content", "signed_by", "problems_found"]),
    "RECORDED": ("report", "出具检查报告", ["content"]),
    "REPORTED": ("dispose", "处理", ["disposition"]),
    "DISPOSED": ("publish", "结果公开", []),
    "PUBLISHED": ("close", "办结", []),
}
PROBLEM_ROWS = 5


def _date(value: str | None, field: str = "on") -> date:
    if not value:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("BAD_DATE", f"日期格式应为 YYYY-MM-DD：{value}", "bad date", field) from None


def _int(value: str | None, field: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise InputError("BAD_NUMBER", f"{field} 应为非负整数：{value}", "bad number", field)
    return int(value)


def _lines(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").replace(",", "\n").replace("，", "\n").splitlines() if x.strip()]


def _names(session: Session, codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    rows = session.execute(
        select(Institution.fixmedins_code, Institution.fixmedins_name).where(
            Institution.fixmedins_code.in_(codes)
        )
    )
    return dict(rows.all())


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- 监督检查 index ----------------------------------------------------------------------------


@router.get("/inspections", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request, tab: str = "random", page: int = Query(1, ge=1), user: User = Depends(ANY)):
    return _index(request, tab, page, user)


def _index(request: Request, tab: str, page: int, user: User, error: str = "", status_code: int = 200):
    if user.role == "institution":
        tab = "selfcheck"
    tab = tab if tab in {"random", "flight", "selfcheck"} else "random"
    on = today()
    with session_scope() as session:
        if tab == "random":
            query = select(RandomPlan).where(access.plans_scope(user))
            order = (RandomPlan.id.desc(),)
        elif tab == "flight":
            query = select(FlightPlan).where(access.flight_scope(user))
            order = (FlightPlan.id.desc(),)
        else:
            query = select(SelfCheckTask).where(access.tasks_scope(user))
            order = (SelfCheckTask.period.desc(), SelfCheckTask.fixmedins_code)
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        items = session.scalars(query.order_by(*order).offset(pg.offset).limit(pg.size)).all()
        if tab == "random":
            rows = [
                {
                    "id": p.id,
                    "period": p.period,
                    "admdvs": p.admdvs or "全国",
                    "status": PLAN_ZH.get(p.status, p.status),
                    "planned_on": p.planned_on,
                    "drawn": len(svc.inspections(session, p.id)),
                    "draw_id": p.draw_id,
                }
                for p in items
            ]
        elif tab == "flight":
            rows = [
                {
                    "id": p.id,
                    "title": p.title,
                    "admdvs": p.admdvs or "全国",
                    "status": FLIGHT_ZH.get(p.status, p.status),
                    "created_on": p.created_on,
                    "targets": len(flight.targets(session, p.id)),
                }
                for p in items
            ]
        else:
            names = _names(session, [t.fixmedins_code for t in items])
            rows = [
                {
                    "id": t.id,
                    "fixmedins_code": t.fixmedins_code,
                    "name": names.get(t.fixmedins_code, ""),
                    "period": t.period,
                    "due_on": t.due_on,
                    "status": TASK_ZH.get(t.status, t.status),
                    "overdue": self_check.is_overdue(t, on),
                    "submitted_on": t.submitted_on,
                }
                for t in items
            ]
        latest_run = session.scalars(select(AnalyticsRun).order_by(AnalyticsRun.id.desc())).first()
    return render(
        request,
        "inspections/index.html",
        {
            "tab": tab,
            "rows": rows,
            "page": pg,
            "on": on,
            "may_decide": user.role in access.DECIDERS,
            "latest_run": latest_run,
            "error": error,
            "region": user.region,
            "categories": VIOLATION_CATEGORIES,
        },
        status_code=status_code,
        active="inspections",
    )


def _index_error(request: Request, user: User, tab: str, exc: FundguardError):
    return _index(request, tab, 1, user, exc.message_zh, exc.http_status)


@router.post("/inspections/plans", include_in_schema=False)
async def create_plan(request: Request, user: User = Depends(ANY)):
    form = await request.form()
    try:
        with session_scope() as session:
            access.require_decider(user)
            region = api.plan_region(user, (form.get("admdvs") or "").strip())
            plan = svc.create_plan(
                session,
                (form.get("period") or "").strip(),
                _date(form.get("on")),
                region,
                _lines(form.get("matters")) or None,
                actor=user.username,
            )
            plan_id = plan.id
    except PAGE_ERRORS as exc:
        return _index_error(request, user, "random", exc)
    return _redirect(f"/inspections/plans/{plan_id}")


# --- 双随机 plan, draws and replay -------------------------------------------------------------


def _draw_view(d: Draw) -> dict:
    return {
        "id": d.id,
        "kind": d.kind,
        "kind_zh": KIND_ZH.get(d.kind, d.kind),
        "seed": d.seed,
        "algorithm": d.algorithm,
        "algorithm_version": d.algorithm_version,
        "params": d.params,
        "snapshot": d.snapshot,
        "snapshot_sha256": d.snapshot_sha256,
        "result": d.result,
        "drawn_on": d.drawn_on,
        "drawn_at": d.drawn_at,
    }


def _plan_context(session: Session, user: User, plan: RandomPlan) -> dict:
    draws = session.scalars(select(Draw).where(Draw.plan_id == plan.id).order_by(Draw.id)).all()
    inspections = svc.inspections(session, plan.id)
    names = _names(session, [i.fixmedins_code for i in inspections])
    may = user.role in access.DECIDERS
    rows = []
    for i in inspections:
        step = INSPECTION_STEPS.get(i.status) if may else None
        rows.append(
            {
                "id": i.id,
                "fixmedins_code": i.fixmedins_code,
                "name": names.get(i.fixmedins_code, ""),
                "stratum": i.stratum,
                "status": INSPECTION_ZH.get(i.status, i.status),
                "team": i.team,
                "disposition": random_plans.DISPOSITIONS.get(i.disposition, i.disposition),
                "problems_found": i.problems_found,
                "step": {"event": step[0], "label": step[1], "fields": step[2]} if step else None,
            }
        )
    return {
        "plan": plan,
        "status_zh": PLAN_ZH.get(plan.status, plan.status),
        "draws": [_draw_view(d) for d in draws],
        "inspections": rows,
        "may_decide": may,
        "coverage": svc.coverage(session, plan.period, plan.admdvs),
        "dispositions": random_plans.DISPOSITIONS,
        "on": today(),
    }


@router.get("/inspections/plans/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
def plan_page(request: Request, plan_id: int, user: User = Depends(ANY)):
    return _plan_page(request, plan_id, user)


def _plan_page(request: Request, plan_id: int, user: User, error: str = "", status_code: int = 200):
    with session_scope() as session:
        plan = access.plan(session, user, plan_id)
        ctx = {**_plan_context(session, user, plan), "error": error}
        return render(request, "inspections/plan.html", ctx, status_code=status_code, active="inspections")


def _plan_error(request: Request, user: User, plan_id: int, exc: FundguardError):
    return _plan_page(request, plan_id, user, exc.message_zh, exc.http_status)


@router.post("/inspections/plans/{plan_id}/{kind}", include_in_schema=False)
async def plan_draw(request: Request, plan_id: int, kind: str, user: User = Depends(ANY)):
    """``kind`` = draw (抽取检查对象) or teams (选派执法检查人员)."""
    form = await request.form()
    try:
        with session_scope() as session:
            access.plan(session, user, plan_id)
            access.require_decider(user)
            seed = _int(form.get("seed"), "seed")
            on = _date(form.get("on"))
            if kind == "draw":
                svc.draw_targets(
                    session, plan_id, on, seed, set(_lines(form.get("high_risk"))), actor=user.username
                )
            elif kind == "teams":
                size = _int(form.get("team_size"), "team_size")
                svc.assign_teams(session, plan_id, on, seed, size, actor=user.username)
            else:
                raise InputError("UNKNOWN_EVENT", f"未知操作 {kind}", f"unknown action {kind}", "kind")
    except PAGE_ERRORS as exc:
        return _plan_error(request, user, plan_id, exc)
    return _redirect(f"/inspections/plans/{plan_id}")


@router.post("/inspections/random/{inspection_id}/events/{event}", include_in_schema=False)
async def inspection_step(request: Request, inspection_id: int, event: str, user: User = Depends(ANY)):
    form = await request.form()
    with session_scope() as session:
        plan_id = access.inspection(session, user, inspection_id).plan_id
    body = schemas.InspectionEventIn(
        on=_date(form.get("on")),
        content=form.get("content") or "",
        signed_by=form.get("signed_by") or "",
        problems_found=form.get("problems_found") == "true",
        disposition=form.get("disposition") or "",
    )
    try:
        with session_scope() as session:
            api.run_inspection_step(session, user, inspection_id, event, body)
    except PAGE_ERRORS as exc:
        return _plan_error(request, user, plan_id, exc)
    return _redirect(f"/inspections/plans/{plan_id}")


@router.get("/inspections/draws/{draw_id}/replay", response_class=HTMLResponse, include_in_schema=False)
def replay_page(request: Request, draw_id: int, user: User = Depends(ANY)):
    """复算: recompute the draw from its stored seed, algorithm and inputs (an HTMX fragment, or a
    whole page without HTMX)."""
    with session_scope() as session:
        row = access.draw(session, user, draw_id)
        replay = api.replay_out(session, draw_id)
        plan_id = row.plan_id
        auth.record(
            session,
            user.username,
            "inspection.draw.replay",
            "insp_draw",
            str(draw_id),
            {"equal": replay.equal, "snapshot_intact": replay.snapshot_intact},
            region=user.region,
        )
    template = "inspections/_replay.html" if request.headers.get("hx-request") else "inspections/replay.html"
    return render(request, template, {"r": replay, "plan_id": plan_id}, active="inspections")


# --- 飞行检查 ----------------------------------------------------------------------------------


def _risk_rows(session: Session, user: User, form) -> list[tuple[str, float, list[str]]]:
    """Risk input: typed rows ``编码,分值,原因`` or the institutions of the latest analytics run."""
    rows = []
    text = (form.get("risk") or "").strip()
    if text:
        for line in text.splitlines():
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if not parts[0]:
                continue
            try:
                score = float(parts[1]) if len(parts) > 1 and parts[1] else 0.0
            except ValueError:
                raise InputError("RISK_ROW", f"风险分值应为数字：{line}", "bad risk row", "risk") from None
            rows.append((parts[0], score, [p for p in parts[2:] if p]))
        return rows
    run = session.scalars(select(AnalyticsRun).order_by(AnalyticsRun.id.desc())).first()
    if run is None:
        return []
    scores = session.scalars(
        select(RiskScore).where(
            RiskScore.run_id == run.id,
            RiskScore.entity_type == "institution",
            auth.scope_filter(user, None, region_expr(RiskScore.entity_id)),
        )
    )
    return [(s.entity_id, float(s.score), [str(r) for r in (s.reasons or [])]) for s in scores]


@router.post("/inspections/flight", include_in_schema=False)
async def create_flight(request: Request, user: User = Depends(ANY)):
    form = await request.form()
    try:
        with session_scope() as session:
            rows = _risk_rows(session, user, form)
            plan = api.create_flight_plan(
                session,
                user,
                (form.get("title") or "").strip() or "飞行检查",
                rows,
                _date(form.get("on")),
                _int(form.get("top_n"), "top_n"),
                (form.get("admdvs") or "").strip(),
            )
            plan_id = plan.id
    except PAGE_ERRORS as exc:
        return _index_error(request, user, "flight", exc)
    return _redirect(f"/inspections/flight/{plan_id}")


def _flight_context(session: Session, user: User, plan: FlightPlan) -> dict:
    targets = flight.targets(session, plan.id)
    names = _names(session, [t.fixmedins_code for t in targets])
    next_steps = [e for e, (allowed, _) in FLIGHT_TRANSITIONS.items() if plan.status in allowed]
    return {
        "plan": plan,
        "status_zh": FLIGHT_ZH.get(plan.status, plan.status),
        "targets": [{"t": t, "name": names.get(t.fixmedins_code, "")} for t in targets],
        "records": flight.records(session, plan.id),
        "next_steps": [(e, FLIGHT_STEPS[e]) for e in next_steps] if user.role in access.DECIDERS else [],
        "on": today(),
        "steps_zh": FLIGHT_ZH,
    }


@router.get("/inspections/flight/{plan_id}", response_class=HTMLResponse, include_in_schema=False)
def flight_page(request: Request, plan_id: int, user: User = Depends(ANY)):
    return _flight_page(request, plan_id, user)


def _flight_page(request: Request, plan_id: int, user: User, error: str = "", status_code: int = 200):
    with session_scope() as session:
        plan = access.flight_plan(session, user, plan_id)
        ctx = {**_flight_context(session, user, plan), "error": error}
        return render(request, "inspections/flight.html", ctx, status_code=status_code, active="inspections")


@router.post("/inspections/flight/{plan_id}/events/{event}", include_in_schema=False)
async def flight_step(request: Request, plan_id: int, event: str, user: User = Depends(ANY)):
    form = await request.form()
    try:
        with session_scope() as session:
            access.flight_plan(session, user, plan_id)
            access.require_decider(user)
            flight.advance(
                session,
                plan_id,
                event,
                _date(form.get("on")),
                user.username,
                team=_lines(form.get("team")),
                scheme=form.get("scheme") or "",
            )
    except PAGE_ERRORS as exc:
        return _flight_page(request, plan_id, user, exc.message_zh, exc.http_status)
    return _redirect(f"/inspections/flight/{plan_id}")


# --- 自查自纠 ----------------------------------------------------------------------------------


@router.post("/inspections/self-checks", include_in_schema=False)
async def create_self_checks(request: Request, user: User = Depends(ANY)):
    form = await request.form()
    try:
        with session_scope() as session:
            access.require_decider(user)
            codes = _lines(form.get("codes"))
            if not codes:  # every institution of the user's region
                codes = list(
                    session.scalars(
                        select(Institution.fixmedins_code).where(
                            auth.scope_filter(user, Institution.fixmedins_code, Institution.admdvs)
                        )
                    )
                )
            api.check_codes(session, user, codes)
            self_check.create_tasks(session, (form.get("period") or "").strip(), codes, actor=user.username)
    except PAGE_ERRORS as exc:
        return _index_error(request, user, "selfcheck", exc)
    return _redirect("/inspections?tab=selfcheck")


def _task_context(session: Session, user: User, task: SelfCheckTask) -> dict:
    on = today()
    problems = self_check.problems(session, task.id)
    ctx = {
        "task": task,
        "name": _names(session, [task.fixmedins_code]).get(task.fixmedins_code, ""),
        "status_zh": TASK_ZH.get(task.status, task.status),
        "overdue": self_check.is_overdue(task, on),
        "problems": problems,
        "refund_total": self_check.refund_total(session, task.id),
        "may_report": user.role == "institution" and task.status in {"OPEN", "OVERDUE"},
        "problem_rows": range(PROBLEM_ROWS),
        "on": on,
        "comparison": None,
    }
    if user.role != "institution":
        findings = self_check.platform_findings(session, task.fixmedins_code, task.period)
        unreported = self_check.unreported_findings(session, task.id, findings)
        unreported_ids = {f["finding_id"] for f in unreported}
        by_category: dict[str, dict] = {}
        for f in findings:
            c = by_category.setdefault(
                f["category"],
                {"category": f["category"], "count": 0, "amount": Decimal("0"), "reported": True},
            )
            c["count"] += 1
            c["amount"] += Decimal(str(f["amount"]))
            if f["finding_id"] in unreported_ids:
                c["reported"] = False
        ctx["comparison"] = {
            "findings": len(findings),
            "unreported": unreported[:200],
            "unreported_count": len(unreported),
            "unreported_amount": sum((Decimal(str(f["amount"])) for f in unreported), Decimal("0")),
            "by_category": sorted(by_category.values(), key=lambda c: (c["reported"], c["category"])),
            "reported_categories": sorted({p.category for p in problems}),
        }
    return ctx


@router.get("/inspections/self-checks/{task_id}", response_class=HTMLResponse, include_in_schema=False)
def task_page(request: Request, task_id: int, user: User = Depends(ANY)):
    return _task_page(request, task_id, user)


def _task_page(request: Request, task_id: int, user: User, error: str = "", status_code: int = 200):
    with session_scope() as session:
        task = access.task(session, user, task_id)
        ctx = {**_task_context(session, user, task), "error": error, "categories": VIOLATION_CATEGORIES}
        return render(
            request, "inspections/self_check.html", ctx, status_code=status_code, active="inspections"
        )


def _money(value: str | None, field: str) -> Decimal:
    try:
        return Decimal((value or "0").strip() or "0")
    except InvalidOperation:
        raise InputError("BAD_AMOUNT", f"金额格式不正确：{value}", "bad amount", field) from None


@router.post("/inspections/self-checks/{task_id}/report", include_in_schema=False)
async def task_report(request: Request, task_id: int, user: User = Depends(ANY)):
    form = await request.form()
    try:
        problems = []
        for i in range(PROBLEM_ROWS):
            description = (form.get(f"p{i}_description") or "").strip()
            if not description:
                continue
            problems.append(
                schemas.SelfCheckProblemIn(
                    category=(form.get(f"p{i}_category") or "OTHER").strip() or "OTHER",
                    description=description,
                    amount=_money(form.get(f"p{i}_amount"), "amount"),
                    refund_amount=_money(form.get(f"p{i}_refund"), "refund_amount"),
                    finding_refs=_lines(form.get(f"p{i}_refs")),
                    owner=(form.get(f"p{i}_owner") or "").strip(),
                )
            )
        body = schemas.SelfCheckReportIn(
            on=_date(form.get("on")),
            scope=form.get("scope") or "",
            method=form.get("method") or "",
            problems=problems,
        )
        with session_scope() as session:
            api.submit_self_check(session, user, task_id, body)
    except PAGE_ERRORS as exc:
        return _task_page(request, task_id, user, exc.message_zh, exc.http_status)
    return _redirect(f"/inspections/self-checks/{task_id}?saved=1")


# --- 一公开: public draw records ----------------------------------------------------------------


@router.get("/public/draws/{draw_id}.json", include_in_schema=False)
def public_draw_json(draw_id: int):
    """抽取记录（公开）：种子、算法、参数、候选快照及其摘要、抽取结果，可据此独立复算。"""
    with session_scope() as session:
        return public.public_draw(session, draw_id)


@router.get("/public/draws/{draw_id}", response_class=HTMLResponse, include_in_schema=False)
def public_draw_page(request: Request, draw_id: int):
    with session_scope() as session:
        record = public.public_draw(session, draw_id)
    return render(request, "public/draw.html", {"r": record, "title": "双随机抽取结果公开"})
