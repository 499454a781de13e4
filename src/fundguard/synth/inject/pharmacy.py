"""Pharmacy violations: 串换项目 (SWAP), 追溯码异常 (TRACE_CODE), 进销存不符 (STOCK)."""

from __future__ import annotations

import numpy as np

from fundguard.profiles import get_profile
from fundguard.synth.inject import Ctx, add_lines, label_lines
from fundguard.synth.world import EPOCH, PHARMACY


def _pharmacy_drug_lines(ctx: Ctx) -> np.ndarray:
    w = ctx.world
    L = w.lines
    visit = L["visit"]
    is_drug = np.array([c[0] in "XZ" for c in w.items["code"]])
    ok = (visit < ctx.nv0) & is_drug[L["item"]]
    ok[ok] &= (w.visits["kind"][visit[ok]] == PHARMACY) & ~ctx.reserved[visit[ok]]
    return np.flatnonzero(ok)


def swap(ctx: Ctx) -> None:
    """Bills a catalogue drug the pharmacy never bought while it buys an off-catalogue product."""
    w = ctx.world
    pharms = sorted(w.swap_pharmacies)
    hospital_drugs = np.flatnonzero(np.isin(w.items["role"], ["ipdrug", "hospdrug"]))
    pairs = [(int(p), int(d)) for d in hospital_drugs for p in pharms]
    pairs = [pairs[i] for i in ctx.rng.permutation(len(pairs))][: max(1, ctx.per_category // 2)]
    v = w.visits
    kind = ctx.kind(PHARMACY)
    per_pair = int(np.ceil(ctx.per_category / len(pairs)))
    all_ids = []
    for k, (ph, drug) in enumerate(pairs):
        visits = ctx.candidates(kind & (v["inst"][: ctx.nv0] == ph), per_pair)
        if not len(visits):
            continue
        ids = add_lines(w, visits, np.full(len(visits), drug), v["begin"][visits] + 300, 1)
        ctx.reserve(visits)
        w.no_purchase.add((ph, drug))
        w.offcatalog_purchases.append(
            (ph, f"Z{99000000 + k:08d}{ph:03d}{drug:08d}"[:20].ljust(20, "0"), "非医保目录保健食品")
        )
        all_ids.append(ids)
    if all_ids:
        label_lines(w, "SWAP", np.concatenate(all_ids), note="药店未购进该药品，疑以非目录商品串换")


def trace_code(ctx: Ctx) -> None:
    """(a) a traceability code already sold on an earlier line; (b) no code after enforcement."""
    w = ctx.world
    lines = _pharmacy_drug_lines(ctx)
    lines = lines[ctx.rng.permutation(len(lines))]
    L = w.lines
    enforce = get_profile()["rule.trace_code_enforce_from"]
    enforce_t = int((np.datetime64(enforce, "s") - EPOCH).astype(np.int64))
    n = ctx.per_category
    used_visits: set[int] = set()
    reused, dropped = [], []
    sources = lines[np.argsort(L["t"][lines], kind="stable")]  # earliest sales first
    k = 0
    for line in lines:
        visit = int(L["visit"][line])
        if visit in used_visits:
            continue
        if len(dropped) < n // 2 and L["t"][line] >= enforce_t + 86_400:
            dropped.append(int(line))
            used_visits.add(visit)
        elif len(reused) < n - n // 2:
            while k < len(sources) and (
                int(L["visit"][sources[k]]) in used_visits or int(sources[k]) in ctx.reserved_lines
            ):
                k += 1
            if k >= len(sources) or L["t"][sources[k]] >= L["t"][line] - 3600:
                continue
            source = int(sources[k])
            w.trace_copy[int(line)] = source
            ctx.reserved_lines.add(source)
            used_visits.add(int(L["visit"][source]))
            used_visits.add(visit)
            reused.append(int(line))
        if len(dropped) >= n // 2 and len(reused) >= n - n // 2:
            break
    w.trace_drop.update(dropped)
    ctx.reserve(list(used_visits))
    label_lines(w, "TRACE_CODE", reused, note="追溯码已在更早的销售中使用")
    label_lines(w, "TRACE_CODE", dropped, note="药店药品费用未上传追溯码")


def stock(ctx: Ctx) -> None:
    """A month in which insured + non-insured sales exceed opening stock + purchases by e units."""
    w = ctx.world
    L = w.lines
    lines = _pharmacy_drug_lines(ctx)
    ph = w.visits["inst"][L["visit"][lines]]
    item = L["item"][lines]
    month = (L["t"][lines] // 86_400).astype("timedelta64[D]") + EPOCH.astype("datetime64[D]")
    month = month.astype("datetime64[M]").astype(np.int64) % 12
    key = (ph.astype(np.int64) * 100_000 + item) * 12 + month
    order = np.lexsort((L["t"][lines], key))
    key_sorted = key[order]
    last = order[np.r_[key_sorted[1:] != key_sorted[:-1], True]]  # last line of each (pharmacy, item, month)
    swapped = {(p, d) for p, d in w.no_purchase}
    taken_pairs: set[tuple[int, int]] = set()
    picks = []
    for j in last[ctx.rng.permutation(len(last))]:
        pair = (int(ph[j]), int(item[j]))
        if pair in swapped or pair in taken_pairs or int(ph[j]) in w.big_stock_pharmacies | w.swap_pharmacies:
            continue
        line = int(lines[j])
        if line in ctx.reserved_lines or ctx.reserved[int(L["visit"][line])]:
            continue
        taken_pairs.add(pair)
        picks.append((line, pair, int(month[j])))
        if len(picks) == ctx.per_category:
            break
    amounts = []
    for line, (p, d), m in picks:
        excess = min(1 + int(ctx.rng.integers(0, 2)), int(L["cnt"][line]))
        w.stock_short.append((p, d, m, excess))
        amounts.append(excess * int(L["pric"][line]))
        ctx.reserved_lines.add(line)
    ctx.reserve([int(L["visit"][line]) for line, _, _ in picks])
    label_lines(w, "STOCK", [line for line, _, _ in picks], amounts, "当月销售数量超过期初库存与进货之和")
