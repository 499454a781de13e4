"""Pharmacy stock books (进销存): non-insured sales, monthly purchases and stock-takes, trace codes.

Computed after all injections from the final fee lines: per pharmacy, item and month the
books balance (opening stock + purchases ≥ insured + non-insured sales) except where an
injection asked for a shortfall (``world.stock_short``) or for a drug sold only from opening
stock (``world.no_purchase``, used by SWAP). Trace codes (追溯码) are 20 digits starting with
8, one per box, unique, except the injected reuse/omission.
"""

from __future__ import annotations

import numpy as np

from fundguard.synth.world import DAY, EPOCH, PHARMACY, World

MONTH_START_DAYS = np.array(
    [(np.datetime64(f"2025-{m:02d}-01") - EPOCH.astype("datetime64[D]")).astype(int) for m in range(1, 13)]
)


def assortment(world: World, rng: np.random.Generator) -> None:
    drugs = np.flatnonzero(world.items["role"] == "drug")
    n_ph = len(world.inst["code"])
    size = max(4, int(len(drugs) * 0.7))
    world.pharmacy_assortment = np.stack(
        [np.sort(rng.permutation(drugs)[:size]) for _ in range(n_ph)]
    ).astype(np.int32)


def _month_of(t: np.ndarray) -> np.ndarray:
    return np.searchsorted(MONTH_START_DAYS, t // DAY, side="right") - 1


def pharmacy_lines(world: World) -> np.ndarray:
    L = world.lines
    is_drug = np.array([c[0] in "XZ" for c in world.items["code"]])
    kind = world.visits["kind"][L["visit"]]
    return np.flatnonzero((kind == PHARMACY) & is_drug[L["item"]])


def nonins_sales(world: World, rng: np.random.Generator) -> dict:
    """Cash sales (非医保销售): about 30 % of insured units, spread over the year."""
    L = world.lines
    lines = pharmacy_lines(world)
    n = int(len(lines) * 0.3)
    src = lines[rng.integers(0, len(lines), n)] if len(lines) else np.empty(0, dtype=np.int64)
    t = L["t"][src] + rng.integers(-3, 4, n) * DAY + rng.integers(0, 3600, n)
    t = np.clip(t, 8 * 3600, 364 * DAY + 20 * 3600)
    sales = {
        "inst": world.visits["inst"][L["visit"][src]].astype(np.int64),
        "item": L["item"][src].astype(np.int64),
        "t": t.astype(np.int64),
        "cnt": rng.integers(1, 3, n).astype(np.int64),
    }
    order = np.lexsort((sales["t"], sales["item"], sales["inst"]))
    return {k: v[order] for k, v in sales.items()}


def books(world: World, rng: np.random.Generator, nonins: dict) -> tuple[dict, dict]:
    """Monthly purchases and month-start stock-takes per (pharmacy, item)."""
    L = world.lines
    lines = pharmacy_lines(world)
    inst = np.r_[world.visits["inst"][L["visit"][lines]], nonins["inst"]].astype(np.int64)
    item = np.r_[L["item"][lines], nonins["item"]].astype(np.int64)
    month = np.r_[_month_of(L["t"][lines]), _month_of(nonins["t"])]
    cnt = np.r_[L["cnt"][lines], nonins["cnt"]].astype(np.int64)
    n_items = len(world.items["code"])
    pair = inst * n_items + item
    pairs, inv = np.unique(pair, return_inverse=True)
    sold = np.zeros((len(pairs), 12), dtype=np.int64)
    np.add.at(sold, (inv, month), cnt)
    n = len(pairs)
    opening0 = rng.integers(0, 21, n)
    buffer = rng.integers(0, 11, (n, 12))
    short = np.zeros((n, 12), dtype=np.int64)
    p_inst, p_item = pairs // n_items, pairs % n_items
    index = {int(k): i for i, k in enumerate(pairs)}
    for ph, drug, m, excess in world.stock_short:
        i = index[ph * n_items + drug]
        opening0[i] = 0
        buffer[i, : m + 1] = 0
        short[i, m] = excess
    for ph, drug in world.no_purchase:
        i = index.get(ph * n_items + drug)
        if i is not None:
            opening0[i] = sold[i].sum()
            buffer[i] = -1  # marker: never purchase
    big = np.isin(p_inst, list(world.big_stock_pharmacies))
    opening0[big] = sold[big].sum(axis=1)
    buffer[big] = 0
    # At SWAP pharmacies every other drug sold was bought at least once (else it would look swapped).
    at_swap = np.isin(p_inst, list(world.swap_pharmacies)) & (buffer[:, 0] >= 0)
    buffer[at_swap, 0] = np.maximum(buffer[at_swap, 0], 1)
    stock = np.zeros((n, 12), dtype=np.int64)
    purchase = np.zeros((n, 12), dtype=np.int64)
    level = opening0.copy()
    for m in range(12):
        stock[:, m] = level
        need = np.maximum(0, sold[:, m] - level)
        buy = np.where(buffer[:, m] < 0, 0, need + np.maximum(buffer[:, m], 0))
        buy = np.where(short[:, m] > 0, np.maximum(0, sold[:, m] - level - short[:, m]), buy)
        purchase[:, m] = buy
        level = np.maximum(0, level + buy - sold[:, m])
    rows_p = np.argwhere(purchase > 0)
    pur = {
        "inst": p_inst[rows_p[:, 0]],
        "item": p_item[rows_p[:, 0]],
        "day": MONTH_START_DAYS[rows_p[:, 1]],
        "cnt": purchase[rows_p[:, 0], rows_p[:, 1]],
        "code": None,
    }
    rows_s = np.argwhere(np.ones_like(stock, dtype=bool))
    stk = {
        "inst": p_inst[rows_s[:, 0]],
        "item": p_item[rows_s[:, 0]],
        "day": MONTH_START_DAYS[rows_s[:, 1]],
        "cnt": stock[rows_s[:, 0], rows_s[:, 1]],
    }
    return pur, stk


def trace_rows(world: World) -> dict:
    """One row per box sold at a retail pharmacy; code = 8 + 6-digit product + 13-digit serial."""
    L = world.lines
    lines = pharmacy_lines(world)
    if world.trace_drop:
        lines = lines[~np.isin(lines, np.fromiter(world.trace_drop, dtype=np.int64))]
    cnt = L["cnt"][lines].astype(np.int64)
    line = np.repeat(lines, cnt)
    serial = np.arange(1, len(line) + 1, dtype=np.int64)
    code = L["item"][line].astype(np.int64) * 10**13 + serial
    first = np.r_[0, np.cumsum(cnt)[:-1]]
    if world.trace_copy:
        pos = {int(x): int(first[k]) for k, x in enumerate(lines)}
        for target, source in world.trace_copy.items():
            code[pos[target]] = code[pos[source]]
    return {"line": line, "code": code, "t": L["t"][line]}
