"""一公开: the public record of a 双随机 target draw, enough for anyone to replay it.

A target draw becomes public once a result of its plan has been published (an inspection of the
plan reached 已公开 or 办结). The record holds the seed, the algorithm and its version, the
parameters, the candidate snapshot with its SHA-256 and the drawn targets; ``inspections/draw.py``
documents the algorithm, so the result can be recomputed independently of this server. Team draws
(随机选派) stay internal: their snapshot holds inspectors' declared relations (回避).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.errors import NotFound
from fundguard.inspections import draw as algo
from fundguard.inspections import service as svc
from fundguard.inspections.models import Draw, RandomInspection, RandomPlan

PUBLISHED_STATES = ("PUBLISHED", "CLOSED")


def public_draw(session: Session, draw_id: int) -> dict:
    """The replayable record of a published target draw; 404 for anything not (yet) public."""
    row = session.get(Draw, draw_id)
    published = (
        row is not None
        and row.kind == "TARGETS"
        and session.execute(
            select(RandomInspection.id)
            .where(RandomInspection.plan_id == row.plan_id, RandomInspection.status.in_(PUBLISHED_STATES))
            .limit(1)
        ).first()
        is not None
    )
    if not published:
        raise NotFound("DRAW_NOT_PUBLIC", f"抽取记录 {draw_id} 不存在或结果尚未公开", "draw not public")
    plan = session.get(RandomPlan, row.plan_id)
    replay = svc.replay(session, draw_id)
    return {
        "draw_id": row.id,
        "plan_period": plan.period,
        "admdvs": plan.admdvs,
        "drawn_on": row.drawn_on.isoformat(),
        "seed": row.seed,
        "algorithm": row.algorithm,
        "algorithm_version": row.algorithm_version,
        "params": row.params,
        "snapshot": row.snapshot,
        "snapshot_sha256": row.snapshot_sha256,
        "snapshot_intact": algo.sha256_of(row.snapshot) == row.snapshot_sha256,
        "result": row.result,
        "replay_equal": replay.equal,
    }
