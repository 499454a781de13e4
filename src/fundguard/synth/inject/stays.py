"""Stay and identity violations: 分解住院, 挂床住院, 冒名就医 (visit-level labels)."""

from __future__ import annotations

import numpy as np

from fundguard.synth import diseases
from fundguard.synth.city import INTERNAL
from fundguard.synth.inject import Ctx, label_visits
from fundguard.synth.inject.items import _fresh_stays
from fundguard.synth.visits import inpatient
from fundguard.synth.world import DAY, INPATIENT, OUTPATIENT, YEAR_DAYS


def impersonation(ctx: Ctx) -> None:
    """Half (a) overlapping stays at two hospitals, half (b) a visit recorded with the other sex."""
    half = ctx.per_category // 2
    _overlapping_stay(ctx, half)
    _other_sex(ctx, ctx.per_category - half)


def _overlapping_stay(ctx: Ctx, n: int) -> None:
    """(a) while in hospital, the same person is admitted elsewhere; the later-starting stay."""
    w = ctx.world
    v = w.visits
    los = v["los"][: ctx.nv0]
    first = ctx.candidates(ctx.kind(INPATIENT) & (los >= 4), n, free_person=True)
    if not len(first):
        return
    hospitals = np.flatnonzero(w.inst["rank"] >= 2)
    other = hospitals[ctx.rng.integers(0, len(hospitals), len(first))]
    clash = other == v["inst"][first]
    other[clash] = hospitals[(np.searchsorted(hospitals, other[clash]) + 1) % len(hospitals)]
    begin_day = v["begin"][first] // DAY + 1 + ctx.rng.integers(0, 2, len(first))
    dept = np.full(len(first), INTERNAL, dtype=np.int16)
    new = inpatient(
        w,
        ctx.rng,
        v["psn"][first],
        other,
        dept,
        begin_day,
        np.full(len(first), 3),
        restricted_ok=False,
        surgery=np.zeros(len(first), dtype=bool),
    )
    ctx.reserve(first, v["psn"][first])
    label_visits(w, "IMPERSONATION", new, "住院期间同一参保人在另一家医院住院（冒名就医）")


def _other_sex(ctx: Ctx, n: int) -> None:
    """(b) a later outpatient visit of a person recorded with the other sex; the whole visit."""
    w = ctx.world
    v = w.visits
    psn = v["psn"][: ctx.nv0]
    begin = v["begin"][: ctx.nv0]
    order = np.lexsort((begin, psn))
    earliest = np.zeros(ctx.nv0, dtype=bool)
    earliest[order[np.r_[True, psn[order][1:] != psn[order][:-1]]]] = True
    mask = ctx.kind(OUTPATIENT) & ~earliest & ~ctx.restricted_visit & np.isin(v["gend"][: ctx.nv0], [1, 2])
    visits = ctx.candidates(mask, n, free_person=True)
    # A tie with the earliest visit's time would make "earliest" ambiguous.
    first_time = np.full(len(w.persons["psn_no"]), -1, dtype=np.int64)
    first_time[psn[earliest]] = begin[earliest]
    visits = visits[begin[visits] > first_time[psn[visits]]]
    v["gend"][visits] = 3 - v["gend"][visits]
    ctx.reserve(visits, psn[visits])
    label_visits(w, "IMPERSONATION", visits, "同一参保人就诊性别与首次就诊不一致（冒名就医）")


def split_admission(ctx: Ctx) -> None:
    """A readmission to the same hospital 2–10 days after discharge, same main diagnosis."""
    w = ctx.world
    v = w.visits
    table = diseases.disease_table()
    exempt = table["index"]["Z51"]
    end_day = v["end"][: ctx.nv0] // DAY
    mask = ctx.kind(INPATIENT) & (v["diag"][: ctx.nv0] != exempt) & (end_day < YEAR_DAYS - 20)
    first = ctx.candidates(mask, free_person=True)
    if not len(first):
        return
    n = len(first)
    gap = ctx.rng.integers(2, 11, n)
    los = ctx.rng.integers(3, 7, n)
    new = inpatient(
        w,
        ctx.rng,
        v["psn"][first],
        v["inst"][first],
        v["dept"][first],
        end_day[first] + gap,
        los,
        diag=v["diag"][first],
        restricted_ok=False,
        surgery=np.zeros(n, dtype=bool),
    )
    ctx.reserve(first, v["psn"][first])
    label_visits(w, "SPLIT_ADMISSION", new, "出院后短期内以相同诊断再次入院（分解住院）")


def bed_hanging(ctx: Ctx) -> None:
    """A stay whose days 2..2+h−1 (h ≥ the profile minimum) bill only bed and nursing."""
    from fundguard.profiles import get_profile

    w = ctx.world
    hang = int(get_profile()["rule.bed_hanging_min_days_without_treatment"]) + 1
    stays = _fresh_stays(ctx, ctx.per_category, los=hang + 6, dept=INTERNAL, hang=hang)
    if not len(stays):
        return
    L = w.lines
    ids = np.flatnonzero(np.isin(L["visit"], stays))
    day = L["t"][ids] // DAY - v_begin_day(w, L["visit"][ids])
    on_hang = ids[(day >= 2) & (day < 2 + hang)]
    groups = [on_hang[L["visit"][on_hang] == s] for s in stays]
    ctx.reserve(stays)
    label_visits(w, "BED_HANGING", stays, f"连续{hang}天仅有床位费和护理费（挂床住院）", lines=groups)


def v_begin_day(world, visits: np.ndarray) -> np.ndarray:
    return world.visits["begin"][visits] // DAY
