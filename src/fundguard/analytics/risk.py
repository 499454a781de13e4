"""Risk scores (风险评分) for institutions, practitioners and insured persons, and OVERUSE findings.

A score combines four components in 0–1, weighted by ``risk.weights``:

- ``deviation`` (指标偏离): the significant deviations only (indicator alerts per
  ``indicator.*``, period ALL): Σ min(z, ``risk.z_clip``) / ``risk.z_clip`` over alerted
  indicators, capped at 1 — an entity without any alert gets 0;
- ``model`` (无监督模型): percentile of PyOD ECOD (or IsolationForest, ``risk.model``) fitted on the
  matrix of positive robust z-scores of all entities of the type;
- ``rules`` (规则命中): number and amount of rule findings pointing at the entity (when findings
  are supplied), each divided by the largest among entities of the type;
- ``special`` (专项信号): institutions — 进销存 gap amount and duplicate trace codes; practitioners —
  excess cost over the peer median and the focus list of the ranking; insured — shared events in a
  collusion ring; institutions also stays with consecutive bed/nursing-only days (挂床); each
  divided by the largest among entities of the type; the component is the largest of them.

Every score carries its top reasons: indicator, Chinese label, value, peer baseline (median), group
size and robust z, most significant first.
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
SPECIAL_LABELS = {
    "stock_gap_amount": "进销存差异金额",
    "duplicate_trace_codes": "追溯码重复销售数",
    "sale_no_purchase_items": "有销无进品种数",
    "sales_over_purchases": "销售超过进货数量",
    "idle_stays": "连续多日仅有床位护理费的住院人次",
    "stock_gap_units": "进销存差异数量",
    "excess_over_peer": "超出同行中位数金额",
    "ranking_focus": "同级同类同科室排名居前",
    "ring_shared_events": "团伙共同就诊次数",
    "rule_findings": "规则命中数",
    "rule_amount": "规则命中金额",
}


def _rel(series: pd.Series) -> pd.Series:
    """Share of the largest positive value (0 for non-positive values)."""
    s = series.fillna(0.0).astype(float).clip(lower=0.0)
    top = float(s.max()) if len(s) else 0.0
    return s / top if top > 0 else s * 0.0


def _model_scores(z: pd.DataFrame) -> pd.Series:
    prof = get_profile()
    if len(z) < 5 or z.shape[1] == 0:
        return pd.Series(0.0, index=z.index)
    x = z.to_numpy(dtype=float)
    if prof["risk.model"] == "iforest":
        from sklearn.ensemble import IsolationForest

        model = IsolationForest(random_state=int(prof["risk.random_seed"]), n_estimators=200).fit(x)
        raw = -model.score_samples(x)
    else:
        from pyod.models.ecod import ECOD

        raw = ECOD().fit(x).decision_scores_
    return pd.Series(raw, index=z.index).rank(pct=True, method="average")


def _reasons(cmp: pd.DataFrame, special: pd.DataFrame, top: int) -> dict[str, str]:
    """JSON reasons per entity: indicators by robust z, then special signals."""
    out: dict[str, list] = {}
    c = cmp[cmp["robust_z"] > 0].sort_values("robust_z", ascending=False)
    for r in c.itertuples():
        lst = out.setdefault(r.entity_id, [])
        if len(lst) < top:
            lst.append(
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
    special_reasons: dict[str, list] = {}
    for col in special.columns:
        base = float(special[col].median())
        for entity, val in special[col].items():
            if val and val > 0:
                special_reasons.setdefault(entity, []).append(
                    {
                        "indicator": col,
                        "label": SPECIAL_LABELS.get(col, col),
                        "value": round(float(val), 2),
                        "peer_baseline": round(base, 2),
                        "peer_group_size": int(len(special)),
                    }
                )
    entities = set(out) | set(special_reasons)
    return {
        e: json.dumps(
            (special_reasons.get(e, []) + out.get(e, []))[: top + len(special_reasons.get(e, []))],
            ensure_ascii=False,
        )
        for e in entities
    }


def score_entities(
    ind: pd.DataFrame, special: dict[str, pd.DataFrame] | None = None, findings: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``risk_scores.csv`` rows plus the component columns (for evaluation and the UI)."""
    prof = get_profile()
    weights = prof["risk.weights"]
    clip = float(prof["risk.z_clip"])
    top = int(prof["risk.top_reasons"])
    special = special or {}
    cmp_all = peers.compare(ind[ind["period"] == ALL])
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
        spec = special.get(etype, pd.DataFrame(index=entities)).reindex(entities).fillna(0.0)
        spec = spec.join(_rule_counts(findings, etype).reindex(entities).fillna(0.0))
        comp = pd.DataFrame(index=entities)
        alerted = cmp[cmp["alert"]].assign(zc=lambda d: d["robust_z"].clip(upper=clip) / clip)
        comp["deviation"] = (
            alerted.groupby("entity_id")["zc"].sum().reindex(entities).fillna(0.0).clip(upper=1.0)
        )
        comp["model"] = _model_scores(z)
        rule_cols = [c for c in ("rule_findings", "rule_amount") if c in spec]
        comp["rules"] = (
            pd.concat([_rel(spec[c]) for c in rule_cols], axis=1).max(axis=1) if rule_cols else 0.0
        )
        other = [c for c in spec.columns if c not in rule_cols]
        other = [c for c in other if (spec[c] > 0).any()]
        comp["special"] = pd.concat([_rel(spec[c]) for c in other], axis=1).max(axis=1) if other else 0.0
        comp["score"] = sum(
            float(weights.get(k, 0.0)) * comp[k] for k in ("deviation", "model", "rules", "special")
        )
        comp["score"] = comp["score"].round(6)
        reasons = _reasons(cmp, spec.loc[:, (spec > 0).any()], top)
        comp["reasons"] = [reasons.get(e, "[]") for e in comp.index]
        comp["entity_type"] = etype
        comp = comp.reset_index().sort_values(["score", "entity_id"], ascending=[False, True])
        comp["rank"] = np.arange(1, len(comp) + 1)
        frames.append(comp)
    if not frames:
        return pd.DataFrame(columns=[*RISK_SCORE_COLUMNS, "deviation", "model", "rules", "special"])
    out = pd.concat(frames, ignore_index=True)
    return out[[*RISK_SCORE_COLUMNS, "deviation", "model", "rules", "special"]]


def _rule_counts(findings: pd.DataFrame | None, etype: str) -> pd.DataFrame:
    col = {"institution": "fixmedins_code", "practitioner": "prac_psn_code", "insured": "psn_no"}[etype]
    if findings is None or findings.empty or col not in findings:
        return pd.DataFrame()
    f = findings[findings[col].notna() & (findings[col].astype(str) != "")]
    amount = pd.to_numeric(f.get("amount"), errors="coerce").fillna(0.0)
    g = f.assign(amount=amount).groupby(col)
    return pd.DataFrame({"rule_findings": g.size().astype(float), "rule_amount": g["amount"].sum()})


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
