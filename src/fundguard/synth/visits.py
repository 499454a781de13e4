"""Outpatient visits and inpatient stays (门诊就诊、住院) with their fee lines, vectorised.

Every generator takes one array per visit attribute and appends visits and lines to the
world. Lines of a visit get distinct fee times inside the visit (no accidental duplicate
charges). Inpatient stays bill one bed, nursing and ward-round line per night, treatment and
drugs every day (so no bed-hanging), and a surgery line only together with an ``oprn`` row.
"""

from __future__ import annotations

import numpy as np

from fundguard.synth import diseases
from fundguard.synth.catalog import role_items
from fundguard.synth.city import (
    DEPTS_BY_RANK,
    EMERGENCY,
    ICU,
    INTERNAL,
    OBGYN,
    ONCOLOGY,
    ORTHO,
    PEDIATRICS,
    REHAB,
    SURGERY,
    ages_at,
)
from fundguard.synth.world import DAY, INPATIENT, OUTPATIENT, PHARMACY, YEAR_DAYS, World

PRICE_FACTOR = {3: 1.0, 2: 0.92, 1: 0.85, 0: 0.95}
HOUR = 3600


def unit_price(world: World, item: np.ndarray, inst: np.ndarray) -> np.ndarray:
    """Cents, never above the catalogue ceiling; lower at lower-level hospitals."""
    factor = np.array([PRICE_FACTOR[r] for r in range(4)])[world.inst["rank"][inst]]
    return np.floor(world.items["ceiling"][item] * factor).astype(np.int64)


def _doctor_index(world: World):
    prac = world.prac
    doctors = np.flatnonzero(
        (prac["type"] == 1) & ~np.isin(np.arange(len(prac["type"])), world.suspended_doctors)
    )
    key = prac["inst"][doctors].astype(np.int64) * 64 + prac["dept"][doctors]
    order = np.argsort(key, kind="stable")
    return key[order], doctors[order]


def pick_doctor(world: World, rng: np.random.Generator, inst: np.ndarray, dept: np.ndarray) -> np.ndarray:
    keys, doctors = _doctor_index(world)
    want = inst.astype(np.int64) * 64 + dept
    lo = np.searchsorted(keys, want, "left")
    hi = np.searchsorted(keys, want, "right")
    if (hi <= lo).any():
        raise ValueError("no doctor for some (institution, department)")
    return doctors[lo + (rng.random(len(inst)) * (hi - lo)).astype(np.int64)].astype(np.int32)


def pick_pharmacist(world: World, pharm: np.ndarray) -> np.ndarray:
    prac = world.prac
    ph = np.flatnonzero(prac["type"] == 3)
    first = {}
    for p in ph[::-1]:
        first[int(prac["inst"][p])] = p
    return np.array([first[int(i)] for i in pharm], dtype=np.int32)


def pick_institution(
    world: World, rng: np.random.Generator, dept: np.ndarray, weights: dict[int, float]
) -> np.ndarray:
    inst = world.inst
    out = np.empty(len(dept), dtype=np.int32)
    hospitals = np.flatnonzero(~inst["pharmacy"])
    for d in np.unique(dept):
        rows = np.flatnonzero(dept == d)
        cand = np.array([h for h in hospitals if d in DEPTS_BY_RANK[int(inst["rank"][h])]])
        w = np.array([weights[int(inst["rank"][h])] for h in cand], dtype=float)
        out[rows] = cand[rng.choice(len(cand), size=len(rows), p=w / w.sum())]
    return out


