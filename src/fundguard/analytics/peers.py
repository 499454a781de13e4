"""Peer comparison (同级同类比较) and indicator alerts (指标预警).

Peers: institutions of the same level and type (同级同类, ``hosp_lv|fixmedins_type``); departments
add the department code; practitioners use ``ranking.peer_key`` (level, type, department); insured
persons are compared with all insured persons. Baselines are robust: median and MAD (中位数 /
绝对中位差). Robust z = (value − median) / (1.4826 · MAD); when MAD is 0 (over half the peers have
the same value) the scale falls back to 1.2533 · mean absolute deviation (the usual "modified
z" fallback), and when that is 0 too the z is undefined and no alert fires.

Three refinements keep the alert list short enough to be worked through (decision 0013):

- **Volume.** Only rows resting on at least ``indicator.min_volume`` cases (the indicator's
  ``volume``: visits, stays, discharges, persons) form the baseline and may alert: 3 weekend
  admissions out of 7 is not a finding.
- **Skewed totals** (money and counts per entity: 医疗总费用, 就医频次 …) are compared on the log
  scale (log1p), so the long right tail of ordinary high users is not an outlier by itself; the
  band is converted back to the indicator's unit (so it is asymmetric).
- **Counts** get a Poisson floor on their scale (√max(median, 1), on the log scale
  √m / (1 + m)): when most persons have 0 stays, one stay is rare but not anomalous.

When a group has fewer than ``indicator.min_peer_group`` members, the entity is compared with the
wider group of the same type and department at every level (``*|type[|dept]``) if that one is
large enough; the ``peer_key`` of the row says which group was used.

An alert (预警) fires when, with at least ``indicator.min_peer_group`` entities (of enough volume)
in the group, the row's volume ≥ ``indicator.min_volume``, value ≥ (1 +
``indicator.significant_deviation_ratio``) × median AND robust z ≥
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
COUNT_INDICATORS = frozenset(code for code, ind in INDICATORS.items() if ind.count)
SKEWED_INDICATORS = frozenset(code for code, ind in INDICATORS.items() if ind.skewed)
_EMPTY = [*GROUP, "peer_median", "peer_center", "peer_scale", "peer_n"]


def _enough_volume(ind: pd.DataFrame, min_volume: float) -> pd.Series:
    """Rows whose value rests on at least ``min_volume`` cases (per-entity totals always do)."""
    if "volume" not in ind:
        return pd.Series(True, index=ind.index)
    vol = pd.to_numeric(ind["volume"], errors="coerce")
    return (vol.isna() | (vol >= min_volume)).astype(bool)


def _skewed(indicator: pd.Series) -> np.ndarray:
    return indicator.isin(SKEWED_INDICATORS).to_numpy()


def _to_scale(indicator: pd.Series, value: pd.Series) -> pd.Series:
    """The value on the comparison scale: log1p for skewed totals, else unchanged."""
    out = value.astype(float).copy()
    mask = _skewed(indicator)
    out[mask] = np.log1p(out[mask].clip(lower=0))
    return out


def _from_scale(indicator: pd.Series, x: pd.Series) -> pd.Series:
    out = x.astype(float).copy()
    mask = _skewed(indicator)
    out[mask] = np.expm1(out[mask])
    return out


def baselines(ind: pd.DataFrame, min_volume: float | None = None) -> pd.DataFrame:
    """Per peer group: ``peer_median`` (indicator unit), ``peer_center`` and ``peer_scale`` (median
    and robust sigma on the comparison scale) and ``peer_n`` (peers with enough volume)."""
    if min_volume is None:
        min_volume = float(get_profile()["indicator.min_volume"])
    if ind.empty:
        return pd.DataFrame(columns=_EMPTY)
    ind = ind[_enough_volume(ind, min_volume)]
    if ind.empty:
        return pd.DataFrame(columns=_EMPTY)
    x = _to_scale(ind["indicator"], ind["value"])
    frame = ind[GROUP].assign(value=ind["value"].astype(float), x=x)
    center = frame.groupby(GROUP, sort=False)["x"].transform("median")
    frame["absdev"] = (frame["x"] - center).abs()
    agg = frame.groupby(GROUP, sort=False).agg(
        peer_median=("value", "median"),
        peer_center=("x", "median"),
        mad=("absdev", "median"),
        meanad=("absdev", "mean"),
        peer_n=("value", "size"),
    )
    scale = np.where(agg["mad"] > 0, MAD_TO_SIGMA * agg["mad"], MEANAD_TO_SIGMA * agg["meanad"])
    names = agg.index.get_level_values("indicator")
    m = np.maximum(agg["peer_median"].to_numpy(dtype=float), 1.0)
    floor = np.where(names.isin(SKEWED_INDICATORS), np.sqrt(m) / (1.0 + m), np.sqrt(m))
    agg["peer_scale"] = np.where(names.isin(COUNT_INDICATORS), np.maximum(scale, floor), scale)
    return agg.drop(columns=["mad", "meanad"]).reset_index()


def fallback_key(peer_key: str) -> str:
    """The wider peer group (同类, any level): the hospital level (first part) becomes ``*``."""
    parts = str(peer_key).split("|")
    return "|".join(["*", *parts[1:]]) if len(parts) > 1 else peer_key


def compare(ind: pd.DataFrame, min_volume: float | None = None) -> pd.DataFrame:
    """Indicator rows with their peer baseline, robust z, band and the alert decision.

    ``min_volume`` overrides ``indicator.min_volume`` (the charts' descriptive monthly bands use
    every peer, see ``describe``)."""
    prof = get_profile()
    ratio = float(prof["indicator.significant_deviation_ratio"])
    zmin = float(prof["indicator.significant_deviation_robust_z"])
    min_n = int(prof["indicator.min_peer_group"])
    if min_volume is None:
        min_volume = float(prof["indicator.min_volume"])
    if "volume" not in ind:
        ind = ind.assign(volume=np.nan)
    ind = ind.reset_index(drop=True)
    out = ind.merge(baselines(ind, min_volume), on=GROUP, how="left")
    out["peer_n"] = out["peer_n"].fillna(0).astype(int)
    small = out["peer_n"] < min_n
    if small.any():
        # 同类 fallback: a group too small at one level is compared with all levels of its type
        wider = ind.assign(peer_key=ind["peer_key"].map(fallback_key))
        wide = wider.merge(baselines(wider, min_volume), on=GROUP, how="left")
        wide["peer_n"] = wide["peer_n"].fillna(0).astype(int)
        use = small & (wide["peer_n"] >= min_n) & (wide["peer_key"] != out["peer_key"])
        for col in ("peer_key", "peer_median", "peer_center", "peer_scale", "peer_n"):
            out.loc[use, col] = wide.loc[use, col]
    x = _to_scale(out["indicator"], out["value"])
    scale = out["peer_scale"].where(out["peer_scale"] > 0)
    out["robust_z"] = (x - out["peer_center"]) / scale
    out["band_low"] = _from_scale(out["indicator"], out["peer_center"] - zmin * out["peer_scale"])
    out["band_high"] = _from_scale(out["indicator"], out["peer_center"] + zmin * out["peer_scale"])
    out["threshold"] = np.maximum((1 + ratio) * out["peer_median"], out["band_high"])
    out["deviation_ratio"] = (out["value"] - out["peer_median"]) / out["peer_median"].where(
        out["peer_median"] > 0
    )
    above_ratio = out["value"] >= (1 + ratio) * out["peer_median"]
    out["enough_volume"] = _enough_volume(out, min_volume)
    out["alert"] = (
        (out["peer_n"] >= min_n)
        & out["enough_volume"]
        & above_ratio
        & (out["robust_z"] >= zmin)
        & (out["value"] > 0)
    )
    out["alert"] = out["alert"].fillna(False).astype(bool)
    return out


def describe(ind: pd.DataFrame) -> pd.DataFrame:
    """Rows for charts: the peer median and band from every peer whatever its volume (a month of a
    small hospital still has a place in the picture), the alert flag from ``compare`` (which
    needs ``indicator.min_volume``)."""
    if ind.empty:
        return compare(ind)
    shown = compare(ind, min_volume=0.0)
    gated = compare(ind)
    shown["alert"] = gated["alert"].to_numpy()
    return shown


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
        "volume",
    ]
    return (
        hit[cols]
        .sort_values(["level", "period", "robust_z"], ascending=[True, True, False])
        .reset_index(drop=True)
    )
