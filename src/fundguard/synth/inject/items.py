"""Restricted-item violations: 限性别, 限年龄, 限适应症, 限医院等级, 限就医方式, 限科室, 超频次, 超疗程,
互斥/包含项目, 诊疗加收, 过度诊疗 — each an extra line on a fresh visit (decision 0003)."""

from __future__ import annotations

import re

import numpy as np

from fundguard.synth import diseases
from fundguard.synth.city import DEPARTMENTS, SURGERY
from fundguard.synth.inject import Ctx, add_lines, after_begin, evening, label_lines
from fundguard.synth.visits import inpatient, unit_price
from fundguard.synth.world import HOUR_SECONDS, INPATIENT, OUTPATIENT, YEAR_DAYS


def _pool(ctx: Ctx, role: str) -> np.ndarray:
    return np.flatnonzero(ctx.world.items["role"] == role)


def _simple(ctx: Ctx, category: str, mask: np.ndarray, item_for, note: str) -> None:
    """One extra line of ``item_for(visits)`` on each chosen outpatient visit, labelled whole."""
    w = ctx.world
    visits = ctx.candidates(mask & ctx.kind(OUTPATIENT))
    if not len(visits):
        return
    item = item_for(visits)
    ok = item >= 0
    visits, item = visits[ok], item[ok]
    ids = add_lines(w, visits, item, after_begin(w, visits, 60), 1)
    ctx.reserve(visits)
    label_lines(w, category, ids, note=note)


def gender(ctx: Ctx) -> None:
    w = ctx.world
    pool = _pool(ctx, "inj_GENDER")
    fem, male = pool[w.items["value"][pool] == "女"], pool[w.items["value"][pool] == "男"]
    g = w.visits["gend"][: ctx.nv0]

    def pick(visits):
        gv = g[visits]
        return np.where(
            gv == 1,
            fem[ctx.rng.integers(0, len(fem), len(visits))],
            male[ctx.rng.integers(0, len(male), len(visits))],
        )

    _simple(ctx, "GENDER", np.isin(g, [1, 2]), pick, "限性别项目用于异性患者")


def age(ctx: Ctx) -> None:
    pool = _pool(ctx, "inj_AGE")
    _simple(
        ctx,
        "AGE",
        ctx.age >= 20,
        lambda v: pool[ctx.rng.integers(0, len(pool), len(v))],
        "儿童用药用于成年患者",
    )


def indication(ctx: Ctx) -> None:
    w = ctx.world
    pool = _pool(ctx, "inj_INDICATION")
    names = diseases.disease_table()["name"]
    matches = np.array([[bool(re.search(w.items["value"][i], n)) for n in names] for i in pool])
    diag = w.visits["diag"][: ctx.nv0]

    def pick(visits):
        out = np.full(len(visits), -1)
        for k, v in enumerate(visits):
            ok = np.flatnonzero(~matches[:, diag[v]])
            if len(ok):
                out[k] = pool[ok[ctx.rng.integers(0, len(ok))]]
        return out

    _simple(ctx, "INDICATION", diag >= 0, pick, "无符合限定适应症的诊断")


def hosp_level(ctx: Ctx) -> None:
    w = ctx.world
    pool = _pool(ctx, "inj_HOSP_LEVEL")
    rank = w.inst["rank"][w.visits["inst"][: ctx.nv0]]
    _simple(
        ctx,
        "HOSP_LEVEL",
        rank == 1,
        lambda v: pool[ctx.rng.integers(0, len(pool), len(v))],
        "限二级及以上医疗机构的药品在一级医院使用",
    )


def med_type(ctx: Ctx) -> None:
    pool = _pool(ctx, "inj_MED_TYPE")
    _simple(
        ctx,
        "MED_TYPE",
        np.ones(ctx.nv0, dtype=bool),
        lambda v: pool[ctx.rng.integers(0, len(pool), len(v))],
        "限住院使用的药品用于门诊",
    )


def department(ctx: Ctx) -> None:
    w = ctx.world
    pool = _pool(ctx, "inj_DEPARTMENT")
    dept = w.visits["dept"][: ctx.nv0]
    names = [n for _, n in DEPARTMENTS]
    ok_dept = {
        d: [i for i in pool if not re.search(w.items["value"][i], names[d])] for d in range(len(names))
    }
    mask = np.array([bool(ok_dept.get(int(d))) if d >= 0 else False for d in range(len(names))])[
        np.maximum(dept, 0)
    ]
    mask &= dept >= 0

    def pick(visits):
        return np.array(
            [ok_dept[int(dept[v])][ctx.rng.integers(0, len(ok_dept[int(dept[v])]))] for v in visits]
        )

    _simple(ctx, "DEPARTMENT", mask, pick, "限专科使用的药品在其他科室使用")


def frequency(ctx: Ctx) -> None:
    """A line of N + k units of an item limited to N per day; amount k × pric."""
    w = ctx.world
    pool = _pool(ctx, "inj_FREQUENCY")
    visits = ctx.candidates(ctx.kind(OUTPATIENT), free_person=True)
    if not len(visits):
        return
    item = pool[ctx.rng.integers(0, len(pool), len(visits))]
    limit = w.items["value"][item].astype(np.int64)
    extra = ctx.rng.integers(1, 3, len(visits))
    pric = unit_price(w, item, w.visits["inst"][visits])
    ids = add_lines(w, visits, item, after_begin(w, visits, 60), limit + extra, pric=pric)
    ctx.reserve(visits, w.visits["psn"][visits])
    label_lines(w, "FREQUENCY", ids, extra * pric, "单日计费数量超过限定频次")


