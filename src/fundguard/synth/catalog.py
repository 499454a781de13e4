"""The item catalogue (医保目录): ordinary items plus restricted items from the rule tables.

Ordinary items carry synthetic codes of the national shape (service items 15 digits, western
drugs ``X`` 23 characters, Chinese patent medicines ``Z`` 20, consumables ``C`` 20) chosen so
that no rule table in refdata names them, exactly or as a MediModel prefix (checked by
``rulebook.is_ruled``). Restricted items (限定项目) are real national codes from
``restricted.catalogue()``. Prices are cents; ``ceiling`` is ``pric_uplmt_amt``.
"""

from __future__ import annotations

import numpy as np

from fundguard.synth import rulebook
from fundguard.synth.restricted import catalogue as restricted_catalogue

# role, name, med_chrgitm_type, chrgitm_lv, ceiling yuan, unit, code prefix, oprn code/name (surgery)
ORDINARY = [
    ("bed", "普通病房床位费(三人间)", "01", "01", 45, "日", "001109", ""),
    ("bed", "普通病房床位费(双人间)", "01", "01", 60, "日", "001109", ""),
    ("nursing", "二级护理(住院)", "07", "01", 28, "日", "001203", ""),
    ("nursing", "一级护理(住院)", "07", "01", 40, "日", "001203", ""),
    ("ipfee", "住院医师查房诊查费", "02", "01", 25, "日", "001102", ""),
    ("opfee", "普通门诊诊查费", "02", "01", 15, "次", "001102", ""),
    ("opfee", "副主任医师门诊诊查费", "02", "01", 25, "次", "001102", ""),
    ("lab", "血细胞分析(五分类)", "04", "01", 25, "次", "002501", ""),
    ("lab", "尿液分析(干化学法)", "04", "01", 12, "次", "002501", ""),
    ("lab", "血糖测定(酶法)", "04", "01", 8, "项", "002503", ""),
    ("lab", "血脂四项测定", "04", "01", 60, "次", "002503", ""),
    ("lab", "肝肾功能组合测定", "04", "01", 110, "次", "002503", ""),
    ("lab", "C反应蛋白测定(CRP)", "04", "01", 30, "项", "002503", ""),
    ("lab", "电解质六项测定", "04", "01", 48, "次", "002503", ""),
    ("exam", "常规心电图检查(十二导联)", "03", "01", 30, "次", "002204", ""),
    ("exam", "胸部数字化X线摄影(DR)", "03", "01", 90, "次", "002101", ""),
    ("exam", "腹部彩色多普勒超声", "03", "01", 160, "次", "002209", ""),
    ("exam", "头颅CT平扫", "03", "01", 260, "次", "002103", ""),
    ("treat", "静脉输液(第一组)", "05", "01", 12, "组", "001218", ""),
    ("treat", "肌肉注射", "05", "01", 5, "次", "001218", ""),
    ("treat", "雾化吸入治疗", "05", "01", 15, "次", "003106", ""),
    ("treat", "中换药", "05", "01", 35, "次", "001219", ""),
    ("treat", "普通针刺治疗", "05", "02", 30, "次", "004100", ""),
    ("treat", "中频脉冲电治疗", "05", "02", 25, "次", "003401", ""),
    ("surgery", "阑尾切除术(常规)", "06", "01", 1200, "次", "003309", "47.0900|阑尾切除术"),
    ("surgery", "腹腔镜胆囊切除术(常规)", "06", "01", 2600, "次", "003310", "51.2300|腹腔镜下胆囊切除术"),
    ("surgery", "腹股沟疝修补术(常规)", "06", "01", 1500, "次", "003310", "53.0000|腹股沟疝单侧修补术"),
    ("surgery", "子宫下段剖宫产术(常规)", "06", "01", 2200, "次", "003313", "74.1x00|低位子宫下段剖宫产"),
    (
        "surgery",
        "股骨骨折切开复位内固定术(常规)",
        "06",
        "01",
        3800,
        "次",
        "003315",
        "79.3500|股骨骨折切开复位内固定术",
    ),
    ("surgery", "肺癌根治性切除术(常规)", "06", "01", 6800, "次", "003306", "32.4900|肺叶切除术"),
    ("anaesthesia", "全身麻醉(常规)", "05", "01", 900, "次", "003301", ""),
    ("drug", "阿莫西林胶囊", "09", "01", 18, "盒", "XJ01CAA", ""),
    ("drug", "头孢呋辛酯片", "09", "01", 32, "盒", "XJ01DCT", ""),
    ("drug", "左氧氟沙星片", "09", "01", 26, "盒", "XJ01MAL", ""),
    ("drug", "布洛芬缓释胶囊", "09", "01", 15, "盒", "XM01AEB", ""),
    ("drug", "盐酸二甲双胍片", "09", "01", 12, "盒", "XA10BAE", ""),
    ("drug", "苯磺酸氨氯地平片", "09", "01", 20, "盒", "XC08CAA", ""),
    ("drug", "阿托伐他汀钙片", "09", "02", 36, "盒", "XC10AAA", ""),
    ("drug", "奥美拉唑肠溶胶囊", "09", "01", 22, "盒", "XA02BCA", ""),
    ("drug", "阿司匹林肠溶片", "09", "01", 16, "盒", "XB01ACA", ""),
    ("drug", "硝苯地平控释片", "09", "02", 34, "盒", "XC08CAN", ""),
    ("drug", "复方甘草片", "09", "01", 8, "瓶", "XR05FAF", ""),
    ("drug", "氯雷他定片", "09", "01", 19, "盒", "XR06AXL", ""),
    ("drug", "蒙脱石散", "09", "01", 17, "盒", "XA07BCM", ""),
    ("drug", "板蓝根颗粒", "11", "01", 14, "盒", "ZA01BAB", ""),
    ("drug", "银黄颗粒", "11", "02", 21, "盒", "ZA01AAY", ""),
    ("drug", "复方丹参滴丸", "11", "01", 38, "盒", "ZA12EAF", ""),
    ("drug", "六味地黄丸", "11", "01", 24, "盒", "ZA09AAL", ""),
    ("ipdrug", "0.9%氯化钠注射液(250ml)", "09", "01", 6, "袋", "XB05BBL", ""),
    ("ipdrug", "5%葡萄糖注射液(250ml)", "09", "01", 6, "袋", "XB05BAP", ""),
    ("ipdrug", "注射用头孢曲松钠", "09", "01", 28, "支", "XJ01DDT", ""),
    ("ipdrug", "注射用泮托拉唑钠", "09", "02", 45, "支", "XA02BCP", ""),
    ("ipdrug", "低分子肝素钙注射液", "09", "02", 52, "支", "XB01ABD", ""),
    ("ipdrug", "注射用紫杉醇(白蛋白结合型)", "09", "02", 1280, "支", "XL01CDZ", ""),
    ("hospdrug", "注射用美罗培南", "09", "02", 160, "支", "XJ01DHM", ""),
    ("consumable", "一次性使用输液器(带针)", "08", "01", 3, "套", "C0101", ""),
    ("consumable", "一次性使用无菌注射器(5ml)", "08", "01", 1, "支", "C0102", ""),
    ("consumable", "医用脱脂纱布块", "08", "01", 2, "包", "C0203", ""),
    ("consumable", "一次性使用导尿包", "08", "02", 25, "套", "C0204", ""),
    ("consumable", "可吸收缝合线", "08", "02", 68, "根", "C0305", ""),
]
LIST_TYPE = {"drug": "101", "ipdrug": "101", "hospdrug": "101", "consumable": "301"}
# Restricted items used legitimately in the background, per category (how many distinct codes).
BACKGROUND_RESTRICTED = {"GENDER": 8, "AGE": 4, "MED_TYPE": 4, "HOSP_LEVEL": 4, "FREQUENCY": 1}
# Restricted items kept for injections, per category.
INJECTION_RESTRICTED = 6
# Ordinary drugs a retail pharmacy stocks.
PHARMACY_ROLES = ("drug",)


