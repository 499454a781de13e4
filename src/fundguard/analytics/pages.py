"""HTML pages of analytics (风险分析): landing page, entity risk pages with reasons and charts,
physician ranking with Excel export, collusion ring viewer and the indicator alert list.

Everything shows the latest stored analytics run (``fundguard risk`` / ``fundguard demo``).
Staff roles only; every list is restricted to the user's region and a record of another region
answers 403 (decision 0013). Insured persons are linked by the id of their stored score row and
their numbers are masked unless ``auth.sees_identifiers``; practitioners' names likewise.
"""

from __future__ import annotations

import io
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from fundguard.analytics import present, service
from fundguard.analytics.indicators import INDICATORS
from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.db import session_scope
from fundguard.errors import NotFound
from fundguard.masterdata.models import Institution, Practitioner
from fundguard.web.security import request_id, require_roles
from fundguard.web.templating import STAFF_ROLES, Page, render

router = APIRouter()
staff = require_roles(*STAFF_ROLES)
TOP_N = 10
PAGE_SIZE = 50
EXPORT_LIMIT = 50000
ALERT_LEVELS = ("institution", "department", "practitioner", "insured")


def _institution_names(session, codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    rows = session.execute(
        select(Institution.fixmedins_code, Institution.fixmedins_name).where(
            Institution.fixmedins_code.in_(codes)
        )
    )
    return dict(rows.all())


def _practitioner_names(session, codes, masked: bool) -> dict[str, str]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    rows = session.execute(
        select(Practitioner.prac_psn_code, Practitioner.prac_psn_name).where(
            Practitioner.prac_psn_code.in_(codes)
        )
    )
    return {code: present.shown_name(name, masked) for code, name in rows.all()}


def _names(session, rows, masked: bool) -> dict[str, str]:
    inst = _institution_names(session, [r.entity_id for r in rows if r.entity_type == "institution"])
    prac = _practitioner_names(
        session, [r.entity_id for r in rows if r.entity_type == "practitioner"], masked
    )
    return {**inst, **prac}


# --- 风险分析 landing page ----------------------------------------------------------------------


@router.get("/analytics", response_class=HTMLResponse, include_in_schema=False)
def analytics_index(request: Request, user: User = Depends(staff)):
    masked = not auth.sees_identifiers(user)
    with session_scope() as session:
        run = service.latest_run(session)
        if run is None:
            return render(request, "analytics/index.html", {"run": None}, active="analytics")
        tops, counts = {}, {}
        for etype in present.ENTITY_LABELS:
            rows = service.list_scores(session, run.id, user, etype, TOP_N)
            names = _names(session, rows, masked)
            tops[etype] = [present.score_view(r, masked, names) for r in rows]
            counts[etype] = service.count_scores(session, run.id, user, etype)
        rings = service.list_rings(session, run.id, user)
        alert_count = service.count_alerts(session, run.id, user)
        focus = len(service.ranking_rows(session, run.id, user, focus_only=True))
        ctx = {
            "run": run,
            "tops": tops,
            "counts": counts,
            "labels": present.ENTITY_LABELS,
            "rings": rings,
            "alert_count": alert_count,
            "focus_count": focus,
            "masked": masked,
        }
    return render(request, "analytics/index.html", ctx, active="analytics")


# --- entity risk pages --------------------------------------------------------------------------


def _chart_indicators(row, alerts) -> list[str]:
    """Indicators to chart on an institution page: those of its reasons and alerts, else drug share."""
    out: list[str] = []
    for code in [r.get("indicator") for r in row.reasons or []] + [a.indicator for a in alerts]:
        if code in INDICATORS and "institution" in INDICATORS[code].levels and code not in out:
            out.append(code)
    return out[:4] or ["drug_share"]


@router.get("/analytics/institutions/{code}", response_class=HTMLResponse, include_in_schema=False)
def institution_page(request: Request, code: str, indicator: str = "", user: User = Depends(staff)):
    masked = not auth.sees_identifiers(user)
    with session_scope() as session:
        run = service.require_run(session)
        row = service.get_score(session, run.id, user, "institution", code)
        alerts = service.list_alerts(session, run.id, user, fixmedins_code=code, limit=200)
        inst = session.get(Institution, code)
        charts = _chart_indicators(row, [a for a in alerts if a.level == "institution"])
        if (
            indicator in INDICATORS
            and "institution" in INDICATORS[indicator].levels
            and indicator not in charts
        ):
            charts.insert(0, indicator)
        alert_views = [
            {
                "level": present.LEVEL_LABELS.get(a.level, a.level),
                "entity_id": a.entity_id,
                "label": present.indicator_label(a.indicator),
                "value": present.format_value(a.indicator, a.value),
                "median": present.format_value(a.indicator, a.peer_median),
                "band": present.band_text(a.indicator, a.band_low, a.band_high),
                "z": a.robust_z,
                "peer_n": a.peer_n,
                "peer": present.peer_label(a.peer_key),
            }
            for a in alerts
            if a.level in ("institution", "department")
        ]
        doctors = service.list_scores(session, run.id, user, "practitioner", TOP_N, fixmedins_code=code)
        dnames = _practitioner_names(session, [d.entity_id for d in doctors], masked)
        ctx = {
            "run": run,
            "score": present.score_view(row, masked),
            "institution": inst,
            "type_label": present.INSTITUTION_TYPES.get(inst.fixmedins_type, "") if inst else "",
            "alerts": alert_views,
            "charts": [(c, present.indicator_label(c)) for c in charts],
            "indicators": [(c, i.label_zh) for c, i in INDICATORS.items() if "institution" in i.levels],
            "doctors": [present.score_view(d, masked, dnames) for d in doctors],
            "components": present.COMPONENT_LABELS,
        }
    return render(request, "analytics/institution.html", ctx, active="analytics")


@router.get("/analytics/practitioners/{code}", response_class=HTMLResponse, include_in_schema=False)
def practitioner_page(request: Request, code: str, user: User = Depends(staff)):
    masked = not auth.sees_identifiers(user)
    with session_scope() as session:
        run = service.require_run(session)
        row = service.get_score(session, run.id, user, "practitioner", code)
        rank = service.practitioner_rank(session, run.id, code)
        names = _practitioner_names(session, [code], masked)
        inst_names = _institution_names(session, [row.fixmedins_code])
        ctx = {
            "run": run,
            "score": present.score_view(row, masked, names),
            "name": names.get(code, ""),
            "institution_name": inst_names.get(row.fixmedins_code, ""),
            "rank": rank,
            "peer": present.peer_label(rank.peer_key) if rank else "",
            "components": present.COMPONENT_LABELS,
        }
    return render(request, "analytics/practitioner.html", ctx, active="analytics")


@router.get("/analytics/insured/{score_id}", response_class=HTMLResponse, include_in_schema=False)
def insured_page(request: Request, score_id: int, user: User = Depends(staff)):
    masked = not auth.sees_identifiers(user)
    with session_scope() as session:
        run = service.require_run(session)
        row = service.get_score_by_id(session, run.id, user, score_id, "insured")
        rings = service.rings_of_person(session, run.id, row.entity_id)
        inst_names = _institution_names(session, [row.fixmedins_code])
        alerts = service.list_alerts(session, run.id, user, level="insured", entity_id=row.entity_id)
        ctx = {
            "run": run,
            "score": present.score_view(row, masked),
            "rings": rings,
            "institution_name": inst_names.get(row.fixmedins_code, ""),
            "alerts": [
                {
                    "label": present.indicator_label(a.indicator),
                    "value": present.format_value(a.indicator, a.value),
                    "median": present.format_value(a.indicator, a.peer_median),
                    "z": a.robust_z,
                    "peer": present.peer_label(a.peer_key),
                    "peer_n": a.peer_n,
                }
                for a in alerts
            ],
            "components": present.COMPONENT_LABELS,
        }
    return render(request, "analytics/insured.html", ctx, active="analytics")


# --- 医师排名 (同级同类同科室) with Excel export -----------------------------------------------


def _ranking(session, user: User, group: str, focus: bool):
    run = service.require_run(session)
    groups = service.ranking_groups(session, run.id, user)
    if not group and not focus and groups:
        group = max(groups, key=lambda g: (g[2], g[1]))[0]
    rows = service.ranking_rows(session, run.id, user, group or None, focus) if (group or focus) else []
    return run, groups, group, rows


def _ranking_views(session, rows, masked: bool) -> list[dict]:
    names = _practitioner_names(session, [r.prac_psn_code for r in rows], masked)
    inst = _institution_names(session, [r.fixmedins_code for r in rows])
    return [
        {
            "code": r.prac_psn_code,
            "name": names.get(r.prac_psn_code, ""),
            "fixmedins_code": r.fixmedins_code,
            "institution": inst.get(r.fixmedins_code, ""),
            "peer": present.peer_label(r.peer_key),
            "visits": r.visits,
            "cost_per_visit": r.cost_per_visit,
            "total_cost": r.total_cost,
            "rank_cost": r.rank_cost_per_visit,
            "rank_total": r.rank_total_cost,
            "group_n": r.group_n,
            "median": r.group_median_cost_per_visit,
            "eligible": r.eligible,
            "focus": r.focus,
        }
        for r in rows
    ]


@router.get("/analytics/ranking", response_class=HTMLResponse, include_in_schema=False)
def ranking_page(
    request: Request,
    group: str = Query("", max_length=128),
    focus: bool = False,
    user: User = Depends(staff),
):
    masked = not auth.sees_identifiers(user)
    with session_scope() as session:
        run, groups, group, rows = _ranking(session, user, group, focus)
        views = _ranking_views(session, rows, masked)
    return render(
        request,
        "analytics/ranking.html",
        {
            "run": run,
            "groups": [(k, present.peer_label(k), n, f) for k, n, f in groups],
            "group": group,
            "focus": focus,
            "rows": views,
            "group_label": present.peer_label(group) if group else "",
        },
        active="analytics",
    )


@router.get("/analytics/ranking/export.xlsx", include_in_schema=False)
def ranking_export(
    request: Request,
    group: str = Query("", max_length=128),
    focus: bool = False,
    user: User = Depends(staff),
):
    """导出医师排名（Excel）；医师姓名一律脱敏；导出写入审计日志。"""
    wb = Workbook()
    ws = wb.active
    ws.title = "医师排名"
    headers = [
        "同组（级别·类型·科室）",
        "次均费用排名",
        "总费用排名",
        "同组医师数",
        "医师编码",
        "医师姓名",
        "定点机构编码",
        "定点机构",
        "就诊人次",
        "次均费用（元）",
        "医疗总费用（元）",
        "同组次均费用中位数（元）",
        "达到最低就诊量",
        "重点监管",
    ]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    with session_scope() as session:
        run, _, group, rows = _ranking(session, user, group, focus)
        views = _ranking_views(session, rows[:EXPORT_LIMIT], masked=True)
        for v in views:
            ws.append(
                [
                    v["peer"],
                    v["rank_cost"],
                    v["rank_total"],
                    v["group_n"],
                    v["code"],
                    v["name"],
                    v["fixmedins_code"],
                    v["institution"],
                    v["visits"],
                    None if v["cost_per_visit"] is None else round(v["cost_per_visit"], 2),
                    None if v["total_cost"] is None else round(v["total_cost"], 2),
                    None if v["median"] is None else round(v["median"], 2),
                    "是" if v["eligible"] else "否",
                    "是" if v["focus"] else "否",
                ]
            )
        auth.record(
            session,
            user.username,
            "analytics.ranking.export",
            "analytics_run",
            str(run.id),
            {"group": group, "focus": focus, "rows": len(views)},
            region=user.region,
            request_id=request_id(request),
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    name = f"practitioner-ranking-{date.today().isoformat()}.xlsx"
    return StreamingResponse(
        buffer,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- 团伙 ---------------------------------------------------------------------------------------


@router.get("/analytics/rings/{ring_id}", response_class=HTMLResponse, include_in_schema=False)
def ring_page(request: Request, ring_id: str, user: User = Depends(staff)):
    masked = not auth.sees_identifiers(user)
    with session_scope() as session:
        run = service.require_run(session)
        row = service.get_ring(session, run.id, ring_id, user)
        if row is None:
            raise NotFound("RING_NOT_FOUND", f"团伙 {ring_id} 不存在", f"ring {ring_id} not found")
        view = present.mask_ring(row.view, masked)
        # insured members link to their risk page (by score id, never by number)
        people = [m["id"] for m in row.view.get("members", []) if m["kind"] == "insured"]
        ids = {
            r.entity_id: r.id
            for r in service.list_scores(session, run.id, user, "insured", len(people) + 1, entity_ids=people)
        }
        members = []
        for raw, shown in zip(row.view.get("members", []), view["members"], strict=True):
            link = ""
            if raw["kind"] == "insured" and raw["id"] in ids:
                link = f"/analytics/insured/{ids[raw['id']]}"
            elif raw["kind"] == "practitioner":
                link = f"/analytics/practitioners/{raw['id']}"
            elif raw["kind"] in ("institution", "pharmacy"):
                link = f"/analytics/institutions/{raw['id']}"
            members.append(
                {**shown, "kind_label": present.KIND_LABELS.get(shown["kind"], shown["kind"]), "link": link}
            )
    return render(
        request,
        "analytics/ring.html",
        {
            "run": run,
            "ring": row,
            "view": view,
            "members": members,
            "masked": masked,
            "node_label": present.node_label,
        },
        active="analytics",
    )


# --- 指标预警 -----------------------------------------------------------------------------------


@router.get("/analytics/alerts", response_class=HTMLResponse, include_in_schema=False)
def alerts_page(
    request: Request,
    level: str = Query("", pattern="^(|institution|department|practitioner|insured)$"),
    page: int = Query(1, ge=1),
    user: User = Depends(staff),
):
    masked = not auth.sees_identifiers(user)
    with session_scope() as session:
        run = service.require_run(session)
        total = service.count_alerts(session, run.id, user, level or None)
        pg = Page.of(total, page, PAGE_SIZE)
        alerts = service.list_alerts(session, run.id, user, level or None, pg.size, pg.offset)
        insured = {a.entity_id for a in alerts if a.level == "insured"}
        score_ids = {}
        if insured:
            from fundguard.analytics.models import RiskScore

            score_ids = dict(
                session.execute(
                    select(RiskScore.entity_id, RiskScore.id).where(
                        RiskScore.run_id == run.id,
                        RiskScore.entity_type == "insured",
                        RiskScore.entity_id.in_(insured),
                    )
                ).all()
            )
        rows = []
        for a in alerts:
            if a.level == "insured":
                shown, link = (
                    present.mask_psn(a.entity_id, masked),
                    present.entity_link("insured", a.entity_id, score_ids.get(a.entity_id)),
                )
            elif a.level == "department":
                shown, link = a.entity_id, present.entity_link("institution", a.fixmedins_code)
            else:
                shown, link = a.entity_id, present.entity_link(a.level, a.entity_id)
            rows.append(
                {
                    "level": present.LEVEL_LABELS.get(a.level, a.level),
                    "entity": shown,
                    "link": link,
                    "label": present.indicator_label(a.indicator),
                    "value": present.format_value(a.indicator, a.value),
                    "median": present.format_value(a.indicator, a.peer_median),
                    "band": present.band_text(a.indicator, a.band_low, a.band_high),
                    "z": a.robust_z,
                    "peer_n": a.peer_n,
                    "peer": present.peer_label(a.peer_key),
                    "volume": a.volume,
                }
            )
    return render(
        request,
        "analytics/alerts.html",
        {"run": run, "rows": rows, "page": pg, "level": level, "levels": present.LEVEL_LABELS},
        active="analytics",
    )
