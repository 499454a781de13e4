"""Institutions, practitioners and insured persons of 常州市 (320400) — 定点医药机构、医保医师、参保人.

Scale 1: 30 hospitals of three levels (三级甲等 02, 二级甲等 05, 一级甲/乙等 08/09), 10 retail
pharmacies (零售药店, fixmedins_type 2), ≈ 740 practitioners and 20 000 insured persons with
a plausible age/sex pyramid. Codes follow profile ``codes.*``: institutions ``H``/``P`` +
6-digit district + 5 digits; practitioners a type letter (D doctor, N nurse, Y pharmacist,
J technician, S billing, F pharmacy principal) + district + 6 digits.
"""

from __future__ import annotations

import numpy as np

from fundguard import refdata
from fundguard.synth.world import YEAR, World, to_datetime64

CITY_CODE = "320400"
CITY_NAME = "常州市"

# (dept_codg, Chinese name); index = department id used everywhere.
DEPARTMENTS = [
    ("A03", "内科"),
    ("A04", "外科"),
    ("A05", "妇产科"),
    ("A07", "儿科"),
    ("A04.03", "骨科"),
    ("A19", "肿瘤科"),
    ("A21", "康复医学科"),
    ("A28", "重症医学科"),
    ("A26", "麻醉科"),
    ("A20", "急诊医学科"),
]
DEPT = {name: i for i, (_, name) in enumerate(DEPARTMENTS)}
INTERNAL, SURGERY, OBGYN, PEDIATRICS, ORTHO, ONCOLOGY, REHAB, ICU, ANAESTHESIA, EMERGENCY = range(10)
DEPTS_BY_RANK = {
    3: list(range(10)),
    2: [INTERNAL, SURGERY, OBGYN, PEDIATRICS, ORTHO, ONCOLOGY, REHAB, ANAESTHESIA, EMERGENCY],
    1: [INTERNAL, SURGERY, OBGYN, PEDIATRICS, REHAB, EMERGENCY],
}
LEVELS = [("02", 3, "人民医院"), ("05", 2, "医院"), ("08", 1, "社区卫生服务中心"), ("09", 1, "镇卫生院")]
PRAC_LETTER = {1: "D", 2: "N", 3: "Y", 4: "J", 5: "S", 6: "F"}
TITLES = ["主任医师", "副主任医师", "主治医师", "医师"]
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
)
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌宇浩凯晨欣怡子涵雨轩嘉琪佳俊博宁飞鹏辉波鑫婷雪琳晶颖慧"
)
STREETS = [
    "红梅",
    "茶山",
    "雕庄",
    "青龙",
    "湖塘",
    "牛塘",
    "南夏墅",
    "西夏墅",
    "薛家",
    "罗溪",
    "孟河",
    "尧塘",
    "天目湖",
    "埭头",
    "洛阳",
    "横山桥",
]
PHARMACY_BRANDS = ["万仁", "先声再康", "老百姓", "国药控股", "雷允上", "益丰", "华润"]


def districts() -> list[tuple[str, str]]:
    return [
        (r["code"], r["name"])
        for r in refdata.read_rows("admin-divisions/admin_divisions.csv")
        if r["parent_code"] == CITY_CODE
    ]


def chinese_names(rng: np.random.Generator, n: int) -> np.ndarray:
    s = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN)[rng.integers(0, len(GIVEN), n)]
    g2 = np.where(rng.random(n) < 0.6, np.array(GIVEN)[rng.integers(0, len(GIVEN), n)], "")
    return np.char.add(np.char.add(s, g1), g2)


def build_institutions(world: World, rng: np.random.Generator) -> None:
    n_hosp = max(6, round(30 * world.scale))
    n_pharm = max(3, round(10 * world.scale))
    dists = districts()
    codes, names, types, lvs, ranks, admdvs, beds = [], [], [], [], [], [], []
    per_dist: dict[str, int] = {}
    for i in range(n_hosp + n_pharm):
        pharmacy = i >= n_hosp
        code_d, name_d = dists[i % len(dists)]
        per_dist[code_d] = per_dist.get(code_d, 0) + 1
        serial = per_dist[code_d]
        if pharmacy:
            lv, rank = "", 0
            name = f"{CITY_NAME}{PHARMACY_BRANDS[i % len(PHARMACY_BRANDS)]}大药房{name_d}第{serial}店"
            bed = 0
        else:
            share = i / n_hosp
            lv, rank, suffix = (
                LEVELS[0] if share < 1 / 6 else LEVELS[1] if share < 1 / 2 else LEVELS[2 + i % 2]
            )
            if rank == 3:
                name = f"{CITY_NAME}第{i + 1}人民医院"
            elif rank == 2:
                name = f"{CITY_NAME}{name_d}{'中西医结合' if i % 3 == 0 else '第' + str(serial) + '人民'}医院"
            else:
                name = f"{name_d}{STREETS[i % len(STREETS)]}{suffix}"
            bed = {3: 1200, 2: 450, 1: 60}[rank]
        codes.append(f"{'P' if pharmacy else 'H'}{code_d}{serial:05d}")
        names.append(name)
        types.append("2" if pharmacy else "1")
        lvs.append(lv)
        ranks.append(rank)
        admdvs.append(code_d)
        beds.append(bed)
    world.inst = {
        "code": np.array(codes),
        "name": np.array(names),
        "type": np.array(types),
        "hosp_lv": np.array(lvs),
        "rank": np.array(ranks, dtype=np.int8),
        "admdvs": np.array(admdvs),
        "beds": np.array(beds),
        "legrep": chinese_names(rng, len(codes)),
        "uscc": np.array(
            [
                f"12{c[1:7]}{k:09d}X" if t == "1" else f"91{c[1:7]}{k:09d}A"
                for k, (c, t) in enumerate(zip(codes, types, strict=True))
            ]
        ),
        "pharmacy": np.array(types) == "2",
    }


