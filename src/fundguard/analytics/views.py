"""HTTP routes /api/v1/analytics/…: the latest stored run's risk scores, alerts, rings, ranking and
the chart data of the analytics pages.

Staff roles only (institution users have no analytics access, decision 0013); every list is
restricted to the user's region (医保区划 prefix) and a single record of another region answers
403 (404 when the run has no such record). Insured persons' numbers are masked unless the role
may see identifiers.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from fundguard.analytics import present, service
from fundguard.analytics.indicators import INDICATORS
from fundguard.analytics.schemas import AlertOut, RankingOut, RingOut, RingSummaryOut, RiskScoreOut, RunOut
from fundguard.auth.models import User
from fundguard.auth.service import sees_identifiers
from fundguard.db import session_scope
from fundguard.errors import NotFound
from fundguard.web.security import require_roles
from fundguard.web.templating import STAFF_ROLES

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics 数据分析"])
staff = require_roles(*STAFF_ROLES)
ENTITY_PATTERN = "^(institution|practitioner|insured)$"


def _score_out(row, masked: bool) -> dict:
    view = present.score_view(row, masked)
    return {**view, "reasons": row.reasons}


@router.get("/runs/latest", response_model=RunOut, summary="最近一次分析批次")
def latest(user: User = Depends(staff)):
    with session_scope() as session:
        run = service.require_run(session)
        return RunOut(id=run.id, started_at=run.started_at, source=run.source, summary=run.summary)


@router.get("/risk-scores", response_model=list[RiskScoreOut], summary="风险分排名（含主要原因；本辖区）")
def risk_scores(
    entity_type: str | None = Query(None, pattern=ENTITY_PATTERN),
    limit: int = Query(100, ge=1, le=10000),
    offset: int = Query(0, ge=0),
    user: User = Depends(staff),
):
    masked = not sees_identifiers(user)
    with session_scope() as session:
        run = service.require_run(session)
        rows = service.list_scores(session, run.id, user, entity_type, limit, offset)
        return [_score_out(r, masked) for r in rows]


@router.get(
    "/risk-scores/{entity_type}/{entity_id}",
    response_model=RiskScoreOut,
    summary="单个对象的风险分与原因（其他辖区 403）",
)
def risk_score(entity_type: str, entity_id: str, user: User = Depends(staff)):
    if entity_type not in present.ENTITY_LABELS:
        raise NotFound("ENTITY_TYPE_UNKNOWN", f"未知对象类型：{entity_type}", "unknown entity type")
    with session_scope() as session:
        run = service.require_run(session)
        row = service.get_score(session, run.id, user, entity_type, entity_id)
        return _score_out(row, not sees_identifiers(user))


@router.get(
    "/alerts", response_model=list[AlertOut], summary="指标预警（取值、同组中位数、区间、同组数量；本辖区）"
)
def alerts(
    level: str | None = Query(None, pattern="^(institution|department|practitioner|insured)$"),
    limit: int = Query(500, ge=1, le=10000),
    offset: int = Query(0, ge=0),
    user: User = Depends(staff),
):
    masked = not sees_identifiers(user)
    with session_scope() as session:
        run = service.require_run(session)
        rows = service.list_alerts(session, run.id, user, level, limit, offset)
        return [
            AlertOut(
                level=a.level,
                entity_id=present.mask_psn(a.entity_id, masked) if a.level == "insured" else a.entity_id,
                period=a.period,
                indicator=a.indicator,
                value=a.value,
                peer_median=a.peer_median,
                band_low=a.band_low,
                band_high=a.band_high,
                robust_z=a.robust_z,
                peer_n=a.peer_n,
                peer_key=a.peer_key,
                fixmedins_code=a.fixmedins_code,
                admdvs=a.admdvs,
                volume=a.volume,
            )
            for a in rows
        ]


@router.get("/rings", response_model=list[RingSummaryOut], summary="团伙列表（涉及本辖区的）")
def rings(user: User = Depends(staff)):
    with session_scope() as session:
        run = service.require_run(session)
        return [
            RingSummaryOut(ring_id=r.ring_id, persons=r.persons, admdvs=r.admdvs, regions=r.regions or [])
            for r in service.list_rings(session, run.id, user)
        ]


def _ring(session, ring_id: str, user: User):
    run = service.require_run(session)
    row = service.get_ring(session, run.id, ring_id, user)
    if row is None:
        raise NotFound("RING_NOT_FOUND", f"团伙 {ring_id} 不存在", f"ring {ring_id} not found")
    return row


@router.get("/rings/{ring_id}", response_model=RingOut, summary="团伙详情：成员、关系、共同就诊日")
def ring(ring_id: str, user: User = Depends(staff)):
    with session_scope() as session:
        row = _ring(session, ring_id, user)
        return present.mask_ring(row.view, not sees_identifiers(user))


@router.get("/ranking", response_model=list[RankingOut], summary="医师同级同类同科室排名（本辖区）")
def ranking(
    peer_key: str | None = Query(None, max_length=128),
    focus: bool = Query(False, description="只看重点监管名单"),
    user: User = Depends(staff),
):
    with session_scope() as session:
        run = service.require_run(session)
        return [
            RankingOut.model_validate(r, from_attributes=True)
            for r in service.ranking_rows(session, run.id, user, peer_key, focus)
        ]


# --- chart data (full ECharts options, see web/static/js/app.js) ---------------------------------


@router.get(
    "/charts/institutions/{code}/indicators/{indicator}",
    summary="图表：机构指标逐月取值与同组中位数、区间",
)
def institution_indicator_chart(code: str, indicator: str, user: User = Depends(staff)) -> dict:
    if indicator not in INDICATORS:
        raise NotFound("INDICATOR_UNKNOWN", f"未知指标：{indicator}", "unknown indicator")
    with session_scope() as session:
        run = service.require_run(session)
        service.get_score(session, run.id, user, "institution", code)
        return present.indicator_chart(service.indicator_series(session, run.id, code, indicator), indicator)


@router.get("/charts/practitioners/{code}/trend", summary="图表：医师逐月就诊人次与次均费用")
def practitioner_trend_chart(code: str, user: User = Depends(staff)) -> dict:
    with session_scope() as session:
        run = service.require_run(session)
        service.get_score(session, run.id, user, "practitioner", code)
        rank = service.practitioner_rank(session, run.id, code)
        if rank is None:
            return {"empty": True}
        return present.trend_chart(rank.trend, rank.group_median_cost_per_visit)


@router.get("/charts/rings/{ring_id}", summary="图表：团伙关系图")
def ring_chart(ring_id: str, user: User = Depends(staff)) -> dict:
    with session_scope() as session:
        row = _ring(session, ring_id, user)
        return present.ring_chart(present.mask_ring(row.view, not sees_identifiers(user)))
