"""Analytics service (数据分析): one run over a DuckDB connection with the contract views.

``analyse(con)`` computes indicators, alerts, the physician ranking, 进销存 and trace-code checks,
collusion rings, risk scores and OVERUSE findings; ``write_outputs`` writes ``risk_scores.csv``
(data contract) and the supporting CSV files; ``risk_folder`` is what ``fundguard risk`` runs.
No web or CLI imports here.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from fundguard.analytics import graph, indicators, peers, pharmacy, ranking, risk, source
from fundguard.contract import RISK_SCORE_COLUMNS

log = logging.getLogger(__name__)


@dataclass
class AnalyticsResult:
    indicators: pd.DataFrame
    alerts: pd.DataFrame
    ranking: pd.DataFrame
    stock: pd.DataFrame
    trace_duplicates: pd.DataFrame
    unmatched: pd.DataFrame
    rings: graph.RingResult
    scores: pd.DataFrame
    overuse: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


def analyse(con: duckdb.DuckDBPyConnection, findings: pd.DataFrame | None = None) -> AnalyticsResult:
    t: dict[str, float] = {}

    def timed(name, fn, *args):
        start = time.perf_counter()
        out = fn(*args)
        t[name] = time.perf_counter() - start
        return out

    ind = timed("indicators", indicators.compute_indicators, con)
    al = timed("alerts", peers.alerts, ind)
    rk = timed("ranking", ranking.rank_practitioners, ind)
    stock = timed("stock", pharmacy.stock_equation, con)
    dup = timed("trace", pharmacy.duplicate_trace_codes, con)
    unmatched = timed("unmatched", pharmacy.unmatched_flows, con)
    rings = timed("rings", graph.find_rings, con)
    over = timed("overuse", risk.overuse_findings, ind)
    special = _special_signals(con, rk, over, rings)
    scores = timed("scores", risk.score_entities, ind, special, findings)
    return AnalyticsResult(ind, al, rk, stock, dup, unmatched, rings, scores, over, t)


def _special_signals(
    con, rk: pd.DataFrame, over: pd.DataFrame, rings: graph.RingResult
) -> dict[str, pd.DataFrame]:
    inst = pharmacy.pharmacy_signals(con).set_index("fixmedins_code")
    idle = indicators.idle_stays(con).set_index("fixmedins_code")["idle_stays"].astype(float)
    inst = inst.join(idle, how="outer")
    amount = pd.to_numeric(over["amount"], errors="coerce") if not over.empty else pd.Series(dtype=float)
    if not over.empty:
        inst_over = (
            over.assign(amount=amount)[over["prac_psn_code"] == ""].groupby("fixmedins_code")["amount"].sum()
        )
        inst = inst.join(inst_over.rename("excess_over_peer"), how="outer")
    prac = pd.DataFrame()
    if not over.empty:
        prac_over = (
            over.assign(amount=amount)[over["prac_psn_code"] != ""].groupby("prac_psn_code")["amount"].sum()
        )
        prac = prac_over.rename("excess_over_peer").to_frame()
    if not rk.empty:
        focus = rk.set_index("entity_id")["focus"].astype(float).rename("ranking_focus")
        prac = prac.join(focus, how="outer") if not prac.empty else focus.to_frame()
    ins = pd.Series(rings.person_strength, dtype=float).rename("ring_shared_events").to_frame()
    return {"institution": inst.fillna(0.0), "practitioner": prac.fillna(0.0), "insured": ins}


def write_outputs(result: AnalyticsResult, out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "risk_scores": out_dir / "risk_scores.csv",
        "overuse_findings": out_dir / "overuse_findings.csv",
        "alerts": out_dir / "indicator_alerts.csv",
        "ranking": out_dir / "practitioner_ranking.csv",
        "stock": out_dir / "stock_reconciliation.csv",
        "trace": out_dir / "trace_duplicates.csv",
        "rings": out_dir / "collusion_rings.csv",
    }
    result.scores[list(RISK_SCORE_COLUMNS)].to_csv(files["risk_scores"], index=False, encoding="utf-8")
    result.overuse.to_csv(files["overuse_findings"], index=False, encoding="utf-8")
    result.alerts.to_csv(files["alerts"], index=False, encoding="utf-8")
    result.ranking.to_csv(files["ranking"], index=False, encoding="utf-8")
    result.stock[result.stock["mismatch"]].to_csv(files["stock"], index=False, encoding="utf-8")
    result.trace_duplicates.to_csv(files["trace"], index=False, encoding="utf-8")
    result.rings.rings.to_csv(files["rings"], index=False, encoding="utf-8")
    return files


def available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def open_input(input_dir: Path | None) -> tuple[duckdb.DuckDBPyConnection, str]:
    """Ingest ``input_dir`` (when the ingest service exists) and read the lake; else read the folder."""
    if input_dir is not None and available("fundguard.ingest.service"):
        from fundguard import migrate
        from fundguard.ingest.service import ingest_folder

        migrate.upgrade()
        report = ingest_folder(Path(input_dir))
        return source.open_lake(), f"ingested batch {report.batch_id} ({report.status})"
    if input_dir is not None:
        return source.open_folder(Path(input_dir)), "read folder directly (ingest service not installed)"
    return source.open_lake(), "lake"


def load_findings(*folders: Path | None) -> pd.DataFrame | None:
    """Rule findings written by ``fundguard audit`` (findings.parquet / findings.csv), if present."""
    for folder in folders:
        if folder is None:
            continue
        for name in ("findings.parquet", "findings.csv"):
            path = Path(folder) / name
            if path.exists():
                if name.endswith(".parquet"):
                    return pd.read_parquet(path)
                return pd.read_csv(path, dtype=str)
    return None


def run_rules(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """Rule findings on ``con`` from the rule engine (needs the relational store for its knowledge);
    None when the rule engine is not installed or cannot run."""
    if not available("fundguard.rules.service"):
        return None
    from fundguard import migrate
    from fundguard.db import session_scope
    from fundguard.rules import service as rules_service

    try:
        migrate.upgrade()
        with session_scope() as session:
            rules_service.ensure_imported(session)
            knowledge = rules_service.load_knowledge(
                session, suspensions=rules_service.suspension_periods(session)
            )
        table = rules_service.run_on_connection(con, knowledge)
    except Exception as exc:  # noqa: BLE001 — risk scores still come out without rule findings
        log.warning("rule engine failed, risk scores without rule findings: %s", exc)
        return None
    return table.to_pandas()


def risk_folder(
    input_dir: Path | None, out_dir: Path, save: bool = True, with_rules: bool = False
) -> tuple[AnalyticsResult, dict[str, Path], str]:
    con, how = open_input(input_dir)
    findings = load_findings(out_dir, input_dir)
    if findings is None and with_rules:
        findings = run_rules(con)
    result = analyse(con, findings)
    files = write_outputs(result, out_dir)
    if save:
        from fundguard import migrate
        from fundguard.db import session_scope

        migrate.upgrade()
        with session_scope() as session:
            run_id = save_run(session, result, f"{input_dir} ({how})")
        how += f"; stored as analytics run {run_id}"
    return result, files, how


# --- stored runs (relational store) -------------------------------------------------------------


def save_run(session, result: AnalyticsResult, source_note: str = "") -> int:
    """Store the scores, alerts (whole period) and rings of ``result`` as one run; returns its id."""
    import json
    from datetime import UTC, datetime

    from fundguard.analytics.models import AnalyticsRun, CollusionRing, IndicatorAlert, RiskScore

    summary = {
        "scores": {k: int(v) for k, v in result.scores.groupby("entity_type").size().items()},
        "alerts": len(result.alerts),
        "overuse_findings": len(result.overuse),
        "rings": len(result.rings.rings),
    }
    run = AnalyticsRun(started_at=datetime.now(UTC), source=source_note[:500], summary=summary)
    session.add(run)
    session.flush()
    session.add_all(
        RiskScore(
            run_id=run.id,
            entity_type=r.entity_type,
            entity_id=str(r.entity_id),
            score=float(r.score),
            rank=int(r.rank),
            reasons=json.loads(r.reasons),
        )
        for r in result.scores.itertuples()
    )
    whole = result.alerts[result.alerts["period"] == indicators.ALL]
    session.add_all(
        IndicatorAlert(
            run_id=run.id,
            level=r.level,
            entity_id=str(r.entity_id),
            period=r.period,
            indicator=r.indicator,
            value=float(r.value),
            peer_median=float(r.peer_median),
            band_low=float(r.band_low),
            band_high=float(r.band_high),
            robust_z=float(r.robust_z),
            peer_n=int(r.peer_n),
            peer_key=str(r.peer_key),
        )
        for r in whole.itertuples()
    )
    session.add_all(
        CollusionRing(
            run_id=run.id,
            ring_id=r.ring_id,
            persons=int(r.persons),
            view=graph.ring_view(result.rings, r.ring_id),
        )
        for r in result.rings.rings.itertuples()
    )
    session.flush()
    return run.id


def latest_run(session):
    from sqlalchemy import select

    from fundguard.analytics.models import AnalyticsRun

    return session.scalars(select(AnalyticsRun).order_by(AnalyticsRun.id.desc()).limit(1)).first()


def list_scores(session, run_id: int, entity_type: str | None = None, limit: int = 100) -> list:
    from sqlalchemy import select

    from fundguard.analytics.models import RiskScore

    q = select(RiskScore).where(RiskScore.run_id == run_id)
    if entity_type:
        q = q.where(RiskScore.entity_type == entity_type)
    return list(session.scalars(q.order_by(RiskScore.entity_type, RiskScore.rank).limit(limit)))


def list_alerts(session, run_id: int, level: str | None = None, limit: int = 500) -> list:
    from sqlalchemy import select

    from fundguard.analytics.models import IndicatorAlert

    q = select(IndicatorAlert).where(IndicatorAlert.run_id == run_id)
    if level:
        q = q.where(IndicatorAlert.level == level)
    return list(session.scalars(q.order_by(IndicatorAlert.robust_z.desc()).limit(limit)))


def get_ring(session, run_id: int, ring_id: str):
    from sqlalchemy import select

    from fundguard.analytics.models import CollusionRing

    return session.scalars(
        select(CollusionRing).where(CollusionRing.run_id == run_id, CollusionRing.ring_id == ring_id)
    ).first()
