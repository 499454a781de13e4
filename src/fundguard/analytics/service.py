"""Analytics service (数据分析): one run over a DuckDB connection with the contract views.

``analyse(con)`` computes indicators, alerts, the physician ranking, 进销存 and trace-code checks,
collusion rings, risk scores and OVERUSE findings; ``write_outputs`` writes ``risk_scores.csv``
(data contract) and the supporting CSV files; ``risk_folder`` is what ``fundguard risk`` runs.
``engine="spark"`` (``fundguard risk --engine spark``) runs the indicator step — the monitoring
indicators and the idle-stay counts, the part that reads every fee line — on Spark over a copy of
the contract tables of ``con``; everything after it stays on DuckDB and pandas.
No web or CLI imports here.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from fundguard.analytics import graph, indicators, peers, pharmacy, ranking, risk, runner, source
from fundguard.contract import RISK_SCORE_COLUMNS
from fundguard.profiles import get_profile

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
    # entity_type, entity_id, fixmedins_code, admdvs: where each scored entity belongs (region scope)
    homes: pd.DataFrame = field(default_factory=pd.DataFrame)
    # institution indicators of every period with peer baseline and band (charts)
    institution_series: pd.DataFrame = field(default_factory=pd.DataFrame)


def analyse(
    con: duckdb.DuckDBPyConnection, findings: pd.DataFrame | None = None, engine: str = "duckdb"
) -> AnalyticsResult:
    t: dict[str, float] = {}

    def timed(name, fn, *args):
        start = time.perf_counter()
        out = fn(*args)
        t[name] = time.perf_counter() - start
        return out

    run = timed("engine", runner.for_engine, con, engine)
    ind = timed("indicators", indicators.compute_indicators, run)
    idle = timed("idle_stays", indicators.idle_stays, run)
    run.release()
    al = timed("alerts", peers.alerts, ind)
    rk = timed("ranking", ranking.rank_practitioners, ind)
    stock = timed("stock", pharmacy.stock_equation, con)
    dup = timed("trace", pharmacy.duplicate_trace_codes, con)
    unmatched = timed("unmatched", pharmacy.unmatched_flows, con)
    rings = timed("rings", graph.find_rings, con)
    over = timed("overuse", risk.overuse_findings, ind)
    special = timed("signals", _special_signals, con, ind, over, rings, idle)
    scores = timed("scores", risk.score_entities, ind, special, findings)
    homes = timed("homes", entity_homes, con, ind)
    series = peers.describe(ind[ind["level"] == "institution"])
    return AnalyticsResult(ind, al, rk, stock, dup, unmatched, rings, scores, over, t, homes, series)


def entity_homes(con: duckdb.DuckDBPyConnection, ind: pd.DataFrame) -> pd.DataFrame:
    """Where each entity belongs: an institution its own 医保区划; a practitioner the institution of
    most of their visits (their peer group's institution); an insured person the institution of
    most of their visits (ties: the lower code)."""
    inst = con.execute(
        "SELECT fixmedins_code, any_value(coalesce(admdvs, '')) AS admdvs FROM fixmedins GROUP BY 1"
    ).df()
    region = dict(zip(inst["fixmedins_code"].astype(str), inst["admdvs"].astype(str), strict=False))
    frames = [
        pd.DataFrame(
            {
                "entity_type": "institution",
                "entity_id": inst["fixmedins_code"].astype(str),
                "fixmedins_code": inst["fixmedins_code"].astype(str),
            }
        )
    ]
    prac = ind[(ind["level"] == "practitioner") & (ind["period"] == indicators.ALL)]
    prac = prac.drop_duplicates("entity_id")
    frames.append(
        pd.DataFrame(
            {
                "entity_type": "practitioner",
                "entity_id": prac["entity_id"].astype(str),
                "fixmedins_code": prac["fixmedins_code"].astype(str),
            }
        )
    )
    psn = con.execute("""
        SELECT psn_no, arg_max(fixmedins_code, n * 1e9 - rn) AS fixmedins_code FROM (
            SELECT psn_no, fixmedins_code, count(*) AS n,
                   row_number() OVER (PARTITION BY psn_no ORDER BY fixmedins_code) AS rn
            FROM mdtrt WHERE psn_no IS NOT NULL GROUP BY psn_no, fixmedins_code
        ) GROUP BY psn_no
    """).df()
    frames.append(
        pd.DataFrame(
            {
                "entity_type": "insured",
                "entity_id": psn["psn_no"].astype(str),
                "fixmedins_code": psn["fixmedins_code"].astype(str),
            }
        )
    )
    out = pd.concat(frames, ignore_index=True)
    out["admdvs"] = out["fixmedins_code"].map(region).fillna("").astype(str)
    return out


def _special_signals(
    con, ind: pd.DataFrame, over: pd.DataFrame, rings: graph.RingResult, idle_stays: pd.DataFrame
) -> pd.DataFrame:
    """Evidence signals (专项信号) as shares of the entity's own business, long form:
    ``entity_type, entity_id, signal, share, detail``. An entity gets a row (possibly share 0)
    for every signal that applies to it, so that the peer median of the share is meaningful."""
    whole = ind[ind["period"] == indicators.ALL]

    def volume(level: str, indicator: str, column: str) -> pd.Series:
        sub = whole[(whole["level"] == level) & (whole["indicator"] == indicator)]
        return sub.set_index("entity_id")[column].astype(float)

    rows: list[pd.DataFrame] = []

    def add(
        etype: str, signal: str, share: pd.Series, detail: pd.Series, strength: pd.Series | None = None
    ) -> None:
        share = share.replace([np.inf, -np.inf], np.nan).dropna()
        if share.empty:
            return
        if strength is None:
            share = share.clip(lower=0.0, upper=1.0)
        rows.append(
            pd.DataFrame(
                {
                    "entity_type": etype,
                    "entity_id": share.index.astype(str),
                    "signal": signal,
                    "share": share.to_numpy(),
                    "detail": detail.reindex(share.index).fillna("").to_numpy(),
                    "strength": np.nan if strength is None else strength.reindex(share.index).to_numpy(),
                }
            )
        )

    fee = volume("institution", "drug_share", "denominator")
    n_in = volume("institution", "cost_per_inpatient_visit", "denominator")
    idle = idle_stays.set_index("fixmedins_code")["idle_stays"].astype(float)
    idle = idle.reindex(n_in.index).fillna(0.0)
    add(
        "institution",
        "idle_stay_share",
        idle / n_in,
        idle.map("{:.0f} 人次".format) + n_in.map(" / 住院 {:.0f} 人次".format),
    )
    ph = pharmacy.pharmacy_signals(con).set_index("fixmedins_code")
    if not ph.empty:
        pf = fee.reindex(ph.index)
        add(
            "institution",
            "stock_gap_share",
            ph["stock_gap_amount"] / pf,
            ph.apply(lambda r: f"差异 {r.stock_gap_units:.0f} 件，{r.stock_gap_amount:.2f} 元", axis=1),
        )
        add(
            "institution",
            "duplicate_trace_share",
            ph["duplicate_trace_amount"] / pf,
            ph.apply(
                lambda r: f"{r.duplicate_trace_lines:.0f} 笔重复销售，{r.duplicate_trace_amount:.2f} 元",
                axis=1,
            ),
        )
        add(
            "institution",
            "sale_no_purchase_share",
            ph["sale_no_purchase_items"] / ph["items_sold"].where(ph["items_sold"] > 0),
            ph.apply(
                lambda r: f"{r.sale_no_purchase_items:.0f} 个品种 / 销售 {r.items_sold:.0f} 个品种", axis=1
            ),
        )
        add(
            "institution",
            "sales_beyond_purchase_share",
            ph["sales_over_purchases"] / ph["units_sold"].where(ph["units_sold"] > 0),
            ph.apply(lambda r: f"多销 {r.sales_over_purchases:.0f} 件 / 销售 {r.units_sold:.0f} 件", axis=1),
        )
    amount = pd.to_numeric(over["amount"], errors="coerce") if not over.empty else pd.Series(dtype=float)
    for etype, is_prac in (("institution", False), ("practitioner", True)):
        total = fee if etype == "institution" else volume("practitioner", "drug_share", "denominator")
        if over.empty:
            excess = pd.Series(0.0, index=total.index)
        else:
            mask = (over["prac_psn_code"] != "") if is_prac else (over["prac_psn_code"] == "")
            key = "prac_psn_code" if is_prac else "fixmedins_code"
            excess = over.assign(amount=amount)[mask].groupby(key)["amount"].sum()
            excess = excess.reindex(total.index).fillna(0.0)
        add(etype, "excess_over_peer_share", excess / total.where(total > 0), excess.map("{:.2f} 元".format))
    visits = volume("insured", "visit_count", "value")
    n_in_psn = volume("insured", "inpatient_count", "value")
    readmit = volume("insured", "readmission_count", "value").reindex(n_in_psn.index).fillna(0.0)
    add(
        "insured",
        "readmission_share",
        readmit / n_in_psn.where(n_in_psn > 0),
        readmit.map("{:.0f} 次".format) + n_in_psn.map(" / 住院 {:.0f} 次".format),
    )
    if not rings.events.empty:
        # strength by how far the person's shared events exceed the ring threshold
        # (collusion.min_shared_days): x = (shared − threshold) / threshold, strength = x / (x + 1)
        threshold = float(get_profile()["collusion.min_shared_days"])
        shared = rings.events.explode("persons").groupby("persons").size().astype(float)
        x = ((shared - threshold) / threshold).clip(lower=0.0)
        add(
            "insured",
            "ring_shared_events",
            shared,
            shared.map("与团伙成员同日同服务方就诊 {:.0f} 次".format)
            + visits.reindex(shared.index).map(" / 就诊 {:.0f} 次".format),
            strength=x / (x + 1.0),
        )
    if not rows:
        return pd.DataFrame(columns=[*risk.SIGNAL_COLUMNS, "strength"])
    return pd.concat(rows, ignore_index=True)


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
    input_dir: Path | None,
    out_dir: Path,
    save: bool = True,
    with_rules: bool = False,
    engine: str = "duckdb",
) -> tuple[AnalyticsResult, dict[str, Path], str]:
    con, how = open_input(input_dir)
    findings = load_findings(out_dir, input_dir)
    if findings is None and with_rules:
        findings = run_rules(con)
    result = analyse(con, findings, engine)
    if engine != "duckdb":
        how += f"; indicators on {engine}"
    files = write_outputs(result, out_dir)
    if save:
        from fundguard import migrate
        from fundguard.db import session_scope

        migrate.upgrade()
        with session_scope() as session:
            run_id = save_run(session, result, f"{input_dir or '数据湖 lake'} ({how})")
        how += f"; stored as analytics run {run_id}"
    return result, files, how


# --- stored runs (relational store) -------------------------------------------------------------


def _num(value) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(f) or np.isinf(f) else f


def save_run(session, result: AnalyticsResult, source_note: str = "") -> int:
    """Store scores, whole-period alerts, rings, institution indicator series and the physician
    ranking of ``result`` as one run, each row with its 医保区划; returns the run id."""
    import json
    from datetime import UTC, datetime

    from fundguard.analytics.models import (
        AnalyticsRun,
        CollusionRing,
        IndicatorAlert,
        IndicatorValue,
        PractitionerRank,
        RiskScore,
    )

    homes = (
        result.homes
        if not result.homes.empty
        else pd.DataFrame(columns=["entity_type", "entity_id", "fixmedins_code", "admdvs"])
    )
    home = {(r.entity_type, r.entity_id): (r.fixmedins_code, r.admdvs) for r in homes.itertuples()}
    inst_region = {k[1]: v[1] for k, v in home.items() if k[0] == "institution"}
    whole = result.alerts[result.alerts["period"] == indicators.ALL]
    summary = {
        "scores": {k: int(v) for k, v in result.scores.groupby("entity_type").size().items()},
        "alerts": len(whole),
        "alerts_all_periods": len(result.alerts),
        "overuse_findings": len(result.overuse),
        "rings": len(result.rings.rings),
        "focus_practitioners": int(result.ranking["focus"].sum()) if "focus" in result.ranking else 0,
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
            fixmedins_code=home.get((r.entity_type, str(r.entity_id)), ("", ""))[0],
            admdvs=home.get((r.entity_type, str(r.entity_id)), ("", ""))[1],
            components={k: round(float(getattr(r, k)), 4) for k in risk.COMPONENTS},
        )
        for r in result.scores.itertuples()
    )
    level_type = {
        "institution": "institution",
        "department": "institution",
        "practitioner": "practitioner",
        "insured": "insured",
    }
    alert_rows = []
    for r in whole.itertuples():
        code, adm = home.get((level_type[r.level], str(r.entity_id)), ("", ""))
        if r.level == "department":
            code, adm = str(r.fixmedins_code), inst_region.get(str(r.fixmedins_code), "")
        alert_rows.append(
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
                fixmedins_code=code,
                admdvs=adm,
                volume=_num(r.volume),
            )
        )
    session.add_all(alert_rows)
    for r in result.rings.rings.itertuples():
        view = graph.ring_view(result.rings, r.ring_id)
        people = [m["id"] for m in view["members"] if m["kind"] == "insured"]
        member_regions = [home.get(("insured", p), ("", ""))[1] for p in people]
        providers = [m["id"] for m in view["members"] if m["kind"] in ("institution", "pharmacy")]
        regions = sorted({x for x in member_regions + [inst_region.get(p, "") for p in providers] if x})
        primary = pd.Series([x for x in member_regions if x], dtype=str).mode()
        session.add(
            CollusionRing(
                run_id=run.id,
                ring_id=r.ring_id,
                persons=int(r.persons),
                view=view,
                admdvs=str(primary.iloc[0]) if len(primary) else (regions[0] if regions else ""),
                regions=regions,
            )
        )
    series = result.institution_series
    if not series.empty:
        session.add_all(
            IndicatorValue(
                run_id=run.id,
                entity_id=str(r.entity_id),
                admdvs=inst_region.get(str(r.entity_id), ""),
                period=str(r.period),
                indicator=str(r.indicator),
                value=float(r.value),
                peer_median=_num(r.peer_median),
                band_low=_num(r.band_low),
                band_high=_num(r.band_high),
                robust_z=_num(r.robust_z),
                peer_n=int(r.peer_n),
                volume=_num(r.volume),
                alert=bool(r.alert),
            )
            for r in series.itertuples()
            if _num(r.value) is not None
        )
    rk = result.ranking
    if not rk.empty:
        trends = _trends(result.indicators)
        session.add_all(
            PractitionerRank(
                run_id=run.id,
                prac_psn_code=str(r.entity_id),
                fixmedins_code=str(r.fixmedins_code),
                admdvs=inst_region.get(str(r.fixmedins_code), ""),
                peer_key=str(r.peer_key),
                visits=int(r.visits),
                cost_per_visit=_num(getattr(r, "cost_per_visit", None)),
                total_cost=_num(getattr(r, "total_cost", None)),
                rank_cost_per_visit=None
                if _num(r.rank_cost_per_visit) is None
                else int(r.rank_cost_per_visit),
                rank_total_cost=None if _num(r.rank_total_cost) is None else int(r.rank_total_cost),
                group_n=int(r.group_n),
                group_median_cost_per_visit=_num(r.group_median_cost_per_visit),
                eligible=bool(r.eligible),
                focus=bool(r.focus),
                trend=trends.get(str(r.entity_id), []),
            )
            for r in rk.itertuples()
        )
    session.flush()
    return run.id


def _trends(ind: pd.DataFrame) -> dict[str, list[dict]]:
    """Monthly visits, cost per visit and total cost of every practitioner (月度趋势)."""
    sub = ind[
        (ind["level"] == "practitioner")
        & (ind["period"] != indicators.ALL)
        & (ind["indicator"] == "cost_per_visit")
    ].sort_values(["entity_id", "period"])
    out: dict[str, list[dict]] = {}
    for r in sub.itertuples():
        out.setdefault(str(r.entity_id), []).append(
            {
                "period": r.period,
                "visits": int(r.denominator),
                "cost_per_visit": round(float(r.value), 2),
                "total_cost": round(float(r.numerator), 2),
            }
        )
    return out


# --- reading stored runs, scoped to the user's region --------------------------------------------
# Institution users have no analytics access (peer scores compare them with other institutions);
# every other role sees the rows of its region (医保区划 prefix; "" = nationwide). Routes require
# staff roles; ``scope`` also returns nothing for an institution user, as a second line.


def latest_run(session):
    from sqlalchemy import select

    from fundguard.analytics.models import AnalyticsRun

    return session.scalars(select(AnalyticsRun).order_by(AnalyticsRun.id.desc()).limit(1)).first()


def require_run(session):
    from fundguard.errors import NotFound

    run = latest_run(session)
    if run is None:
        raise NotFound("NO_ANALYTICS_RUN", "尚无分析结果，请先运行 fundguard risk", "no analytics run yet")
    return run


def scope(user, admdvs_column):
    """SQL condition: rows of the user's region (nothing for institution users)."""
    from fundguard.auth.service import scope_filter

    return scope_filter(user, None, admdvs_column)


def check_row(user, admdvs: str | None) -> None:
    """403 unless the user may see a row of this region (institution users never)."""
    from fundguard.auth.service import check_access
    from fundguard.errors import Forbidden

    if user.role == "institution":
        raise Forbidden(
            "ROLE_FORBIDDEN", "定点机构用户无权查看风险分析", "institution users have no analytics access"
        )
    check_access(user, None, admdvs or "")


def ring_visible(user, ring) -> bool:
    if user.role == "institution":
        return False
    if not user.region:
        return True
    return any(str(r).startswith(user.region) for r in (ring.regions or [ring.admdvs or ""]))


def count_scores(session, run_id: int, user, entity_type: str | None = None) -> int:
    from sqlalchemy import func, select

    from fundguard.analytics.models import RiskScore

    q = (
        select(func.count())
        .select_from(RiskScore)
        .where(RiskScore.run_id == run_id, scope(user, RiskScore.admdvs))
    )
    if entity_type:
        q = q.where(RiskScore.entity_type == entity_type)
    return session.execute(q).scalar_one()


def list_scores(
    session,
    run_id: int,
    user,
    entity_type: str | None = None,
    limit: int = 100,
    offset: int = 0,
    fixmedins_code: str | None = None,
    entity_ids: list[str] | None = None,
) -> list:
    from sqlalchemy import select

    from fundguard.analytics.models import RiskScore

    q = select(RiskScore).where(RiskScore.run_id == run_id, scope(user, RiskScore.admdvs))
    if entity_type:
        q = q.where(RiskScore.entity_type == entity_type)
    if fixmedins_code:
        q = q.where(RiskScore.fixmedins_code == fixmedins_code)
    if entity_ids is not None:
        q = q.where(RiskScore.entity_id.in_(entity_ids))
    q = q.order_by(RiskScore.entity_type, RiskScore.rank).offset(offset).limit(limit)
    return list(session.scalars(q))


def get_score(session, run_id: int, user, entity_type: str, entity_id: str):
    """One entity's score; 404 when the run has none, 403 when it lies outside the user's region."""
    from sqlalchemy import select

    from fundguard.analytics.models import RiskScore
    from fundguard.errors import NotFound

    row = session.scalars(
        select(RiskScore).where(
            RiskScore.run_id == run_id, RiskScore.entity_type == entity_type, RiskScore.entity_id == entity_id
        )
    ).first()
    if row is None:
        raise NotFound(
            "RISK_SCORE_NOT_FOUND", f"最近一次分析中没有该对象的风险分：{entity_id}", "no such risk score"
        )
    check_row(user, row.admdvs)
    return row


def get_score_by_id(session, run_id: int, user, score_id: int, entity_type: str | None = None):
    from fundguard.analytics.models import RiskScore
    from fundguard.errors import NotFound

    row = session.get(RiskScore, score_id)
    if row is None or row.run_id != run_id or (entity_type and row.entity_type != entity_type):
        raise NotFound(
            "RISK_SCORE_NOT_FOUND", f"最近一次分析中没有编号为 {score_id} 的风险分", "no such risk score"
        )
    check_row(user, row.admdvs)
    return row


def list_alerts(
    session,
    run_id: int,
    user,
    level: str | None = None,
    limit: int = 500,
    offset: int = 0,
    fixmedins_code: str | None = None,
    entity_id: str | None = None,
) -> list:
    from sqlalchemy import select

    from fundguard.analytics.models import IndicatorAlert

    q = select(IndicatorAlert).where(IndicatorAlert.run_id == run_id, scope(user, IndicatorAlert.admdvs))
    if level:
        q = q.where(IndicatorAlert.level == level)
    if fixmedins_code:
        q = q.where(IndicatorAlert.fixmedins_code == fixmedins_code)
    if entity_id:
        q = q.where(IndicatorAlert.entity_id == entity_id)
    q = q.order_by(IndicatorAlert.robust_z.desc(), IndicatorAlert.id).offset(offset).limit(limit)
    return list(session.scalars(q))


def count_alerts(session, run_id: int, user, level: str | None = None) -> int:
    from sqlalchemy import func, select

    from fundguard.analytics.models import IndicatorAlert

    q = (
        select(func.count())
        .select_from(IndicatorAlert)
        .where(IndicatorAlert.run_id == run_id, scope(user, IndicatorAlert.admdvs))
    )
    if level:
        q = q.where(IndicatorAlert.level == level)
    return session.execute(q).scalar_one()


def list_rings(session, run_id: int, user) -> list:
    from sqlalchemy import select

    from fundguard.analytics.models import CollusionRing

    rows = session.scalars(
        select(CollusionRing).where(CollusionRing.run_id == run_id).order_by(CollusionRing.ring_id)
    )
    return [r for r in rows if ring_visible(user, r)]


def get_ring(session, run_id: int, ring_id: str, user=None):
    """One ring; None when absent; 403 when none of its regions is the user's."""
    from sqlalchemy import select

    from fundguard.analytics.models import CollusionRing
    from fundguard.errors import Forbidden

    row = session.scalars(
        select(CollusionRing).where(CollusionRing.run_id == run_id, CollusionRing.ring_id == ring_id)
    ).first()
    if row is not None and user is not None and not ring_visible(user, row):
        raise Forbidden("OUT_OF_SCOPE", "无权访问本辖区以外的数据", "ring is outside your region")
    return row


def rings_of_person(session, run_id: int, psn_no: str) -> list[str]:
    from sqlalchemy import select

    from fundguard.analytics.models import CollusionRing

    rows = session.scalars(select(CollusionRing).where(CollusionRing.run_id == run_id))
    return [
        r.ring_id
        for r in rows
        if any(
            m.get("kind") == "insured" and m.get("id") == psn_no for m in (r.view or {}).get("members", [])
        )
    ]


def indicator_series(session, run_id: int, institution: str, indicator: str | None = None) -> list:
    from sqlalchemy import select

    from fundguard.analytics.models import IndicatorValue

    q = select(IndicatorValue).where(IndicatorValue.run_id == run_id, IndicatorValue.entity_id == institution)
    if indicator:
        q = q.where(IndicatorValue.indicator == indicator)
    return list(session.scalars(q.order_by(IndicatorValue.indicator, IndicatorValue.period)))


def ranking_groups(session, run_id: int, user) -> list[tuple[str, int, int]]:
    """(peer_key, practitioners, focus) of the groups with a practitioner in the user's region."""
    from sqlalchemy import case, func, select

    from fundguard.analytics.models import PractitionerRank

    rows = session.execute(
        select(
            PractitionerRank.peer_key,
            func.count(),
            func.sum(case((PractitionerRank.focus.is_(True), 1), else_=0)),
        )
        .where(PractitionerRank.run_id == run_id, scope(user, PractitionerRank.admdvs))
        .group_by(PractitionerRank.peer_key)
        .order_by(PractitionerRank.peer_key)
    ).all()
    return [(k, int(n), int(f or 0)) for k, n, f in rows]


def ranking_rows(session, run_id: int, user, peer_key: str | None = None, focus_only: bool = False) -> list:
    """Ranked practitioners of one group (or the focus list), restricted to the user's region."""
    from sqlalchemy import select

    from fundguard.analytics.models import PractitionerRank

    q = select(PractitionerRank).where(
        PractitionerRank.run_id == run_id, scope(user, PractitionerRank.admdvs)
    )
    if peer_key:
        q = q.where(PractitionerRank.peer_key == peer_key)
    if focus_only:
        q = q.where(PractitionerRank.focus.is_(True))
    q = q.order_by(
        PractitionerRank.peer_key,
        PractitionerRank.rank_cost_per_visit.is_(None),
        PractitionerRank.rank_cost_per_visit,
        PractitionerRank.prac_psn_code,
    )
    return list(session.scalars(q))


def practitioner_rank(session, run_id: int, prac_psn_code: str):
    from sqlalchemy import select

    from fundguard.analytics.models import PractitionerRank

    return session.scalars(
        select(PractitionerRank).where(
            PractitionerRank.run_id == run_id, PractitionerRank.prac_psn_code == prac_psn_code
        )
    ).first()
