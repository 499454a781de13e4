"""Stored analytics runs: every row keeps its 医保区划 and the run holds the chart and ranking data."""

from __future__ import annotations

from sqlalchemy import func, select

from fundguard.analytics import service
from fundguard.analytics.indicators import ALL
from fundguard.analytics.models import (
    CollusionRing,
    IndicatorAlert,
    IndicatorValue,
    PractitionerRank,
    RiskScore,
)
from fundguard.db import session_scope


def test_saved_run_keeps_regions_series_and_ranking(store, synth_city):
    result, anomalies = synth_city
    with session_scope() as session:
        run_id = service.save_run(session, result, "synthetic city")
    with session_scope() as session:
        run = service.latest_run(session)
        assert run.id == run_id and run.summary["rings"] == 1
        assert run.summary["alerts"] == int((result.alerts["period"] == ALL).sum())
        scores = session.scalars(select(RiskScore).where(RiskScore.run_id == run_id)).all()
        assert len(scores) == len(result.scores)
        assert all(s.admdvs.startswith("3204") for s in scores)
        by_type = {(s.entity_type, s.entity_id): s for s in scores}
        inst = by_type[("institution", "H32040400001")]
        assert inst.admdvs == "320404" and inst.fixmedins_code == "H32040400001"
        assert set(inst.components) == {"deviation", "model", "rules", "special"}
        ring_people = set(anomalies.loc[anomalies["kind"] == "ring", "entity_id"])
        top_insured = sorted((s for s in scores if s.entity_type == "insured"), key=lambda s: s.rank)[:8]
        assert {s.entity_id for s in top_insured} == ring_people
        assert all(s.reasons and s.reasons[0]["indicator"] == "ring_shared_events" for s in top_insured)
        alerts = session.scalars(select(IndicatorAlert).where(IndicatorAlert.run_id == run_id)).all()
        assert alerts and all(a.admdvs.startswith("3204") and a.peer_n >= 5 for a in alerts)
        ring = session.scalars(select(CollusionRing).where(CollusionRing.run_id == run_id)).one()
        assert ring.regions and ring.admdvs in ring.regions
        series = session.scalars(
            select(IndicatorValue).where(
                IndicatorValue.run_id == run_id,
                IndicatorValue.entity_id == "H32040400001",
                IndicatorValue.indicator == "drug_share",
            )
        ).all()
        assert len([v for v in series if v.period != ALL]) == 12
        assert all(v.admdvs == "320404" and v.peer_median is not None for v in series)
        ranks = session.execute(select(func.count()).select_from(PractitionerRank)).scalar_one()
        assert ranks == len(result.ranking)
        some = session.scalars(select(PractitionerRank).where(PractitionerRank.visits > 0)).first()
        assert some.trend and {"period", "visits", "cost_per_visit", "total_cost"} <= set(some.trend[0])
