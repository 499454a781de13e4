"""Platform billing violations: 超标准收费, 重复收费, 超时长(床日), 虚记手术, 非本机构医师, 暂停资格医师."""

from __future__ import annotations

import numpy as np

from fundguard.synth.city import INTERNAL
from fundguard.synth.inject import Ctx, add_lines, after_begin, evening, label_lines
from fundguard.synth.visits import outpatient
from fundguard.synth.world import DAY, INPATIENT, OUTPATIENT, PHARMACY, YEAR

HOSPITAL_LINE_ROLES = ("lab", "exam", "drug", "ipdrug", "treat", "opfee")


def _line_candidates(ctx: Ctx, roles=HOSPITAL_LINE_ROLES) -> np.ndarray:
    """One random ordinary hospital line per unreserved background visit, visits in random order."""
    w = ctx.world
    lines = w.lines
    visit = lines["visit"]
    ok = np.isin(w.items["role"], roles)[lines["item"]] & (visit < ctx.nv0)
    ok[ok] &= ~ctx.reserved[visit[ok]] & (w.visits["kind"][visit[ok]] != PHARMACY)
    idx = np.flatnonzero(ok)
    idx = idx[ctx.rng.permutation(len(idx))]
    _, first = np.unique(visit[idx], return_index=True)
    idx = idx[np.sort(first)]
    return idx[: ctx.per_category]


