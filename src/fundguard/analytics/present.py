"""Presentation of stored analytics runs (展示): labels, masking, value formats and ECharts options.

Shared by the JSON API (``views.py``) and the HTML pages (``pages.py``); no web imports here.
Insured persons' numbers (``psn_no``) are personal identifiers: masked (first 6 and last 4
characters kept) unless the user may see identifiers (``auth.sees_identifiers``); pages link to an
insured person by the id of the stored risk-score row, never by the number. Practitioners' names
are masked the same way; practitioner and institution codes are shown.
"""

from __future__ import annotations

from typing import Any

from fundguard.analytics.indicators import ALL, INDICATORS
from fundguard.analytics.risk import SPECIAL_LABELS
from fundguard.auth.privacy import mask_certno, mask_name

ENTITY_LABELS = {"institution": "定点机构", "practitioner": "医保医师", "insured": "参保人"}
LEVEL_LABELS = {"institution": "机构", "department": "科室", "practitioner": "医师", "insured": "参保人"}
COMPONENT_LABELS = {
    "deviation": "指标偏离",
    "model": "无监督模型",
    "rules": "规则命中",
    "special": "专项信号",
}
INSTITUTION_TYPES = {"1": "定点医疗机构", "2": "定点零售药店"}
PERCENT = {
    "hospitalisation_rate",
    "drug_share",
    "consumable_share",
    "exam_share",
    "bed_nursing_share",
    "readmission_rate",
    "bed_occupancy",
    "weekend_admission_share",
    "top_drug_share",
}
YUAN = {
    "cost_per_outpatient_visit",
    "cost_per_inpatient_visit",
    "cost_per_visit",
    "total_cost",
    "insured_total_cost",
}


def mask_psn(psn_no: str | None, masked: bool) -> str:
    return mask_certno(psn_no) if masked else (psn_no or "")


def shown_name(name: str | None, masked: bool) -> str:
    return mask_name(name) if masked else (name or "")


def indicator_label(code: str) -> str:
    if code in INDICATORS:
        return INDICATORS[code].label_zh
    return SPECIAL_LABELS.get(code, code)


def format_value(code: str, value: Any) -> str:
    """A value in the unit of its indicator: shares in %, money in 元, others with 2 decimals."""
    if value is None:
        return "—"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if code == "ring_shared_events":
        return f"{v:.0f} 次"
    if code in PERCENT or code in SPECIAL_LABELS:
        return f"{v * 100:.2f}%"
    if code in YUAN:
        return f"{v:,.2f} 元"
    if code in INDICATORS and INDICATORS[code].count:
        return f"{v:.1f}".removesuffix(".0")
    return f"{v:.2f}"


def peer_label(peer_key: str) -> str:
    """``05|1|A03`` → ``医院等级05 · 定点医疗机构 · 科室A03`` (``*`` = 各等级)."""
    if peer_key in ("inpatient", "outpatient"):
        return "有住院的参保人" if peer_key == "inpatient" else "无住院的参保人"
    parts = str(peer_key).split("|")
    out = []
    if parts and parts[0]:
        out.append("各等级" if parts[0] == "*" else f"医院等级{parts[0]}")
    if len(parts) > 1 and parts[1]:
        out.append(INSTITUTION_TYPES.get(parts[1], parts[1]))
    if len(parts) > 2 and parts[2]:
        out.append(f"科室{parts[2]}")
    return " · ".join(out) or str(peer_key)


def band_text(code: str, low, high) -> str:
    """The peer band in the indicator's unit; indicators are never negative, so neither is the band."""
    low = None if low is None else max(float(low), 0.0)
    return f"{format_value(code, low)} – {format_value(code, high)}"


