"""Parsers for the conventions of the rule tables (shared/data/README.md): values with units,
regex lists ``(a|b)``, exact national codes vs MediModel prefix codes, Chinese vocabulary variants.

Every parser raises ``ValueError`` with a Chinese reason; the importer turns it into a rejected row.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

SERVICE_CODE = re.compile(r"^[0-9]{15}$")
DRUG_CODE = re.compile(r"^[XZ][0-9A-Z]{19}([0-9A-Z]{3})?$")  # 20-char Z…, 23-char X…
PREFIX_CODE = re.compile(r"^[0-9A-Z]+$")

GENDERS = {"男": "1", "男性": "1", "女": "2", "女性": "2"}
AGE_GROUPS = {"新生儿": "新生儿", "婴幼儿": "婴幼儿", "儿童": "儿童", "小儿": "儿童", "成年": "成年"}
HOSP_LEVELS = {"一级": 1, "二级": 2, "三级": 3}
CARE_SETTINGS = {"住院": "inpatient", "门诊": "outpatient"}
PERIODS = {"每日": "day", "每天": "day", "每周": "week", "每月": "month", "每年": "year"}
EXCLUSIVE_PERIODS = {"单日": "day", "单次就诊": "visit", "6小时": "6h", "同一小时": "hour"}


def service_code(value: str) -> str:
    v = value.strip()
    if not SERVICE_CODE.match(v):
        raise ValueError(f"项目编码 {value!r} 不是15位医疗服务项目代码")
    return v


def drug_code(value: str) -> str:
    v = value.strip()
    if not DRUG_CODE.match(v):
        raise ValueError(f"药品代码 {value!r} 不是20位(Z)或23位(X)国家药品代码")
    return v


def prefix_code(value: str) -> str:
    v = value.strip()
    if not PREFIX_CODE.match(v):
        raise ValueError(f"编码前缀 {value!r} 含非法字符（只允许数字和大写字母）")
    return v


def gender(value: str) -> str:
    try:
        return GENDERS[value.strip()]
    except KeyError:
        raise ValueError(f"性别 {value!r} 不是 男/男性/女/女性") from None


def age_group(value: str) -> str:
    try:
        return AGE_GROUPS[value.strip()]
    except KeyError:
        raise ValueError(f"年龄对象 {value!r} 不是 新生儿/婴幼儿/儿童/小儿/成年") from None


def hosp_level(value: str) -> int:
    try:
        return HOSP_LEVELS[value.strip()]
    except KeyError:
        raise ValueError(f"机构等级 {value!r} 不是 一级/二级/三级") from None


def care_setting(value: str) -> str:
    try:
        return CARE_SETTINGS[value.strip()]
    except KeyError:
        raise ValueError(f"就医方式 {value!r} 不是 住院/门诊") from None


def regex_list(value: str) -> str:
    """A MediModel list ``(a|b|c)``; returned as a validated regular expression."""
    v = value.strip()
    if not (v.startswith("(") and v.endswith(")")) or v == "()":
        raise ValueError(f"列表 {value!r} 不是 (a|b) 形式的正则列表")
    try:
        re.compile(v)
    except re.error as exc:
        raise ValueError(f"正则 {value!r} 无法编译：{exc}") from None
    return v


def _number(text: str, what: str) -> Decimal:
    try:
        n = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{what} {text!r} 不是数字") from None
    if n <= 0:
        raise ValueError(f"{what} {text!r} 必须大于0")
    return n


def days(value: str) -> int:
    """``14天`` or a bare ``14`` (older tables)."""
    m = re.fullmatch(r"\s*([0-9]+)\s*(天|日)?\s*", value)
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"天数 {value!r} 不是 N天 形式")
    return int(m.group(1))


def money(value: str) -> Decimal:
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]{1,2})?)\s*元?\s*", value)
    if not m:
        raise ValueError(f"金额 {value!r} 不是 N元 形式")
    return _number(m.group(1), "金额")


def frequency(value: str) -> tuple[int, str]:
    """``1次每日`` → (1, "day"); 每周 week, 每月 month, 每年 year."""
    m = re.fullmatch(r"\s*([0-9]+)\s*次\s*(每日|每天|每周|每月|每年)\s*", value)
    if not m or int(m.group(1)) <= 0:
        raise ValueError(f"频次 {value!r} 不是 N次每日/每周/每月/每年 形式")
    return int(m.group(1)), PERIODS[m.group(2)]


def quantity(value: str) -> tuple[Decimal, str]:
    """``24小时`` → (24, "小时"); ``10个1%体表面积`` → (10, "个1%体表面积")."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(\S*)\s*", value)
    if not m:
        raise ValueError(f"数量 {value!r} 不是 数字+单位 形式")
    return _number(m.group(1), "数量"), m.group(2)


def overuse_period(value: str) -> str:
    p = PERIODS.get(value.strip())
    if p not in ("week", "month"):
        raise ValueError(f"过度周期 {value!r} 不是 每周/每月")
    return p


def exclusive_period(value: str) -> str:
    try:
        return EXCLUSIVE_PERIODS[value.strip()]
    except KeyError:
        raise ValueError(f"频度 {value!r} 不是 单日/单次就诊/6小时/同一小时") from None


def positive_int(value: str, what: str) -> int:
    v = value.strip()
    if not v.isdigit() or int(v) <= 0:
        raise ValueError(f"{what} {value!r} 不是正整数")
    return int(v)


def course_days_from_text(value: str) -> int:
    """``总时间不超过90天`` / ``支付不超过90天`` → 90 (batch08_3 free text)."""
    m = re.search(r"不超过\s*([0-9]+)\s*天", value)
    if not m:
        raise ValueError(f"备注 {value!r} 中找不到“不超过N天”")
    return int(m.group(1))
