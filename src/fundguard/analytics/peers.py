"""Peer comparison (同级同类比较) and indicator alerts (指标预警).

Peers: institutions of the same level and type (同级同类, ``hosp_lv|fixmedins_type``); departments
add the department code; practitioners use ``ranking.peer_key`` (level, type, department); insured
persons are compared with all insured persons. Baselines are robust: median and MAD (中位数 /
绝对中位差). Robust z = (value − median) / (1.4826 · MAD); when MAD is 0 (over half the peers have
the same value) the scale falls back to 1.2533 · mean absolute deviation (the usual "modified
z" fallback), and when that is 0 too the z is undefined and no alert fires.

When a group has fewer than ``indicator.min_peer_group`` members, the entity is compared with the
wider group of the same type and department at every level (``*|type[|dept]``) if that one is
large enough; the ``peer_key`` of the row says which group was used.

An alert (预警) fires when, with at least ``indicator.min_peer_group`` entities in the group,
value ≥ (1 + ``indicator.significant_deviation_ratio``) × median AND robust z ≥
``indicator.significant_deviation_robust_z``. Each alert carries the value, the peer median, the
band (median ± z-threshold × scale), the threshold that was crossed and the group size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fundguard.analytics.indicators import INDICATORS
from fundguard.profiles import get_profile

MAD_TO_SIGMA = 1.4826
MEANAD_TO_SIGMA = 1.2533
GROUP = ["level", "period", "indicator", "peer_key"]


def baselines(ind: pd.DataFrame) -> pd.DataFrame:
    """Per peer group: ``peer_median``, ``peer_scale`` (robust sigma) and ``peer_n``."""
    if ind.empty:
        return pd.DataFrame(columns=[*GROUP, "peer_median", "peer_scale", "peer_n"])
    g = ind.groupby(GROUP, sort=False)["value"]
    med = g.transform("median")
    absdev = (ind["value"] - med).abs()
    frame = ind[GROUP].assign(value=ind["value"], absdev=absdev)
    agg = frame.groupby(GROUP, sort=False).agg(
        peer_median=("value", "median"),
        mad=("absdev", "median"),
        meanad=("absdev", "mean"),
        peer_n=("value", "size"),
    )
    scale = np.where(agg["mad"] > 0, MAD_TO_SIGMA * agg["mad"], MEANAD_TO_SIGMA * agg["meanad"])
    agg["peer_scale"] = scale
    return agg.drop(columns=["mad", "meanad"]).reset_index()


def fallback_key(peer_key: str) -> str:
    """The wider peer group (同类, any level): the hospital level (first part) becomes ``*``."""
    parts = str(peer_key).split("|")
    return "|".join(["*", *parts[1:]]) if len(parts) > 1 else peer_key


def compare(ind: pd.DataFrame) -> pd.DataFrame:
    """Indicator rows with their peer baseline, robust z and the alert decision."""
    prof = get_profile()
    ratio = float(prof["indicator.significant_deviation_ratio"])
    zmin = float(prof["indicator.significant_deviation_robust_z"])
    min_n = int(prof["indicator.min_peer_group"])
    out = ind.merge(baselines(ind), on=GROUP, how="left")
    small = out["peer_n"] < min_n
    if small.any():
        # 同类 fallback: a group too small at one level is compared with all levels of its type
        wider = ind.assign(peer_key=ind["peer_key"].map(fallback_key))
        wide = wider.merge(baselines(wider), on=GROUP, how="left")
        use = small & (wide["peer_n"] >= min_n) & (wide["peer_key"] != out["peer_key"])
        for col in ("peer_key", "peer_median", "peer_scale", "peer_n"):
            out.loc[use, col] = wide.loc[use, col]
    scale = out["peer_scale"].where(out["peer_scale"] > 0)
    out["robust_z"] = (out["value"] - out["peer_median"]) / scale
    out["band_low"] = out["peer_median"] - zmin * out["peer_scale"]
    out["band_high"] = out["peer_median"] + zmin * out["peer_scale"]
    out["threshold"] = np.maximum((1 + ratio) * out["peer_median"], out["band_high"])
    out["deviation_ratio"] = (out["value"] - out["peer_median"]) / out["peer_median"].where(
        out["peer_median"] > 0
    )
    above_ratio = out["value"] >= (1 + ratio) * out["peer_median"]
    out["alert"] = (out["peer_n"] >= min_n) & above_ratio & (out["robust_z"] >= zmin) & (out["value"] > 0)
    out["alert"] = out["alert"].fillna(False).astype(bool)
    return out


def alerts(ind: pd.DataFrame, period: str | None = None) -> pd.DataFrame:
    """The alert list: entity, indicator (with Chinese label), value, peer median, band, group size."""
    cmp = compare(ind)
    hit = cmp[cmp["alert"]]
    if period is not None:
        hit = hit[hit["period"] == period]
    hit = hit.assign(indicator_zh=hit["indicator"].map(lambda c: INDICATORS[c].label_zh))
    cols = [
        "level",
        "entity_id",
        "fixmedins_code",
        "period",
        "indicator",
        "indicator_zh",
        "value",
        "peer_median",
        "band_low",
        "band_high",
        "threshold",
        "robust_z",
        "deviation_ratio",
        "peer_n",
        "peer_key",
        "numerator",
        "denominator",
    ]
    return (
        hit[cols]
        .sort_values(["level", "period", "robust_z"], ascending=[True, True, False])
        .reset_index(drop=True)
    )