def reason_views(reasons: list[dict]) -> list[dict]:
    return [
        {
            **r,
            "label": r.get("label") or indicator_label(r.get("indicator", "")),
            "value_text": format_value(r.get("indicator", ""), r.get("value")),
            "baseline_text": format_value(r.get("indicator", ""), r.get("peer_baseline")),
            "kind": "专项信号" if r.get("strength") is not None else "指标",
            "robust_z": r.get("robust_z"),
            "alert": bool(r.get("alert")),
            "strength": r.get("strength"),
            "detail": r.get("detail") or "",
            "peer_group_size": r.get("peer_group_size"),
        }
        for r in reasons or []
    ]


def entity_link(entity_type: str, entity_id: str, score_id: int | None = None) -> str:
    if entity_type == "institution":
        return f"/analytics/institutions/{entity_id}"
    if entity_type == "practitioner":
        return f"/analytics/practitioners/{entity_id}"
    return f"/analytics/insured/{score_id}" if score_id is not None else ""


def score_view(row, masked: bool, names: dict[str, str] | None = None) -> dict:
    """A stored RiskScore as a dict for pages and the API (insured numbers masked)."""
    names = names or {}
    shown = mask_psn(row.entity_id, masked) if row.entity_type == "insured" else row.entity_id
    return {
        "id": row.id,
        "entity_type": row.entity_type,
        "entity_type_label": ENTITY_LABELS.get(row.entity_type, row.entity_type),
        "entity_id": shown,
        "name": names.get(row.entity_id, ""),
        "link": entity_link(row.entity_type, row.entity_id, row.id),
        "score": row.score,
        "rank": row.rank,
        "fixmedins_code": row.fixmedins_code,
        "admdvs": row.admdvs,
        "components": row.components or {},
        "reasons": reason_views(row.reasons),
    }


def mask_ring(view: dict, masked: bool) -> dict:
    """The stored ring view with insured numbers masked (members, edges, shared days)."""
    if not masked:
        return view

    def node(name: str) -> str:
        kind, _, ident = str(name).partition(":")
        return f"{kind}:{mask_psn(ident, True)}" if kind == "insured" else name

    return {
        **view,
        "members": [
            {**m, "id": mask_psn(m["id"], True)} if m.get("kind") == "insured" else m
            for m in view.get("members", [])
        ],
        "edges": [
            {**e, "source": node(e["source"]), "target": node(e["target"])} for e in view.get("edges", [])
        ],
        "shared_days": [
            {**d, "persons": [mask_psn(p, True) for p in d.get("persons", [])]}
            for d in view.get("shared_days", [])
        ],
    }


# --- ECharts options (returned as JSON; app.js renders them; no functions inside) ---------------

BLUE, RED, GREY = "#0b3d91", "#b3261e", "#5f6b7a"


def indicator_chart(rows: list, indicator: str) -> dict:
    """Value of one institution per month against the peer median and band (同组区间)."""
    months = [r for r in rows if r.period != ALL]
    label = indicator_label(indicator)
    if not months:
        return {"empty": True, "title": {"text": label, "left": 8, "textStyle": {"fontSize": 14}}}
    periods = [r.period for r in months]
    low = [None if r.band_low is None else round(max(r.band_low, 0.0), 6) for r in months]
    high = [None if r.band_high is None else round(r.band_high, 6) for r in months]
    width = [
        None if lo is None or hi is None else round(max(hi - lo, 0.0), 6)
        for lo, hi in zip(low, high, strict=True)
    ]
    values = [
        {"value": round(r.value, 6), "itemStyle": {"color": RED}} if r.alert else round(r.value, 6)
        for r in months
    ]
    return {
        "animation": False,
        "title": {"text": label, "left": 8, "top": 0, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["本机构", "同组中位数", "同组区间"], "right": 8, "top": 0},
        "grid": {"left": 64, "right": 24, "top": 48, "bottom": 36},
        "xAxis": {"type": "category", "data": periods},
        "yAxis": {"type": "value", "scale": True},
        "series": [
            {
                "name": "区间下限",
                "type": "line",
                "data": low,
                "stack": "band",
                "symbol": "none",
                "lineStyle": {"opacity": 0},
                "tooltip": {"show": False},
            },
            {
                "name": "同组区间",
                "type": "line",
                "data": width,
                "stack": "band",
                "symbol": "none",
                "lineStyle": {"opacity": 0},
                "areaStyle": {"color": "rgba(11,61,145,0.15)"},
                "color": "rgba(11,61,145,0.35)",
            },
            {
                "name": "同组中位数",
                "type": "line",
                "data": [None if r.peer_median is None else round(r.peer_median, 6) for r in months],
                "symbol": "none",
                "lineStyle": {"type": "dashed", "color": GREY},
                "color": GREY,
            },
            {"name": "本机构", "type": "line", "data": values, "color": BLUE, "symbolSize": 7},
        ],
    }