def build_practitioners(world: World, rng: np.random.Generator) -> None:
    inst = world.inst
    codes, types, insts, depts, titles, begins = [], [], [], [], [], []
    serial = 0
    for i in range(len(inst["code"])):
        d = inst["admdvs"][i]
        if inst["pharmacy"][i]:
            staff = [(3, -1), (3, -1), (6, -1)]
        else:
            rank = int(inst["rank"][i])
            per_dept = {3: 3, 2: 2, 1: 1}[rank]
            staff = [(1, dep) for dep in DEPTS_BY_RANK[rank] for _ in range(per_dept)]
            staff += [(2, dep) for dep in DEPTS_BY_RANK[rank] for _ in range(max(1, per_dept - 1))]
            staff += [(4, -1)] * {3: 3, 2: 2, 1: 1}[rank] + [(3, -1)] * {3: 3, 2: 2, 1: 1}[rank] + [(5, -1)]
        for typ, dep in staff:
            serial += 1
            codes.append(f"{PRAC_LETTER[typ]}{d}{serial:06d}")
            types.append(typ)
            insts.append(i)
            depts.append(dep)
            titles.append(TITLES[serial % 4] if typ == 1 else "")
            begins.append(f"{2012 + serial % 12}-{1 + serial % 12:02d}-01")
    n = len(codes)
    world.prac = {
        "code": np.array(codes),
        "type": np.array(types, dtype=np.int8),
        "inst": np.array(insts, dtype=np.int32),
        "dept": np.array(depts, dtype=np.int16),
        "title": np.array(titles),
        "begin": np.array(begins),
        "name": chinese_names(rng, n),
    }


# Age pyramid (5-year bands 0–4 … 90–94), China 2020 census shape, older people slightly favoured.
AGE_WEIGHTS = np.array(
    [5.0, 6.0, 6.0, 5.5, 5.5, 6.5, 8.0, 8.0, 7.0, 7.5, 8.5, 8.5, 7.0, 6.0, 5.0, 3.5, 2.0, 1.0, 0.4]
)


def _check_digit(first17: np.ndarray) -> np.ndarray:
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    digits = first17.view("<U1").reshape(len(first17), 17).astype(np.int64)
    rest = (digits * weights).sum(axis=1) % 11
    return np.array(list("10X98765432"))[rest]


def build_persons(world: World, rng: np.random.Generator) -> None:
    n = max(200, round(20_000 * world.scale))
    band = rng.choice(len(AGE_WEIGHTS), size=n, p=AGE_WEIGHTS / AGE_WEIGHTS.sum())
    age_mid = band * 5 + rng.integers(0, 5, n)  # whole years on 1 January of YEAR
    gend = np.where(rng.random(n) < 0.5, 1, 2).astype(np.int8)
    birth = (
        np.datetime64(f"{YEAR}-01-01")
        - (age_mid * 365.25).astype("timedelta64[D]")
        - rng.integers(1, 365, n).astype("timedelta64[D]")
    )
    dists = np.array([c for c, _ in districts()])
    admdvs = dists[rng.integers(0, len(dists), n)]
    ymd = np.datetime_as_string(birth, unit="D")
    seq = rng.integers(0, 500, n) * 2 + np.where(gend == 1, 1, 0)
    first17 = np.char.add(
        np.char.add(admdvs, np.char.replace(ymd, "-", "")), np.char.zfill(seq.astype(str), 3)
    )
    certno = np.char.add(first17, _check_digit(first17.astype("<U17")))
    age_year_end = YEAR - birth.astype("datetime64[Y]").astype(int) - 1970
    worker = (age_year_end >= 18) & (age_year_end < 60) & (rng.random(n) < 0.7)
    retired = (age_year_end >= 60) & (rng.random(n) < 0.5)
    world.persons = {
        "psn_no": np.char.add("32040000", np.char.zfill(np.arange(1, n + 1).astype(str), 12)),
        "gend": gend,
        "brdy": birth.astype("datetime64[D]"),
        "name": chinese_names(rng, n),
        "certno": certno,
        "admdvs": admdvs,
        "insutype": np.where(worker | retired, "310", "390"),
        "psn_type": np.where(worker, "11", np.where(retired, "12", "15")),
    }


def ages_at(world: World, psn: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Whole years of age at local time ``t`` (seconds since YEAR-01-01)."""
    born = world.persons["brdy"][psn]
    when = to_datetime64(t).astype("datetime64[D]")
    by = born.astype("datetime64[Y]").astype(int)
    wy = when.astype("datetime64[Y]").astype(int)
    bm = born.astype("datetime64[M]").astype(int) % 12
    wm = when.astype("datetime64[M]").astype(int) % 12
    bd = (born - born.astype("datetime64[M]")).astype(int)
    wd = (when - when.astype("datetime64[M]")).astype(int)
    before = (wm < bm) | ((wm == bm) & (wd < bd))
    return (wy - by - before.astype(int)).astype(np.int16)