def _code(prefix: str, role: str, serial: int) -> str:
    if prefix.startswith("X"):
        length = 23
    elif prefix.startswith(("Z", "C")):
        length = 20
    else:
        length = 15
    for bump in range(1000):
        body = f"{serial * 7 + bump:05d}"
        code = (prefix + "9" * length)[: length - len(body)] + body
        if not rulebook.is_ruled(code):
            return code
    raise RuntimeError(f"no free code under {prefix}")


def _pick_spread(items: list, n: int, key=lambda i: i.name) -> list:
    """Up to ``n`` items with distinct names (first code of each), deterministic."""
    seen, out = set(), []
    for item in items:
        if key(item) in seen:
            continue
        seen.add(key(item))
        out.append(item)
        if len(out) == n:
            break
    return out


def build_catalog() -> dict:
    """Columns of the catalogue; ``role`` tells visit generators what an item is for."""
    rows = []
    for k, (role, name, chrg, lv, ceiling, unit, prefix, oprn) in enumerate(ORDINARY):
        rows.append(
            dict(
                code=_code(prefix, role, k),
                name=name,
                chrg=chrg,
                lv=lv,
                ceiling=ceiling * 100,
                unit=unit,
                role=role,
                oprn=oprn,
                category="",
                value="",
                list_type=LIST_TYPE.get(role, "201"),
            )
        )
    cat = restricted_catalogue()
    used: set[str] = set()

    def add(item, role: str) -> None:
        if item.code in used:
            return
        used.add(item.code)
        drug = item.code[0] in "XZ"
        chrg = (
            ("11" if item.code[0] == "Z" else "09")
            if drug
            else ("06" if item.code.startswith("0033") else "05")
        )
        ceiling = 3000 + (sum(map(ord, item.code)) % 40) * 500  # 30–225 yuan, deterministic
        rows.append(
            dict(
                code=item.code,
                name=item.name,
                chrg=chrg,
                lv="02",
                ceiling=ceiling,
                unit="盒" if drug else "次",
                role=role,
                oprn="",
                category=item.category,
                value=item.value,
                list_type="101" if drug else "201",
            )
        )

    for category, n in BACKGROUND_RESTRICTED.items():
        items = cat[category]
        if category == "GENDER":
            chosen = _pick_spread(
                [i for i in items if i.value == "女" and i.code[0] in "XZ"], n // 2
            ) + _pick_spread([i for i in items if i.value == "男" and i.code[0] in "XZ"], n // 2)
        elif category == "HOSP_LEVEL":
            chosen = _pick_spread([i for i in items if i.value == "二级"], n // 2) + _pick_spread(
                [i for i in items if i.value == "三级"], n // 2
            )
        elif category == "FREQUENCY":
            chosen = [i for i in items if i.name == "外固定架使用"]
        else:
            chosen = _pick_spread(items, n)
        for item in chosen:
            add(item, "bg_" + category)
    for category, items in cat.items():
        pool = items
        if category == "GENDER":
            pool = _pick_spread(
                [i for i in items if i.value == "女" and i.code not in used], 3
            ) + _pick_spread([i for i in items if i.value == "男" and i.code not in used], 3)
        if category == "HOSP_LEVEL":
            pool = [i for i in items if i.value == "二级"]
        if category == "FREQUENCY":
            pool = [i for i in items if i.name != "外固定架使用"]
        if category == "QUANTITY":
            pool = [i for i in items if i.value.rstrip("天").isdigit() and int(i.value.rstrip("天")) <= 10]
        if category == "EXCLUSIVE":
            pairs = {(i.code, i.value.split("|")[0]) for i in items}
            pool = [
                i
                for i in items
                if (i.value.split("|")[0], i.code) not in pairs
                and i.value.split("|")[2] in {"单日", "单次就诊", "6小时", "同一小时"}
            ]
        if category == "OVERUSE":
            pool = [i for i in items if int(i.value.split("|")[1]) <= 3]
        for item in _pick_spread(
            [i for i in pool if i.code not in used],
            INJECTION_RESTRICTED,
            key=lambda i: i.name if category != "GENDER" else (i.name, i.value),
        ):
            add(item, "inj_" + category)
        if category == "EXCLUSIVE":
            for item in [
                i
                for i in cat[category]
                if "inj_EXCLUSIVE" in {r["role"] for r in rows if r["code"] == i.code}
            ]:
                main_code, main_name, _ = item.value.split("|")
                if main_code not in used:
                    used.add(main_code)
                    rows.append(
                        dict(
                            code=main_code,
                            name=main_name,
                            chrg="05",
                            lv="01",
                            ceiling=8000,
                            unit="次",
                            role="exclusive_main",
                            oprn="",
                            category="",
                            value="",
                            list_type="201",
                        )
                    )
    cols = {key: np.array([r[key] for r in rows]) for key in rows[0]}
    cols["ceiling"] = cols["ceiling"].astype(np.int64)
    cols["index"] = {code: i for i, code in enumerate(cols["code"])}
    return cols


def role_items(items: dict, role: str) -> np.ndarray:
    return np.flatnonzero(items["role"] == role)


def item_index(items: dict, code: str) -> int:
    return items["index"][code]
