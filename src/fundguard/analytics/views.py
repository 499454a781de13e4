"""HTTP routes /api/v1/analytics/…: the latest stored run's risk scores, alerts and rings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy.orm import Session

from fundguard.analytics import service
from fundguard.analytics.schemas import AlertOut, RingOut, RiskScoreOut, RunOut
from fundguard.db import request_session

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics 数据分析"])


db = request_session  # per-request session dependency (fundguard.db)


def _latest(session: Session):
    run = service.latest_run(session)
    if run is None:
        raise HTTPException(
            404, detail={"code": "NO_ANALYTICS_RUN", "message": "尚无分析结果，请先运行 fundguard risk"}
        )
    return run


@router.get("/runs/latest", response_model=RunOut, summary="最近一次分析批次")
def latest(session: Session = Depends(db)):
    return _latest(session)


@router.get("/risk-scores", response_model=list[RiskScoreOut], summary="风险分排名（含主要原因）")
def risk_scores(
    entity_type: str | None = Query(None, pattern="^(institution|practitioner|insured)$"),
    limit: int = Query(100, ge=1, le=10000),
    session: Session = Depends(db),
):
    return service.list_scores(session, _latest(session).id, entity_type, limit)


@router.get("/alerts", response_model=list[AlertOut], summary="指标预警（取值、同组中位数、区间、同组数量）")
def alerts(
    level: str | None = Query(None, pattern="^(institution|department|practitioner|insured)$"),
    limit: int = Query(500, ge=1, le=10000),
    session: Session = Depends(db),
):
    return service.list_alerts(session, _latest(session).id, level, limit)


@router.get("/rings/{ring_id}", response_model=RingOut, summary="团伙详情：成员、关系、共同就诊日")
def ring(ring_id: str, session: Session = Depends(db)):
    row = service.get_ring(session, _latest(session).id, ring_id)
    if row is None:
        raise HTTPException(404, detail={"code": "RING_NOT_FOUND", "message": f"团伙 {ring_id} 不存在"})
    return row.view
