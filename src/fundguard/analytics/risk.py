"""Risk scores (风险评分) for institutions, practitioners and insured persons, and OVERUSE findings.

A score combines four components in 0–1, weighted by ``risk.weights``:

- ``deviation`` (指标偏离): the significant deviations only (indicator alerts per
  ``indicator.*``, period ALL), each counted by how far it goes beyond the alert threshold:
  Σ (min(z, ``risk.z_clip``) − z_alert) / (``risk.z_clip`` − z_alert), capped at 1 — an entity
  without any alert gets 0, a barely significant one little;
- ``model`` (无监督模型): outlier probability of PyOD ECOD (or IsolationForest, ``risk.model``)
  fitted on the matrix of positive robust z-scores of all entities of the type (PyOD's "unify"
  probability: ordinary entities get ≈ 0, not a uniform percentile);
- ``rules`` (规则命中): evidence strength of the amount of rule findings pointing at the entity
  as a share of its own fees (when findings are supplied);
- ``special`` (专项信号): evidence signals as shares of the entity's own business —
  institutions: 挂床 stays among inpatient stays, 进销存 gap, later sales of reused trace codes
  (一码多销), items sold but never bought (有销无进), units sold beyond purchases (销大于进),
  excess cost over peers; practitioners: excess cost over peers; insured: events shared with a
  collusion ring among their visits — combined as 1 − Π(1 − strength).

Evidence strength of a share s: e = max(0, s − peer median of s) (what is common among the
entities of the type is not evidence), strength = e / (e + ``risk.evidence_half_share``). Shares
are on an absolute scale, so a pharmacy that resold 3 codes out of thousands of sales stays weak
even when it is the largest such pharmacy (relative-to-largest scaling was rejected, decision 0013).

Every score carries its top reasons: signal or indicator, Chinese label, value, peer baseline
(median), group size and robust z, most significant first.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from fundguard.analytics import peers
from fundguard.analytics.indicators import ALL, INDICATORS
from fundguard.contract import FINDING_COLUMNS, RISK_SCORE_COLUMNS
from fundguard.profiles import get_profile

ENTITY_TYPES = ("institution", "practitioner", "insured")
COMPONENTS = ("deviation", "model", "rules", "special")
SPECIAL_LABELS = {
    "idle_stay_share": "挂床住院占比（连续多日仅有床位护理费的住院）",
    "stock_gap_share": "进销存差异金额占比",
    "duplicate_trace_share": "追溯码重复销售金额占比",
    "sale_no_purchase_share": "有销无进品种占比",
    "sales_beyond_purchase_share": "销售超过进货数量占比",
    "excess_over_peer_share": "超出同行中位数金额占比",
    "ring_shared_events": "与团伙成员共同就诊次数",
    "readmission_share": "短期再入院占住院次数比例",
    "rule_amount_share": "规则命中金额占比",
}
SIGNAL_COLUMNS = ["entity_type", "entity_id", "signal", "share", "detail"]


def evidence_strength(share: pd.Series, baseline: float, half: float) -> pd.Series:
    """e / (e + half) with e = max(0, share − baseline)."""
    e = (share.astype(float) - baseline).clip(lower=0.0).fillna(0.0)
    return e / (e + half) if half > 0 else (e > 0).astype(float)


def _model_scores(z: pd.DataFrame) -> pd.Series:
    prof = get_profile()
    if len(z) < 5 or z.shape[1] == 0 or not (z.to_numpy() > 0).any():
        return pd.Series(0.0, index=z.index)
    x = z.to_numpy(dtype=float)
    if prof["risk.model"] == "iforest":
        from sklearn.ensemble import IsolationForest

        model = IsolationForest(random_state=int(prof["risk.random_seed"]), n_estimators=200).fit(x)
        raw = -model.score_samples(x)
    else:
        from pyod.models.ecod import ECOD

        raw = ECOD().fit(x).decision_scores_
    # PyOD's "unify" probability (Kriegel et al. 2011): erf of the standardised score, ≥ 0
    from scipy.special import erf

    sd = float(np.std(raw))
    if sd == 0:
        return pd.Series(0.0, index=z.index)
    prob = erf((raw - float(np.mean(raw))) / (sd * np.sqrt(2))).clip(0, 1)
    return pd.Series(prob, index=z.index)


def _evidence(signals: pd.DataFrame, entities: pd.Index, half: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per entity and signal: strength (wide) and the reason rows (long, strength > 0 only)."""
    if signals.empty:
        return pd.DataFrame(index=entities), pd.DataFrame(
            columns=[*SIGNAL_COLUMNS, "strength", "baseline", "n"]
        )
    parts, wide = [], {}
    for signal, sub in signals.groupby("signal", sort=True):
        sub = sub.drop_duplicates("entity_id").set_index("entity_id")
        base = float(sub["share"].median())
        given = sub["strength"] if "strength" in sub else pd.Series(np.nan, index=sub.index)
        strength = given.astype(float).fillna(evidence_strength(sub["share"], base, half))
        wide[signal] = strength.reindex(entities).fillna(0.0)
        parts.append(
            sub.drop(columns=["strength"], errors="ignore")
            .assign(strength=strength, baseline=base, n=len(sub))
            .reset_index()
        )
    long = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(wide, index=entities), long[long["strength"] > 0]


