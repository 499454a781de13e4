"""Behavioural anomalies for the risk models (异常行为, ``anomalies.csv``) — clean under the rules.

- an institution whose stays last twice as long as its peers' (住院天数异常);
- doctors whose outpatient drug quantities are three times their peers' (费用异常);
- a pharmacy that sells more than it buys over the year, living off its opening stock;
- a ring of insured persons cycling through the same two doctors and one pharmacy;
- plus the insured persons with split admissions and institutions with hanging beds (from labels).
"""

from __future__ import annotations

import numpy as np

from fundguard.synth.city import INTERNAL
from fundguard.synth.visits import outpatient, pharmacy_visits
from fundguard.synth.world import World

ANOMALY_COLUMNS = ("entity_type", "entity_id", "kind", "note")


def plan(world: World, rng: np.random.Generator) -> None:
    inst, prac = world.inst, world.prac
    second = np.flatnonzero(inst["rank"] == 2)
    world.long_stay_institutions = second[:1].astype(np.int32)
    doctors = np.flatnonzero(
        (prac["type"] == 1) & (prac["dept"] == INTERNAL) & (inst["rank"][prac["inst"]] == 3)
    )
    world.heavy_doctors = doctors[rng.permutation(len(doctors))][:2].astype(np.int32)
    pharms = np.flatnonzero(inst["pharmacy"])
    world.big_stock_pharmacies = {int(pharms[-1])}
    world.swap_pharmacies = {int(p) for p in pharms[: max(1, len(pharms) // 3)]}
    for i in world.long_stay_institutions:
        _add(world, "institution", inst["code"][i], "long_stay", "平均住院日约为同级机构的2倍")
    for d in world.heavy_doctors:
        _add(world, "practitioner", prac["code"][d], "high_cost", "门诊药品用量约为同科室医师的3倍")
    for p in world.big_stock_pharmacies:
        _add(
            world,
            "institution",
            inst["code"][p],
            "sells_more_than_bought",
            "全年销售数量超过进货数量（靠期初库存）",
        )


def ring(world: World, rng: np.random.Generator) -> None:
    """Eight adults visiting the same two doctors twice a month and the same pharmacy monthly."""
    inst, prac, persons = world.inst, world.prac, world.persons
    hosp = int(np.flatnonzero(inst["rank"] == 3)[0])
    doctors = np.flatnonzero((prac["type"] == 1) & (prac["inst"] == hosp) & (prac["dept"] == INTERNAL))[:2]
    pharm = int(np.flatnonzero(inst["pharmacy"])[0])
    adults = np.flatnonzero(persons["brdy"] < np.datetime64("1990-01-01"))
    members = adults[rng.permutation(len(adults))][:8].astype(np.int32)
    n_visits = 24
    psn = np.repeat(members, n_visits)
    day = (
        np.tile(np.arange(n_visits) * 15 + 3, len(members)) + np.repeat(np.arange(len(members)), n_visits) % 3
    )
    doctor = doctors[np.arange(len(psn)) % len(doctors)].astype(np.int32)
    outpatient(
        world,
        rng,
        psn,
        np.full(len(psn), hosp, dtype=np.int32),
        np.full(len(psn), INTERNAL, dtype=np.int16),
        day,
        doctor=doctor,
        restricted_ok=False,
    )
    psn_p = np.repeat(members, 12)
    day_p = np.tile(np.arange(12) * 30 + 5, len(members))
    pharmacy_visits(world, rng, psn_p, np.full(len(psn_p), pharm), day_p)
    for m in members:
        _add(
            world,
            "insured",
            persons["psn_no"][m],
            "ring",
            f"与同组参保人固定在{inst['code'][hosp]}两名医师及药店{inst['code'][pharm]}循环就诊购药",
        )


def from_labels(world: World) -> None:
    v = world.visits
    seen = set()
    for label in world.labels:
        if label.category == "SPLIT_ADMISSION":
            key = ("insured", world.persons["psn_no"][v["psn"][label.visit]], "split_admission")
            note = "出院后短期内同一诊断再次入院"
        elif label.category == "BED_HANGING":
            key = ("institution", world.inst["code"][v["inst"][label.visit]], "bed_hanging")
            note = "存在连续多日无治疗的住院（挂床）"
        else:
            continue
        if key not in seen:
            seen.add(key)
            _add(world, key[0], key[1], key[2], note)


def _add(world: World, entity_type: str, entity_id, kind: str, note: str) -> None:
    world.anomalies.append(
        {"entity_type": entity_type, "entity_id": str(entity_id), "kind": kind, "note": note}
    )