def pick_dept(rng: np.random.Generator, age: np.ndarray, gend: np.ndarray, inpatient: bool) -> np.ndarray:
    n = len(age)
    u = rng.random(n)
    child = [(PEDIATRICS, 0.85), (SURGERY, 0.05), (ORTHO, 0.05), (EMERGENCY if not inpatient else ICU, 0.05)]
    female = [
        (INTERNAL, 0.42),
        (SURGERY, 0.1),
        (OBGYN, 0.2),
        (ORTHO, 0.1),
        (REHAB, 0.05),
        (ONCOLOGY, 0.06),
        (EMERGENCY if not inpatient else ICU, 0.07),
    ]
    male = [
        (INTERNAL, 0.5),
        (SURGERY, 0.16),
        (ORTHO, 0.12),
        (REHAB, 0.06),
        (ONCOLOGY, 0.07),
        (EMERGENCY if not inpatient else ICU, 0.09),
    ]
    out = np.empty(n, dtype=np.int16)
    for mask, table in (
        (age < 15, child),
        ((age >= 15) & (gend == 2), female),
        ((age >= 15) & (gend == 1), male),
    ):
        depts = np.array([d for d, _ in table])
        cum = np.cumsum([p for _, p in table])
        cum /= cum[-1]
        out[mask] = depts[np.minimum(np.searchsorted(cum, u[mask], "right"), len(depts) - 1)]
    return out


class LineBuilder:
    """Collects line slots (visit, item, cnt, day offset, order key) and emits them sorted."""

    def __init__(self):
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, visit, item, cnt, day=0, order=0):
        visit = np.asarray(visit, dtype=np.int64)
        n = len(visit)
        if not n:
            return

        def full(x, dt):
            a = np.asarray(x, dtype=dt)
            return np.full(n, a, dtype=dt) if a.ndim == 0 else a

        self.parts.append(
            (visit, full(item, np.int32), full(cnt, np.int32), full(day, np.int32), full(order, np.int32))
        )

    def emit(
        self, world: World, first_visit: int, base_first: np.ndarray, base_day: np.ndarray, step: int = 300
    ) -> np.ndarray:
        """``base_first``: first line time of day 0 per new visit (from ``first_visit`` on); ``base_day``:
        08:00 of the first day, from which later days start."""
        if not self.parts:
            return np.empty(0, dtype=np.int64)
        visit, item, cnt, day, order = (np.concatenate(c) for c in zip(*self.parts, strict=True))
        idx = np.lexsort((order, day, visit))
        visit, item, cnt, day = visit[idx], item[idx], cnt[idx], day[idx]
        group = np.r_[True, (visit[1:] != visit[:-1]) | (day[1:] != day[:-1])]
        start = np.flatnonzero(group)
        rank = np.arange(len(visit)) - np.repeat(start, np.diff(np.r_[start, len(visit)]))
        v = world.visits
        local = visit - first_visit
        t0 = np.where(day == 0, base_first[local], base_day[local] + day.astype(np.int64) * DAY)
        t = t0 + rank.astype(np.int64) * step
        inst = v["inst"][visit]
        return world.lines.add(
            visit=visit,
            item=item,
            t=t,
            cnt=cnt,
            pric=unit_price(world, item, inst),
            dr=v["doctor"][visit],
            dept=v["dept"][visit],
        )


def _choice(rng, pool: np.ndarray, n: int) -> np.ndarray:
    return pool[rng.integers(0, len(pool), n)]


def _restricted(world: World, role: str, value: str | None = None) -> np.ndarray:
    items = world.items
    mask = items["role"] == role
    if value is not None:
        mask &= items["value"] == value
    return np.flatnonzero(mask)


