"""一公开: once a plan's result is published, anyone (no login) gets the target draw's record and can
recompute it with the documented algorithm; before that, and for team draws, there is nothing public."""

from __future__ import annotations

from fastapi.testclient import TestClient

from fundguard.db import session_scope
from fundguard.inspections import draw as algo
from fundguard.inspections import service
from fundguard.web.app import create_app

from .test_random_workflow import ON, ORDER, _setup, _steps


def _draw_ids(session, plan_id):
    from sqlalchemy import select

    from fundguard.inspections.models import Draw

    rows = session.execute(select(Draw.kind, Draw.id).where(Draw.plan_id == plan_id)).all()
    return dict(rows)


def test_a_published_target_draw_is_public_and_replays_independently(store):
    with session_scope() as session:
        plan, _ = _setup(session, targets=3)
        service.assign_teams(session, plan.id, ON, seed=1)
        first = service.inspections(session, plan.id)[0]
        ids = _draw_ids(session, plan.id)
    anyone = TestClient(create_app())
    assert anyone.get(f"/public/draws/{ids['TARGETS']}.json").status_code == 404  # not published yet

    with session_scope() as session:
        for step in ORDER[:5]:
            _steps(session, first.id)[step]()
    record = anyone.get(f"/public/draws/{ids['TARGETS']}.json")
    assert record.status_code == 200
    r = record.json()
    # Anyone's replay: the documented algorithm on the published seed, snapshot and ratio.
    assert algo.sha256_of(r["snapshot"]) == r["snapshot_sha256"]
    assert algo.draw_targets(r["snapshot"], int(r["seed"]), float(r["params"]["ratio"])) == r["result"]
    assert r["replay_equal"] is True and len(r["result"]) >= 1
    page = anyone.get(f"/public/draws/{ids['TARGETS']}")
    assert page.status_code == 200 and "与公布结果一致" in page.text and r["snapshot_sha256"] in page.text
    # Team draws hold inspectors' declared relations: never public.
    assert anyone.get(f"/public/draws/{ids['TEAMS']}.json").status_code == 404
    assert anyone.get("/public/draws/999999.json").status_code == 404