def price(ctx: Ctx) -> None:
    """Unit price 10–40 % above the ceiling; amount (pric − ceiling) × cnt."""
    w = ctx.world
    ids = _line_candidates(ctx)
    ceiling = w.items["ceiling"][w.lines["item"][ids]]
    new = ceiling + np.maximum(1, (ceiling * ctx.rng.integers(10, 41, len(ids))) // 100)
    w.lines["pric"][ids] = new
    ctx.reserve(w.lines["visit"][ids])
    label_lines(w, "PRICE", ids, (new - ceiling) * w.lines["cnt"][ids], "单价超过限价")


def duplicate(ctx: Ctx) -> None:
    """An exact copy of a line (same item, time, cnt, pric); the copy."""
    w = ctx.world
    ids = _line_candidates(ctx)
    L = w.lines
    copies = add_lines(
        w,
        L["visit"][ids],
        L["item"][ids],
        L["t"][ids],
        L["cnt"][ids],
        L["pric"][ids],
        L["dr"][ids],
        L["dept"][ids],
    )
    ctx.reserve(w.lines["visit"][copies])
    label_lines(w, "DUPLICATE", copies, note="同一项目同一时间重复收费")


def duration(ctx: Ctx) -> None:
    """One bed day more than the length of stay, billed last; amount 1 × pric."""
    w = ctx.world
    visits = ctx.candidates(ctx.kind(INPATIENT))
    if not len(visits):
        return
    bed = np.flatnonzero(w.items["role"] == "bed")[0]
    los = w.visits["los"][visits].astype(np.int64)
    ids = add_lines(w, visits, np.full(len(visits), bed), evening(w, visits, los - 1), 1)
    ctx.reserve(visits)
    label_lines(w, "DURATION", ids, w.lines["pric"][ids], "床位费天数超过住院天数")


def phantom(ctx: Ctx) -> None:
    """A surgery fee on an outpatient visit that has no procedure record."""
    w = ctx.world
    visits = ctx.candidates(ctx.kind(OUTPATIENT))
    surgery = np.flatnonzero(w.items["role"] == "surgery")
    item = surgery[ctx.rng.integers(0, len(surgery), len(visits))]
    ids = add_lines(w, visits, item, after_begin(w, visits, 70), 1)
    ctx.reserve(visits)
    label_lines(w, "PHANTOM", ids, note="无手术记录的手术费")


def other(ctx: Ctx) -> None:
    """A line billed under a doctor registered only at another institution (V-24)."""
    w = ctx.world
    ids = _line_candidates(ctx)
    prac = w.prac
    doctors = np.flatnonzero(
        (prac["type"] == 1) & ~np.isin(np.arange(len(prac["type"])), w.suspended_doctors)
    )
    inst = w.visits["inst"][w.lines["visit"][ids]]
    pick = doctors[ctx.rng.integers(0, len(doctors), len(ids))]
    clash = prac["inst"][pick] == inst
    while clash.any():
        pick[clash] = doctors[ctx.rng.integers(0, len(doctors), clash.sum())]
        clash = prac["inst"][pick] == inst
    w.lines["dr"][ids] = pick
    ctx.reserve(w.lines["visit"][ids])
    label_lines(w, "OTHER", ids, note="开单医师未在本机构备案")


def _add_month(day: np.datetime64) -> np.datetime64:
    month = day.astype("datetime64[M]")
    return (month + 1).astype("datetime64[D]") + (day - month.astype("datetime64[D]"))


def suspended_person(ctx: Ctx) -> None:
    """Doctors with 9 points (暂停 1 个月 from the decision date) billing non-emergency visits meanwhile."""
    w = ctx.world
    prac = w.prac
    rank = w.inst["rank"][prac["inst"]]
    pool = np.flatnonzero(
        (prac["type"] == 1)
        & (prac["dept"] == INTERNAL)
        & (rank >= 2)
        & ~np.isin(np.arange(len(prac["type"])), w.heavy_doctors)
    )
    n_doctors = max(1, min(len(pool) // 3, 12, int(np.ceil(ctx.per_category / 8))))
    chosen = []
    taken_groups = set()
    for d in pool[ctx.rng.permutation(len(pool))]:
        if int(prac["inst"][d]) in taken_groups:
            continue  # keep colleagues in the department to take over the doctor's work
        taken_groups.add(int(prac["inst"][d]))
        chosen.append(int(d))
        if len(chosen) == n_doctors:
            break
    v, L = w.visits, w.lines
    remaining = ctx.per_category
    for k, doc in enumerate(chosen):
        month = 2 + (k % 5)
        decision = np.datetime64(f"{YEAR}-{month:02d}-{3 + k % 20:02d}")
        until = _add_month(decision)
        d0 = (decision - np.datetime64(f"{YEAR}-01-01")).astype(int)
        d1 = (until - np.datetime64(f"{YEAR}-01-01")).astype(int)
        inst = int(prac["inst"][doc])
        colleagues = np.flatnonzero(
            (prac["type"] == 1)
            & (prac["inst"] == inst)
            & (prac["dept"] == INTERNAL)
            & (np.arange(len(prac["type"])) != doc)
        )
        # Clean background: hand the doctor's work around the suspension to colleagues.
        lo, hi = (d0 - 2) * DAY, (d1 + 3) * DAY
        busy = np.flatnonzero((L["dr"] == doc) & (L["t"] >= lo) & (L["t"] < hi))
        L["dr"][busy] = colleagues[ctx.rng.integers(0, len(colleagues), len(busy))]
        vb = np.flatnonzero((v["doctor"] == doc) & (v["begin"] >= lo - 30 * DAY) & (v["begin"] < hi))
        v["doctor"][vb] = colleagues[ctx.rng.integers(0, len(colleagues), len(vb))]
        w.points.append(
            {
                "prac_psn_code": str(prac["code"][doc]),
                "points": 9,
                "decision_date": str(decision),
                "admdvs": "320400",
                "behaviour_code": "V-9",
                "reason": "分解收费、超标准收费，记9分，暂停医保支付资格1个月",
                "case_ref": f"常医保稽〔{YEAR}〕{k + 1:03d}号",
            }
        )
        w.suspended_doctors = np.r_[w.suspended_doctors, doc]
        # Injected: new outpatient visits (内科, not emergency) he bills inside the suspension period.
        share = int(np.ceil(remaining / (len(chosen) - k)))
        persons = np.flatnonzero(~ctx.reserved_psn)
        persons = persons[w.persons["brdy"][persons] < np.datetime64(f"{YEAR - 20}-01-01")]
        persons = persons[ctx.rng.permutation(len(persons))][:share]
        if not len(persons):
            continue
        day = ctx.rng.integers(d0 + 2, d1 - 3, len(persons))
        first_line = L.n
        visits = outpatient(
            w,
            ctx.rng,
            persons.astype(np.int32),
            np.full(len(persons), inst, dtype=np.int32),
            np.full(len(persons), INTERNAL, dtype=np.int16),
            day,
            doctor=np.full(len(persons), doc, dtype=np.int32),
            restricted_ok=False,
        )
        ctx.reserve([], persons)
        label_lines(
            w,
            "SUSPENDED_PERSON",
            np.arange(first_line, L.n),
            note=f"医师{prac['code'][doc]}暂停医保支付资格期间开具费用",
        )
        remaining -= len(visits)