def outpatient(
    world: World,
    rng: np.random.Generator,
    psn,
    inst,
    dept,
    day,
    doctor=None,
    cost_factor=1,
    restricted_ok: bool = True,
) -> np.ndarray:
    """Append outpatient visits (med_type 11, or 13 at the emergency department)."""
    n = len(psn)
    begin = day.astype(np.int64) * DAY + 8 * HOUR + rng.integers(0, 9 * 60, n) * 60
    gend = world.persons["gend"][psn]
    diag = diseases.pick(rng, dept, gend)
    if doctor is None:
        doctor = pick_doctor(world, rng, inst, dept)
    vids = world.visits.add(
        psn=psn,
        inst=inst,
        dept=dept,
        doctor=doctor,
        kind=OUTPATIENT,
        begin=begin,
        end=begin + 2 * HOUR,
        diag=diag,
        diag2=-1,
        gend=gend,
        los=-1,
        oprn=-1,
    )
    items = world.items
    b = LineBuilder()
    b.add(vids, _choice(rng, role_items(items, "opfee"), n), 1, order=0)
    n_lab = rng.integers(0, 3, n)
    b.add(np.repeat(vids, n_lab), _choice(rng, role_items(items, "lab"), n_lab.sum()), 1, order=1)
    ex = vids[rng.random(n) < 0.3]
    b.add(ex, _choice(rng, role_items(items, "exam"), len(ex)), 1, order=2)
    n_drug = rng.integers(1, 4, n)
    drug_v = np.repeat(vids, n_drug)
    factor = np.repeat(np.broadcast_to(np.asarray(cost_factor), (n,)), n_drug)
    b.add(
        drug_v,
        _choice(rng, role_items(items, "drug"), len(drug_v)),
        rng.integers(1, 4, len(drug_v)) * factor,
        order=3,
    )
    tr = vids[rng.random(n) < 0.25]
    b.add(tr, _choice(rng, role_items(items, "treat"), len(tr)), 1, order=4)
    tc = tr[rng.random(len(tr)) < 0.5]
    b.add(tc, _choice(rng, role_items(items, "consumable")[:3], len(tc)), 1, order=5)
    if restricted_ok:
        age = ages_at(world, psn, begin)
        _bg_restricted(world, rng, b, vids, age, gend, dept, inst, inpatient=False)
    b.emit(world, vids[0], begin + 180, begin + 180, step=180)
    return vids


def _bg_restricted(world, rng, b: LineBuilder, vids, age, gend, dept, inst, inpatient: bool) -> None:
    """Restricted items used legitimately: right sex, children's drugs to children, etc."""
    n = len(vids)
    u = rng.random(n)
    fem = _restricted(world, "bg_GENDER", "女")
    male = _restricted(world, "bg_GENDER", "男")
    sel = (gend == 2) & (dept == OBGYN) & (u < 0.2)
    b.add(vids[sel], _choice(rng, fem, sel.sum()), 1, order=6)
    sel = (gend == 1) & (age >= 40) & np.isin(dept, [SURGERY, INTERNAL]) & (u < 0.05)
    b.add(vids[sel], _choice(rng, male, sel.sum()), 1, order=6)
    kids = _restricted(world, "bg_AGE")
    sel = (age <= 14) & (u < 0.25)
    b.add(vids[sel], _choice(rng, kids, sel.sum()), 1, order=6)
    if inpatient:
        rank = world.inst["rank"][inst]
        u2 = rng.random(n)
        ipo = _restricted(world, "bg_MED_TYPE")
        sel = u2 < 0.3
        b.add(vids[sel], _choice(rng, ipo, sel.sum()), 1, order=6)
        lv2, lv3 = _restricted(world, "bg_HOSP_LEVEL", "二级"), _restricted(world, "bg_HOSP_LEVEL", "三级")
        sel = (rank >= 2) & (u2 >= 0.3) & (u2 < 0.45)
        b.add(vids[sel], _choice(rng, lv2, sel.sum()), 1, order=6)
        sel = (rank >= 3) & (u2 >= 0.45) & (u2 < 0.55)
        b.add(vids[sel], _choice(rng, lv3, sel.sum()), 1, order=6)


