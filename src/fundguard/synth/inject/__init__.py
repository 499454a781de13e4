"""Injected violations (违规注入): one function per category, each exactly as decision 0003 defines it.

Every injection picks a fresh visit (never reused by another injection), so one injected line
violates exactly one category, and records a ``Label`` with the amount 0003 prescribes.
Category groups: ``items`` (restricted-item rules), ``billing`` (platform billing rules),
``stays`` (inpatient and identity rules), ``pharmacy`` (进销存 and traceability).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fundguard.contract import VIOLATION_CATEGORIES
from fundguard.synth.city import ages_at
from fundguard.synth.visits import unit_price
from fundguard.synth.world import DAY, Label, World


@dataclass
class Ctx:
    world: World
    rng: np.random.Generator
    per_category: int
    nv0: int = 0
    age: np.ndarray = field(default_factory=lambda: np.empty(0))
    restricted_visit: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    reserved: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    reserved_psn: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    reserved_lines: set = field(default_factory=set)

    @classmethod
    def build(cls, world: World, rng: np.random.Generator, per_category: int) -> Ctx:
        v = world.visits
        nv0 = v.n
        roles = world.items["role"]
        bg = np.char.startswith(roles.astype(str), "bg_") | np.char.startswith(roles.astype(str), "exclusive")
        restricted = np.zeros(nv0, dtype=bool)
        restricted[world.lines["visit"][bg[world.lines["item"]]]] = True
        return cls(
            world,
            rng,
            per_category,
            nv0,
            ages_at(world, v["psn"], v["begin"]),
            restricted,
            np.zeros(nv0, dtype=bool),
            np.zeros(len(world.persons["psn_no"]), dtype=bool),
            set(),
        )

    def candidates(self, mask: np.ndarray, k: int | None = None, free_person: bool = False) -> np.ndarray:
        """Up to ``k`` unreserved background visits where ``mask`` holds, in random order."""
        mask = mask & ~self.reserved
        if free_person:
            mask &= ~self.reserved_psn[self.world.visits["psn"][: self.nv0]]
        idx = np.flatnonzero(mask)
        idx = idx[self.rng.permutation(len(idx))]
        if free_person:
            _, first = np.unique(self.world.visits["psn"][idx], return_index=True)
            idx = idx[np.sort(first)]
        return idx[: self.per_category if k is None else k]

    def reserve(self, visits, persons=()) -> None:
        visits = np.asarray(visits, dtype=np.int64)
        self.reserved[visits[visits < self.nv0]] = True
        self.reserved_psn[np.asarray(persons, dtype=np.int64)] = True

    def kind(self, k: int) -> np.ndarray:
        return self.world.visits["kind"][: self.nv0] == k


def add_lines(world: World, visit, item, t, cnt, pric=None, dr=None, dept=None) -> np.ndarray:
    visit = np.asarray(visit, dtype=np.int64)
    item = np.asarray(item, dtype=np.int64)
    v = world.visits
    if pric is None:
        pric = unit_price(world, item, v["inst"][visit])
    return world.lines.add(
        visit=visit,
        item=item,
        t=t,
        cnt=cnt,
        pric=pric,
        dr=v["doctor"][visit] if dr is None else dr,
        dept=v["dept"][visit] if dept is None else dept,
    )


def label_lines(world: World, category: str, line_ids, amounts=None, note: str = "") -> None:
    visits = world.lines["visit"]
    for k, line in enumerate(np.asarray(line_ids, dtype=np.int64)):
        amount = None if amounts is None else int(amounts[k])
        world.labels.append(Label(category, int(visits[line]), int(line), amount, note))


def label_visits(world: World, category: str, visit_ids, note: str = "", lines=None) -> None:
    for k, v in enumerate(np.asarray(visit_ids, dtype=np.int64)):
        world.labels.append(
            Label(category, int(v), -1, None, note, None if lines is None else list(lines[k]))
        )


def after_begin(world: World, visits: np.ndarray, minutes: int) -> np.ndarray:
    return world.visits["begin"][visits] + minutes * 60


def evening(world: World, visits: np.ndarray, day_offset) -> np.ndarray:
    """20:00 on the visit's ``day_offset``-th day (inpatient extras after the day's routine lines)."""
    begin_day = world.visits["begin"][visits] // DAY
    return (begin_day + day_offset) * DAY + 20 * 3600


def run_all(world: World, rng: np.random.Generator, violation_rate: float, progress=None) -> None:
    from fundguard.synth.inject import billing, items, pharmacy, stays

    if violation_rate <= 0:
        return
    per_category = max(2, int(round(violation_rate * world.visits.n / len(VIOLATION_CATEGORIES))))
    ctx = Ctx.build(world, rng, per_category)
    steps = [
        stays.impersonation,
        stays.split_admission,
        stays.bed_hanging,
        billing.suspended_person,
        billing.price,
        billing.duplicate,
        billing.duration,
        billing.phantom,
        billing.other,
        items.gender,
        items.age,
        items.indication,
        items.hosp_level,
        items.med_type,
        items.department,
        items.frequency,
        items.quantity,
        items.exclusive,
        items.add_on,
        items.overuse,
        pharmacy.swap,
        pharmacy.trace_code,
        pharmacy.stock,
    ]
    for step in steps:
        step(ctx)
        if progress:
            progress(step.__name__)
