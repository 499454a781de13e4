"""Pages the web domain owns: 总览 (overview dashboard over the findings and the lake), 数据接入
(ingest runs) and 隔离区 (quarantine browser).

The quarantine browser is scoped by region/institution: a quarantined row belongs to the
institution named in its raw ``fixmedins_code`` and to that institution's 医保区划 (or the row's
own ``admdvs``); rows with neither are visible to nationwide users only.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.auth.privacy import IDENTIFIER_MASKS, mask_record
from fundguard.db import session_scope
from fundguard.errors import NotFound
from fundguard.ingest.models import IngestBatch, QuarantineRow
from fundguard.masterdata.models import Institution
from fundguard.rules import findings
from fundguard.timeutil import localize
from fundguard.web.security import current_user, request_id, require_roles
from fundguard.web.templating import ALL_ROLES, STAFF_ROLES, Page, render

router = APIRouter()
PAGE_SIZE = 50
EXPORT_LIMIT = 50000


# --- 总览 --------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview(request: Request, user: User = Depends(current_user)):
    with session_scope() as session:
        q_count = session.execute(_quarantine_query(user, select(func.count()))).scalar_one()
        batches = session.execute(select(func.count()).select_from(IngestBatch)).scalar_one()
        figures = findings.dashboard(session, user)
    return render(
        request,
        "overview/index.html",
        {"quarantine_count": q_count, "batch_count": batches, "figures": figures},
        active="overview",
    )


@router.get("/api/v1/overview/batches-per-day", summary="每日数据接入批次数", tags=["总览"])
def batches_per_day(user: User = Depends(current_user)) -> dict:
    """每天接入的批次数（按状态），供总览图表使用。"""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"committed": 0, "failed": 0})
    with session_scope() as session:
        for started, status in session.execute(select(IngestBatch.started_at, IngestBatch.status)):
            day = localize(started).date().isoformat()
            counts[day]["committed" if status == "committed" else "failed"] += 1
    days = sorted(counts)
    return {
        "days": days,
        "committed": [counts[d]["committed"] for d in days],
        "failed": [counts[d]["failed"] for d in days],
    }


# --- 数据接入 ------------------------------------------------------------------------------------


@router.get("/ingest-runs", response_class=HTMLResponse, include_in_schema=False)
def ingest_runs(
    request: Request, page: int = Query(1, ge=1), user: User = Depends(require_roles(*STAFF_ROLES))
):
    with session_scope() as session:
        total = session.execute(select(func.count()).select_from(IngestBatch)).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        rows = list(
            session.execute(
                select(IngestBatch).order_by(IngestBatch.started_at.desc()).offset(pg.offset).limit(pg.size)
            ).scalars()
        )
    return render(request, "ingest/batches.html", {"batches": rows, "page": pg}, active="ingest")


@router.get("/ingest-runs/{batch_id}", response_class=HTMLResponse, include_in_schema=False)
def ingest_run(request: Request, batch_id: str, user: User = Depends(require_roles(*STAFF_ROLES))):
    with session_scope() as session:
        batch = session.get(IngestBatch, batch_id)
        if batch is None:
            raise NotFound("BATCH_NOT_FOUND", f"批次 {batch_id} 不存在", f"no batch {batch_id}", "batch_id")
        q_count = session.execute(
            select(func.count()).select_from(QuarantineRow).where(QuarantineRow.batch_id == batch_id)
        ).scalar_one()
    return render(
        request, "ingest/batch.html", {"batch": batch, "quarantine_count": q_count}, active="ingest"
    )


# --- 隔离区 -------------------------------------------------------------------------------------


def _row_institution():
    return QuarantineRow.raw["fixmedins_code"].as_string()


def _row_admdvs():
    return func.coalesce(Institution.admdvs, QuarantineRow.raw["admdvs"].as_string())


def _quarantine_query(user: User, base, filters: dict | None = None):
    inst = _row_institution()
    query = base.select_from(QuarantineRow).outerjoin(Institution, Institution.fixmedins_code == inst)
    query = query.where(auth.scope_filter(user, inst, _row_admdvs()))
    f = filters or {}
    if f.get("batch_id"):
        query = query.where(QuarantineRow.batch_id == f["batch_id"])
    if f.get("table_name"):
        query = query.where(QuarantineRow.table_name == f["table_name"])
    if f.get("reason_code"):
        query = query.where(QuarantineRow.reason_code == f["reason_code"])
    if f.get("fixmedins_code"):
        query = query.where(inst == f["fixmedins_code"])
    return query


def _filters(batch_id: str, table_name: str, reason_code: str, fixmedins_code: str) -> dict:
    return {
        "batch_id": batch_id.strip(),
        "table_name": table_name.strip(),
        "reason_code": reason_code.strip(),
        "fixmedins_code": fixmedins_code.strip(),
    }


def _view_row(row: QuarantineRow, fixmedins_code: str | None, admdvs: str | None, masked: bool) -> dict:
    value = row.value
    if masked and row.column in IDENTIFIER_MASKS and value:
        value = IDENTIFIER_MASKS[row.column](value)
    return {
        "id": row.id,
        "batch_id": row.batch_id,
        "table_name": row.table_name,
        "file": row.file,
        "line": row.line,
        "column": row.column,
        "value": value,
        "reason_code": row.reason_code,
        "reason_zh": row.reason_zh,
        "fixmedins_code": fixmedins_code or "",
        "admdvs": admdvs or "",
        "raw": mask_record(row.raw or {}, masked),
    }


def _select_rows(session: Session, user: User, filters: dict, offset: int, limit: int) -> list[dict]:
    masked = not auth.sees_identifiers(user)
    query = _quarantine_query(user, select(QuarantineRow, _row_institution(), _row_admdvs()), filters)
    result = session.execute(query.order_by(QuarantineRow.id).offset(offset).limit(limit))
    return [_view_row(r, inst, adm, masked) for r, inst, adm in result]


@router.get("/quarantine", response_class=HTMLResponse, include_in_schema=False)
def quarantine(
    request: Request,
    batch_id: str = "",
    table_name: str = "",
    reason_code: str = "",
    fixmedins_code: str = "",
    page: int = Query(1, ge=1),
    user: User = Depends(require_roles(*ALL_ROLES)),
):
    filters = _filters(batch_id, table_name, reason_code, fixmedins_code)
    with session_scope() as session:
        total = session.execute(_quarantine_query(user, select(func.count()), filters)).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        rows = _select_rows(session, user, filters, pg.offset, pg.size)
        tables = [
            t for (t,) in session.execute(select(QuarantineRow.table_name).distinct().order_by("table_name"))
        ]
        reasons = list(
            session.execute(
                select(QuarantineRow.reason_code, func.min(QuarantineRow.reason_zh))
                .group_by(QuarantineRow.reason_code)
                .order_by(QuarantineRow.reason_code)
            )
        )
    return render(
        request,
        "ingest/quarantine.html",
        {"rows": rows, "page": pg, "filters": filters, "tables": tables, "reasons": reasons},
        active="quarantine",
    )


def _scoped_row(session: Session, user: User, row_id: int) -> dict:
    inst = _row_institution()
    found = session.execute(
        select(QuarantineRow, inst, _row_admdvs())
        .outerjoin(Institution, Institution.fixmedins_code == inst)
        .where(QuarantineRow.id == row_id)
    ).first()
    if found is None:
        raise NotFound(
            "QUARANTINE_ROW_NOT_FOUND", f"隔离记录 {row_id} 不存在", f"no quarantined row {row_id}"
        )
    row, code, admdvs = found
    auth.check_access(user, code, admdvs)
    return _view_row(row, code, admdvs, not auth.sees_identifiers(user))


@router.get("/quarantine/export.xlsx", include_in_schema=False)
def quarantine_export(
    request: Request,
    batch_id: str = "",
    table_name: str = "",
    reason_code: str = "",
    fixmedins_code: str = "",
    user: User = Depends(require_roles(*ALL_ROLES)),
):
    """导出筛选后的隔离记录（Excel）；个人标识一律脱敏；导出写入审计日志。"""
    filters = _filters(batch_id, table_name, reason_code, fixmedins_code)
    wb = Workbook()
    ws = wb.active
    ws.title = "隔离区"
    headers = [
        "编号",
        "批次",
        "数据表",
        "文件",
        "行号",
        "字段",
        "值",
        "原因代码",
        "原因",
        "定点机构",
        "医保区划",
        "原始记录",
    ]
    ws.append(headers)
    with session_scope() as session:
        rows = _select_rows(session, user, filters, 0, EXPORT_LIMIT)
        for r in rows:
            raw = mask_record(r["raw"], True)
            value = r["value"]
            if r["column"] in IDENTIFIER_MASKS and value:
                value = IDENTIFIER_MASKS[r["column"]](value)
            ws.append(
                [
                    r["id"],
                    r["batch_id"],
                    r["table_name"],
                    r["file"],
                    r["line"],
                    r["column"],
                    value,
                    r["reason_code"],
                    r["reason_zh"],
                    r["fixmedins_code"],
                    r["admdvs"],
                    ", ".join(f"{k}={v}" for k, v in raw.items()),
                ]
            )
        auth.record(
            session,
            user.username,
            "quarantine.export",
            "quarantine",
            "",
            {"filters": filters, "rows": len(rows)},
            region=user.region,
            request_id=request_id(request),
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    name = f"quarantine-{date.today().isoformat()}.xlsx"
    return StreamingResponse(
        buffer,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/quarantine/{row_id}", response_class=HTMLResponse, include_in_schema=False)
def quarantine_row_page(request: Request, row_id: int, user: User = Depends(require_roles(*ALL_ROLES))):
    with session_scope() as session:
        row = _scoped_row(session, user, row_id)
    return render(request, "ingest/quarantine_row.html", {"row": row}, active="quarantine")


@router.get("/api/v1/quarantine/{row_id}", summary="隔离记录详情", tags=["隔离区"])
def quarantine_row_api(row_id: int, user: User = Depends(require_roles(*ALL_ROLES))) -> dict:
    """一条隔离记录；只能查看本机构/本辖区的数据（否则 403），不存在时 404。"""
    with session_scope() as session:
        return _scoped_row(session, user, row_id)