def _reasons(cmp: pd.DataFrame, evidence: pd.DataFrame, top: int) -> dict[str, str]:
    """JSON reasons per entity: evidence signals (strongest first), then indicators by robust z."""
    out: dict[str, list] = {}
    for r in evidence.sort_values("strength", ascending=False).itertuples():
        out.setdefault(str(r.entity_id), []).append(
            {
                "indicator": r.signal,
                "label": SPECIAL_LABELS.get(r.signal, r.signal),
                "value": round(float(r.share), 4),
                "peer_baseline": round(float(r.baseline), 4),
                "peer_group_size": int(r.n),
                "strength": round(float(r.strength), 3),
                "detail": str(r.detail),
            }
        )
    c = cmp[cmp["robust_z"] > 0].sort_values(["alert", "robust_z"], ascending=[False, False])
    counted: dict[str, int] = {}
    for r in c.itertuples():
        if counted.get(r.entity_id, 0) >= top:
            continue
        counted[r.entity_id] = counted.get(r.entity_id, 0) + 1
        out.setdefault(str(r.entity_id), []).append(
            {
                "indicator": r.indicator,
                "label": INDICATORS[r.indicator].label_zh,
                "value": round(float(r.value), 4),
                "peer_baseline": round(float(r.peer_median), 4),
                "peer_group_size": int(r.peer_n),
                "robust_z": round(float(r.robust_z), 2),
                "alert": bool(r.alert),
            }
        )
    return {e: json.dumps(v, ensure_ascii=False) for e, v in out.items()}