def inpatient(
    world: World,
    rng: np.random.Generator,
    psn,
    inst,
    dept,
    begin_day,
    los,
    diag=None,
    hang_from=None,
    hang_len=None,
    restricted_ok: bool = True,
    surgery=None,
) -> np.ndarray:
    """Append inpatient stays (med_type 21): begin on ``begin_day``, discharged ``los`` days later."""
    n = len(psn)
    los = np.asarray(los, dtype=np.int64)
    begin = begin_day.astype(np.int64) * DAY + 9 * HOUR + rng.integers(0, 7 * 60, n) * 60
    end = (begin_day + los).astype(np.int64) * DAY + 10 * HOUR + rng.integers(0, 180, n) * 60
    gend = world.persons["gend"][psn]
    if diag is None:
        diag = diseases.pick(rng, dept, gend)
    table = diseases.disease_table()
    diag2 = np.where(rng.random(n) < 0.3, table["index"]["I10"], -1).astype(np.int16)
    diag2[diag2 == diag] = table["index"]["E11"]
    doctor = pick_doctor(world, rng, inst, dept)
    items = world.items
    surgery_item = np.full(n, -1, dtype=np.int64)
    names = list(items["name"])
    for cat, name in diseases.SURGERY_FOR.items():
        sel = (table["cat"][diag] == cat) & (los >= 3)
        if surgery is not None:
            sel &= surgery
        surgery_item[sel] = names.index(name)
    vids = world.visits.add(
        psn=psn,
        inst=inst,
        dept=dept,
        doctor=doctor,
        kind=INPATIENT,
        begin=begin,
        end=end,
        diag=diag,
        diag2=diag2,
        gend=gend,
        los=los,
        oprn=surgery_item,
    )
    world.stay_persons.update(int(p) for p in psn)
    hang_from = np.full(n, -1) if hang_from is None else np.asarray(hang_from)
    hang_len = np.zeros(n, dtype=np.int64) if hang_len is None else np.asarray(hang_len)
    # One row per (stay, day) for day 0..los (discharge day = los).
    rv = np.repeat(vids, los + 1)
    rs = np.repeat(np.arange(n), los + 1)
    start = np.repeat(np.cumsum(np.r_[0, los[:-1] + 1]), los + 1)
    d = np.arange(len(rv)) - start
    night = d < los[rs]
    hang = (d >= hang_from[rs]) & (d < hang_from[rs] + hang_len[rs])
    active = ~hang
    b = LineBuilder()
    bed = role_items(items, "bed")[rng.integers(0, 2, n)]
    nurse = role_items(items, "nursing")[rng.integers(0, 2, n)]
    b.add(rv[night], bed[rs[night]], 1, d[night], 0)
    b.add(rv[night], nurse[rs[night]], 1, d[night], 1)
    m = night & active
    b.add(rv[m], _choice(rng, role_items(items, "ipfee"), m.sum()), 1, d[m], 2)
    n_drug = np.where(m, rng.integers(1, 3, len(rv)), 0)
    b.add(
        np.repeat(rv, n_drug),
        _choice(rng, role_items(items, "ipdrug")[:5], n_drug.sum()),
        rng.integers(1, 3, n_drug.sum()),
        np.repeat(d, n_drug),
        3,
    )
    b.add(rv[m], _choice(rng, role_items(items, "treat"), m.sum()), 1, d[m], 4)
    first = d == 0
    n_lab = np.where(first, rng.integers(2, 4, len(rv)), np.where(active & (rng.random(len(rv)) < 0.2), 1, 0))
    n_lab[~night] = 1
    b.add(
        np.repeat(rv, n_lab), _choice(rng, role_items(items, "lab"), n_lab.sum()), 1, np.repeat(d, n_lab), 5
    )
    b.add(rv[first], _choice(rng, role_items(items, "exam"), first.sum()), 1, 0, 6)
    last = ~night
    b.add(
        rv[last],
        _choice(rng, role_items(items, "drug"), last.sum()),
        rng.integers(1, 3, last.sum()),
        d[last],
        7,
    )
    # Surgery on day 1 with anaesthesia and sutures; oprn row written from visits["oprn"].
    sv = np.flatnonzero(surgery_item >= 0)
    b.add(vids[sv], surgery_item[sv], 1, 1, 8)
    b.add(vids[sv], role_items(items, "anaesthesia")[0], 1, 1, 9)
    b.add(vids[sv], role_items(items, "consumable")[4], 2, 1, 10)
    # Orthopaedic fixation frame, at most once a day (national 08_1 legitimately used).
    ext = role_items(items, "bg_FREQUENCY")
    if len(ext):
        fx = np.isin(rs, sv) & (dept[rs] == ORTHO) & night & active & (d >= 2)
        b.add(rv[fx], ext[0], 1, d[fx], 11)
    if restricted_ok:
        age = ages_at(world, psn, begin)
        _bg_restricted(world, rng, b, vids, age, gend, dept, inst, inpatient=True)
    b.emit(world, vids[0], begin + 300, begin_day.astype(np.int64) * DAY + 8 * HOUR)
    return vids