def trend_chart(trend: list[dict], group_median: float | None) -> dict:
    """A practitioner's monthly visits (bars) and cost per visit (line) with the group median."""
    if not trend:
        return {"empty": True}
    cost = {
        "name": "次均费用",
        "type": "line",
        "yAxisIndex": 1,
        "color": RED,
        "data": [t["cost_per_visit"] for t in trend],
    }
    if group_median is not None:
        cost["markLine"] = {
            "symbol": "none",
            "lineStyle": {"type": "dashed", "color": GREY},
            "label": {"formatter": "同组中位数"},
            "data": [{"yAxis": round(group_median, 2)}],
        }
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["就诊人次", "次均费用"], "top": 0},
        "grid": {"left": 56, "right": 64, "top": 40, "bottom": 36},
        "xAxis": {"type": "category", "data": [t["period"] for t in trend]},
        "yAxis": [{"type": "value", "name": "人次", "minInterval": 1}, {"type": "value", "name": "元"}],
        "series": [
            {
                "name": "就诊人次",
                "type": "bar",
                "color": BLUE,
                "barMaxWidth": 28,
                "data": [t["visits"] for t in trend],
            },
            cost,
        ],
    }


KIND_LABELS = {"insured": "参保人", "practitioner": "医师", "pharmacy": "药店", "institution": "机构"}


def node_label(name: str) -> str:
    """``insured:3204…`` → ``参保人 3204…``."""
    kind, _, ident = str(name).partition(":")
    return f"{KIND_LABELS.get(kind, kind)} {ident}" if ident else str(name)


def ring_chart(view: dict) -> dict:
    """Force graph of a ring: insured persons, practitioners, pharmacies, institutions."""
    kinds = list(KIND_LABELS)
    seen: dict[str, str] = {}
    nodes = []
    for m in view.get("members", []):
        key = f"{m['kind']}:{m['id']}"
        label = f"{KIND_LABELS.get(m['kind'], m['kind'])} {m['id']}"
        while label in seen.values():
            label += "′"
        seen[key] = label
        nodes.append(
            {
                "name": label,
                "category": kinds.index(m["kind"]) if m["kind"] in kinds else 0,
                "symbolSize": 18 if m["kind"] == "insured" else 26,
            }
        )
    links = [
        {
            "source": seen[e["source"]],
            "target": seen[e["target"]],
            "value": e["weight"],
            "lineStyle": {"width": min(1 + float(e["weight"]) / 4, 6)},
        }
        for e in view.get("edges", [])
        if e["source"] in seen and e["target"] in seen
    ]
    if not nodes:
        return {"empty": True}
    return {
        "animation": False,
        "tooltip": {},
        "legend": {"data": [KIND_LABELS[k] for k in kinds], "bottom": 0},
        "series": [
            {
                "type": "graph",
                "layout": "force",
                "roam": True,
                "draggable": True,
                "label": {"show": True, "position": "right", "fontSize": 10},
                "force": {"repulsion": 180, "edgeLength": [40, 120]},
                "categories": [{"name": KIND_LABELS[k]} for k in kinds],
                "data": nodes,
                "links": links,
            }
        ],
    }
