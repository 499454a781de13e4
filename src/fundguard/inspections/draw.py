"""The reproducible random draw (随机抽取) of 双随机一公开, as pure functions.

Algorithm ``fundguard.stratified_weighted_sample`` version 1:

1. The candidate snapshot is the list of candidates sorted by code, each with its institution
   type, credit grade, weight (``credit.inspection_multiplier`` of the grade) and whether redraw
   protection excludes it. Its SHA-256 is taken over canonical JSON (sorted keys, no spaces,
   UTF-8), so anyone can check that a stored snapshot was not altered.
2. Sample size ``n = ceil(ratio × N)`` where N counts every active target in the jurisdiction
   (protected ones included), raised to one per institution type present (the draw covers all
   types), and capped at the number of eligible candidates.
3. ``n`` is allocated to institution types in proportion to their eligible counts (at least one
   each; the rest by largest remainder, ties by type code).
4. Within a type, weighted sampling without replacement (Efraimidis–Spirakis): each member, in
   code order, gets ``u ** (1 / weight)`` with ``u`` from ``numpy.random.Generator(PCG64(seed))``;
   the largest keys are drawn. A weight-3 institution (grade D) is drawn about three times as
   often as a weight-1 one (grade B). Types are processed in code order from one generator.

Team draw (随机选派): for each drawn target in order, the eligible inspectors (after 回避) sorted
by code get keys ``u`` from a second generator seeded with the team seed; the ``size`` smallest
keys form the team. NumPy guarantees the PCG64 stream and ``Generator.random`` are stable for a
given seed, which is what makes ``replay`` exact.
"""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal

import numpy as np

ALGORITHM = "fundguard.stratified_weighted_sample"
ALGORITHM_VERSION = "1"
TEAM_ALGORITHM = "fundguard.team_uniform_sample"


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_of(snapshot: list[dict]) -> str:
    return hashlib.sha256(canonical_json(snapshot).encode("utf-8")).hexdigest()


def sample_size(ratio: float, population: int) -> int:
    """``ceil(ratio × population)`` computed in decimal so 5 % of 40 is exactly 2."""
    return math.ceil(Decimal(str(ratio)) * population)


def _allocate(n: int, counts: dict[str, int]) -> dict[str, int]:
    total = sum(counts.values())
    alloc = {t: min(c, max(1, (n * c) // total)) for t, c in counts.items()}
    remainders = sorted(counts, key=lambda t: (-((n * counts[t]) % total), t))
    while sum(alloc.values()) < n:
        progressed = False
        for t in remainders:
            if sum(alloc.values()) >= n:
                break
            if alloc[t] < counts[t]:
                alloc[t] += 1
                progressed = True
        if not progressed:
            break
    while sum(alloc.values()) > n:  # only when the minimum of one per type overshoots
        t = max(alloc, key=lambda k: (alloc[k], k))
        alloc[t] -= 1
    return alloc


def draw_targets(snapshot: list[dict], seed: int, ratio: float) -> list[dict]:
    """Drawn targets ``[{code, stratum}]`` for a snapshot (see module docstring)."""
    eligible = [c for c in snapshot if not c["protected"]]
    if not eligible:
        return []
    counts: dict[str, int] = {}
    for c in eligible:
        counts[c["type"]] = counts.get(c["type"], 0) + 1
    n = min(max(sample_size(ratio, len(snapshot)), len(counts)), len(eligible))
    alloc = _allocate(n, counts)
    rng = np.random.Generator(np.random.PCG64(seed))
    drawn: list[dict] = []
    for t in sorted(counts):
        members = sorted((c for c in eligible if c["type"] == t), key=lambda c: c["code"])
        u = rng.random(len(members))
        keys = [float(u[i]) ** (1.0 / float(m["weight"])) for i, m in enumerate(members)]
        order = sorted(range(len(members)), key=lambda i: (-keys[i], members[i]["code"]))
        for i in sorted(order[: alloc[t]], key=lambda i: members[i]["code"]):
            drawn.append({"code": members[i]["code"], "stratum": f"{t}/{members[i]['grade']}"})
    return drawn


def draw_teams(snapshot: list[dict], seed: int, size: int) -> list[dict]:
    """Teams ``[{code, team: [inspector codes]}]``; snapshot rows ``{code, eligible: [...]}``."""
    rng = np.random.Generator(np.random.PCG64(seed))
    result = []
    for row in snapshot:
        pool = sorted(row["eligible"])
        u = rng.random(len(pool))
        order = sorted(range(len(pool)), key=lambda i: (float(u[i]), pool[i]))
        result.append({"code": row["code"], "team": sorted(pool[i] for i in order[:size])})
    return result