def pharmacy_visits(world: World, rng: np.random.Generator, psn, pharm, day) -> np.ndarray:
    """Append retail-pharmacy purchases (药店购药, med_type 41) of ordinary drugs."""
    n = len(psn)
    begin = day.astype(np.int64) * DAY + 8 * HOUR + rng.integers(0, 13 * 60, n) * 60
    gend = world.persons["gend"][psn]
    doctor = pick_pharmacist(world, pharm)
    vids = world.visits.add(
        psn=psn,
        inst=pharm,
        dept=-1,
        doctor=doctor,
        kind=PHARMACY,
        begin=begin,
        end=begin + 600,
        diag=-1,
        diag2=-1,
        gend=gend,
        los=-1,
        oprn=-1,
    )
    stock = world.pharmacy_assortment
    n_lines = rng.integers(1, 3, n)
    lv = np.repeat(vids, n_lines)
    lp = np.repeat(np.asarray(pharm), n_lines)
    pick = stock[lp, rng.integers(0, stock.shape[1], len(lv))]
    b = LineBuilder()
    b.add(lv, pick, rng.integers(1, 3, len(lv)), 0, np.arange(len(lv)) % 2)
    b.emit(world, vids[0], begin + 60, begin + 60, step=60)
    return vids


def background(world: World, rng: np.random.Generator) -> None:
    """One year of care for the whole insured population."""
    persons = world.persons
    P = len(persons["psn_no"])
    inst = world.inst
    mid_year = 182 * DAY
    age_mid = ages_at(world, np.arange(P), np.full(P, mid_year))
    # Outpatient: ≈ 2.5 visits per person, the old and the very young more often.
    w = 1 + (age_mid >= 60) * 1.5 + (age_mid < 6) * 0.8
    n_out = int(round(2.5 * P))
    psn = rng.choice(P, size=n_out, p=w / w.sum()).astype(np.int32)
    day = rng.integers(0, YEAR_DAYS, n_out)
    dept = pick_dept(rng, age_mid[psn], persons["gend"][psn], inpatient=False)
    where = pick_institution(world, rng, dept, {3: 6.0, 2: 3.0, 1: 1.5})
    heavy = world.heavy_doctors
    doctor = pick_doctor(world, rng, where, dept)
    factor = np.where(np.isin(doctor, heavy), 3, 1)
    outpatient(world, rng, psn, where, dept, day, doctor=doctor, cost_factor=factor)
    # Inpatient: ≈ 6 % of persons, one stay each (distinct persons: no overlapping or split stays).
    n_in = int(round(0.06 * P))
    psn = rng.choice(P, size=n_in, replace=False, p=w / w.sum()).astype(np.int32)
    dept = pick_dept(rng, age_mid[psn], persons["gend"][psn], inpatient=True)
    where = pick_institution(world, rng, dept, {3: 5.0, 2: 3.0, 1: 1.0})
    los = np.where(rng.random(n_in) < 0.15, rng.integers(12, 21, n_in), rng.integers(2, 12, n_in))
    los = np.where(dept == ICU, rng.integers(5, 16, n_in), los)
    los = np.where(np.isin(where, world.long_stay_institutions), np.minimum(los * 2, 28), los)
    begin_day = (rng.random(n_in) * (YEAR_DAYS - 1 - los)).astype(np.int64)
    inpatient(world, rng, psn, where, dept, begin_day, los)
    # Retail pharmacies: ≈ 0.75 purchases per person.
    pharms = np.flatnonzero(inst["pharmacy"])
    n_ph = int(round(0.75 * P))
    adults = np.flatnonzero(age_mid >= 18)
    psn = adults[rng.integers(0, len(adults), n_ph)].astype(np.int32)
    pharmacy_visits(
        world, rng, psn, pharms[rng.integers(0, len(pharms), n_ph)], rng.integers(0, YEAR_DAYS, n_ph)
    )