def score_entities(
    ind: pd.DataFrame, special: pd.DataFrame | None = None, findings: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``risk_scores.csv`` rows plus the component columns (for evaluation and the UI).

    ``special``: evidence signals in long form (``SIGNAL_COLUMNS``), see ``service._special_signals``."""
    prof = get_profile()
    weights = prof["risk.weights"]
    clip = float(prof["risk.z_clip"])
    zmin = float(prof["indicator.significant_deviation_robust_z"])
    top = int(prof["risk.top_reasons"])
    half = float(prof["risk.evidence_half_share"])
    special = special if special is not None else pd.DataFrame(columns=SIGNAL_COLUMNS)
    whole = ind[ind["period"] == ALL]
    cmp_all = peers.compare(whole)
    frames = []
    for etype in ENTITY_TYPES:
        cmp = cmp_all[cmp_all["level"] == etype]
        entities = pd.Index(sorted(cmp["entity_id"].unique()), name="entity_id")
        if entities.empty:
            continue
        z = (
            cmp.assign(zp=cmp["robust_z"].clip(lower=0, upper=clip).fillna(0.0))
            .pivot_table(index="entity_id", columns="indicator", values="zp", fill_value=0.0)
            .reindex(entities, fill_value=0.0)
        )
        comp = pd.DataFrame(index=entities)
        alerted = cmp[cmp["alert"]].assign(
            zc=lambda d: ((d["robust_z"].clip(upper=clip) - zmin) / max(clip - zmin, 1e-9)).clip(lower=0.0)
        )
        comp["deviation"] = (
            alerted.groupby("entity_id")["zc"].sum().reindex(entities).fillna(0.0).clip(upper=1.0)
        )
        comp["model"] = _model_scores(z)
        signals = special[special["entity_type"] == etype]
        rules = _rule_shares(findings, etype, whole)
        rule_strength, rule_reasons = _evidence(rules, entities, half)
        comp["rules"] = (
            rule_strength.max(axis=1) if not rule_strength.empty and rule_strength.shape[1] else 0.0
        )
        strength, reasons_long = _evidence(signals, entities, half)
        comp["special"] = 1.0 - (1.0 - strength).prod(axis=1) if strength.shape[1] else 0.0
        comp["score"] = sum(float(weights.get(k, 0.0)) * comp[k] for k in COMPONENTS)
        comp["score"] = comp["score"].round(6)
        reasons = _reasons(cmp, pd.concat([reasons_long, rule_reasons], ignore_index=True), top)
        comp["reasons"] = [reasons.get(e, "[]") for e in comp.index]
        comp["entity_type"] = etype
        comp = comp.reset_index().sort_values(["score", "entity_id"], ascending=[False, True])
        comp["rank"] = np.arange(1, len(comp) + 1)
        frames.append(comp)
    if not frames:
        return pd.DataFrame(columns=[*RISK_SCORE_COLUMNS, *COMPONENTS])
    out = pd.concat(frames, ignore_index=True)
    return out[[*RISK_SCORE_COLUMNS, *COMPONENTS]]


def _rule_shares(findings: pd.DataFrame | None, etype: str, whole: pd.DataFrame) -> pd.DataFrame:
    """Rule findings per entity as evidence: amount pointing at it ÷ its own fees."""
    col = {"institution": "fixmedins_code", "practitioner": "prac_psn_code", "insured": "psn_no"}[etype]
    if findings is None or findings.empty or col not in findings:
        return pd.DataFrame(columns=SIGNAL_COLUMNS)
    indicator = "insured_total_cost" if etype == "insured" else "drug_share"
    column = "value" if etype == "insured" else "denominator"
    sub = whole[(whole["level"] == etype) & (whole["indicator"] == indicator)]
    fee = sub.set_index("entity_id")[column].astype(float)
    f = findings[findings[col].notna() & (findings[col].astype(str) != "")]
    amount = pd.to_numeric(f.get("amount"), errors="coerce").fillna(0.0)
    g = f.assign(amount=amount).groupby(f[col].astype(str))
    count = g.size().reindex(fee.index).fillna(0.0)
    total = g["amount"].sum().reindex(fee.index).fillna(0.0)
    share = (total / fee.where(fee > 0)).dropna()
    return pd.DataFrame(
        {
            "entity_type": etype,
            "entity_id": share.index.astype(str),
            "signal": "rule_amount_share",
            "share": share.clip(upper=1.0).to_numpy(),
            "detail": [f"{int(count[e])} 条，{total[e]:.2f} 元" for e in share.index],
        }
    )


def overuse_findings(ind: pd.DataFrame) -> pd.DataFrame:
    """Model-based OVERUSE findings: practitioners and institutions whose cost per visit (or per
    outpatient / inpatient visit) is a significant peer deviation; amount = excess over the peer
    median × visits. One finding per entity and indicator over the whole extract (no visit id)."""
    cmp = peers.compare(
        ind[
            (ind["period"] == ALL)
            & ind["indicator"].isin(
                ["cost_per_visit", "cost_per_outpatient_visit", "cost_per_inpatient_visit"]
            )
        ]
    )
    hit = cmp[cmp["alert"] & cmp["level"].isin(["institution", "practitioner"])]
    rows = []
    for r in hit.itertuples():
        excess = round(float((r.value - r.peer_median) * r.denominator), 2)
        label = INDICATORS[r.indicator].label_zh
        who = "医师" if r.level == "practitioner" else "机构"
        evidence = {
            "indicator": r.indicator,
            "value": round(float(r.value), 2),
            "peer_median": round(float(r.peer_median), 2),
            "band_high": round(float(r.band_high), 2),
            "robust_z": round(float(r.robust_z), 2),
            "peer_group_size": int(r.peer_n),
            "peer_key": r.peer_key,
            "visits": int(r.denominator),
            "period": ALL,
        }
        key = f"ANA-OVERUSE|1|{r.level}|{r.entity_id}|{r.indicator}"
        rows.append(
            {
                "finding_id": hashlib.sha1(key.encode()).hexdigest()[:20],
                "rule_code": "ANA-OVERUSE",
                "rule_version": "1",
                "category": "OVERUSE",
                "severity": "warn",
                "mdtrt_id": "",
                "setl_id": "",
                "feedetl_sn": "",
                "psn_no": "",
                "fixmedins_code": r.fixmedins_code,
                "prac_psn_code": r.entity_id if r.level == "practitioner" else "",
                "amount": excess,
                "message": f"{who}{r.entity_id}{label}{r.value:.2f}元，同级同类中位数{r.peer_median:.2f}元"
                f"（同组{int(r.peer_n)}个），超出部分合计{excess:.2f}元",
                "evidence": json.dumps(evidence, ensure_ascii=False),
            }
        )
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
