"""HTTP API of the ingest domain under ``/api/v1/ingest`` (thin: parse, call the service, return).

Quarantined rows (隔离行) and batch reports (接入报告) for staff; loading itself is a CLI/service
operation (files live on the server), not an upload endpoint.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from fundguard.db import session_scope
from fundguard.errors import NotFound
from fundguard.ingest import service
from fundguard.ingest.models import IngestBatch
from fundguard.ingest.schemas import QuarantineOut
from fundguard.web.security import require_roles
from fundguard.web.templating import STAFF_ROLES

router = APIRouter(
    prefix="/api/v1/ingest", tags=["数据接入 ingest"], dependencies=[Depends(require_roles(*STAFF_ROLES))]
)


@router.get("/quarantine", summary="隔离行列表 quarantined rows", response_model=list[QuarantineOut])
def quarantine(
    batch: str | None = Query(None, description="批次号"),
    table: str | None = Query(None, description="表名"),
    reason: str | None = Query(None, description="原因代码"),
    limit: int = Query(100, ge=1, le=10000, description="最多行数"),
) -> list[QuarantineOut]:
    with session_scope() as session:
        return service.list_quarantine(session, batch, table, reason, limit)


@router.get("/batches/{batch_id}", summary="批次报告 batch report")
def batch_report(batch_id: str) -> dict:
    with session_scope() as session:
        batch = session.get(IngestBatch, batch_id)
        if batch is None:
            raise NotFound("BATCH_NOT_FOUND", f"批次 {batch_id} 不存在", f"batch {batch_id} not found")
        return {
            "batch_id": batch.batch_id,
            "status": batch.status,
            "actor": batch.actor,
            "report": batch.report,
        }