def quantity(ctx: Ctx) -> None:
    """A duration-limited drug (N 天) billed on day 0 and again on day N of a stay; the later line."""
    w = ctx.world
    pool = _pool(ctx, "inj_QUANTITY")
    days = np.array([int(x.rstrip("天")) for x in w.items["value"][pool]])
    n_max = int(days.max())
    los = w.visits["los"][: ctx.nv0]
    visits = ctx.candidates(ctx.kind(INPATIENT) & (los >= n_max), free_person=True)
    missing = ctx.per_category - len(visits)
    if missing > 0:
        visits = np.r_[visits, _fresh_stays(ctx, missing, los=n_max + 2)]
    item = pool[ctx.rng.integers(0, len(pool), len(visits))]
    n_days = np.array([int(x.rstrip("天")) for x in w.items["value"][item]])
    add_lines(w, visits, item, evening(w, visits, 0), 1)  # day 0: within the course
    ids = add_lines(
        w,
        visits,
        item,
        evening(w, visits, n_days) - np.where(n_days >= w.visits["los"][visits], 11 * HOUR_SECONDS, 0),
        1,
    )
    ctx.reserve(visits, w.visits["psn"][visits])
    label_lines(w, "QUANTITY", ids, note="超过限定支付疗程天数")


def _fresh_stays(
    ctx: Ctx,
    n: int,
    los: int,
    dept: int = SURGERY,
    diag_cat: str | None = None,
    surgery: bool = False,
    hang: int = 0,
) -> np.ndarray:
    """New inpatient stays for adults who have no stay yet (clean background otherwise)."""
    w = ctx.world
    persons = np.flatnonzero(~ctx.reserved_psn)
    persons = persons[
        ~np.isin(persons, np.fromiter(w.stay_persons, dtype=np.int64, count=len(w.stay_persons)))
    ]
    from fundguard.synth.city import ages_at

    adult = ages_at(w, persons, np.zeros(len(persons), dtype=np.int64)) >= 20
    persons = persons[adult]
    if diag_cat is None and dept == SURGERY:
        persons = persons[w.persons["gend"][persons] == 1]  # 外科 diagnoses include men-only N40
    persons = persons[ctx.rng.permutation(len(persons))][:n]
    n = len(persons)
    if not n:
        return np.empty(0, dtype=np.int64)
    hospitals = np.flatnonzero(w.inst["rank"] >= 2)
    inst = hospitals[ctx.rng.integers(0, len(hospitals), n)]
    begin_day = ctx.rng.integers(5, YEAR_DAYS - los - 5, n)
    diag = None
    if diag_cat is not None:
        diag = np.full(n, diseases.disease_table()["index"][diag_cat], dtype=np.int16)
    vids = inpatient(
        w,
        ctx.rng,
        persons.astype(np.int32),
        inst,
        np.full(n, dept, dtype=np.int16),
        begin_day,
        np.full(n, los),
        diag=diag,
        restricted_ok=False,
        surgery=np.full(n, surgery),
        hang_from=np.full(n, 2) if hang else None,
        hang_len=np.full(n, hang) if hang else None,
    )
    ctx.reserve([], persons)
    return vids


def exclusive(ctx: Ctx) -> None:
    """Main item and an item it includes (batch07) in the same clock hour of one visit; the secondary."""
    w = ctx.world
    pool = _pool(ctx, "inj_EXCLUSIVE")
    index = {c: i for i, c in enumerate(w.items["code"])}
    visits = ctx.candidates(ctx.kind(OUTPATIENT))
    if not len(visits):
        return
    sec = pool[ctx.rng.integers(0, len(pool), len(visits))]
    main = np.array([index[w.items["value"][s].split("|")[0]] for s in sec])
    hour = (w.visits["begin"][visits] // 3600 + 1) * 3600
    add_lines(w, visits, main, hour + 600, 1)
    ids = add_lines(w, visits, sec, hour + 1200, 1)
    ctx.reserve(visits)
    label_lines(w, "EXCLUSIVE", ids, note="被主项目包含的项目重复收费")


def add_on(ctx: Ctx) -> None:
    """A surcharge (加收) on a surgical stay without its main item."""
    w = ctx.world
    pool = _pool(ctx, "inj_ADD_ON")
    oprn = w.visits["oprn"][: ctx.nv0]
    visits = ctx.candidates(ctx.kind(INPATIENT) & (oprn >= 0))
    missing = ctx.per_category - len(visits)
    if missing > 0:
        visits = np.r_[visits, _fresh_stays(ctx, missing, los=5, diag_cat="K35", surgery=True)]
    if not len(visits):
        return
    item = pool[ctx.rng.integers(0, len(pool), len(visits))]
    ids = add_lines(w, visits, item, evening(w, visits, 1), 1)
    ctx.reserve(visits)
    label_lines(w, "ADD_ON", ids, note="加收项目无对应主项目")


def overuse(ctx: Ctx) -> None:
    """N + 1 lines of an item limited to N per week/month for one patient; the last line."""
    w = ctx.world
    pool = _pool(ctx, "inj_OVERUSE")
    visits = ctx.candidates(ctx.kind(OUTPATIENT), free_person=True)
    if not len(visits):
        return
    item = pool[ctx.rng.integers(0, len(pool), len(visits))]
    limit = np.array([int(w.items["value"][i].split("|")[1]) for i in item])
    rep = limit + 1
    v = np.repeat(visits, rep)
    k = np.arange(len(v)) - np.repeat(np.cumsum(np.r_[0, rep[:-1]]), rep)
    ids = add_lines(w, v, np.repeat(item, rep), after_begin(w, v, 60) + k * 120, 1)
    last = ids[np.cumsum(rep) - 1]
    ctx.reserve(visits, w.visits["psn"][visits])
    label_lines(w, "OVERUSE", last, note="同一周期内超过限定次数")
