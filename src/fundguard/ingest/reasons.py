"""Quarantine reasons (隔离原因): one code per kind of bad row, with Chinese and English text.

A row with several problems is quarantined once, under the first problem in ``CHECK_ORDER``
(the order the checks run in); the order is part of the contract of this module because tests
and users read the reason code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str  # format fields: column, value, info
    en: str


_REASONS = (
    Reason("CSV_STRUCTURE", "CSV 行结构错误（{info}）", "malformed CSV line ({info})"),
    Reason("BAD_ENCODING", "该行字节既不是 UTF-8 也不是 GB18030", "line is neither UTF-8 nor GB18030"),
    Reason("MISSING_COLUMN", "文件缺少必填列 {column}", "file lacks required column {column}"),
    Reason("MISSING_VALUE", "必填字段 {column} 为空", "required value {column} is empty"),
    Reason(
        "BAD_INTEGER", "字段 {column} 的值“{value}”不是整数", "{column} value '{value}' is not an integer"
    ),
    Reason(
        "BAD_DECIMAL",
        "字段 {column} 的值“{value}”不是合法数值（{info}）",
        "{column} value '{value}' is not a valid number ({info})",
    ),
    Reason(
        "BAD_TIME",
        "字段 {column} 的值“{value}”不是 YYYY-MM-DD HH:MM:SS 时间",
        "{column} value '{value}' is not a YYYY-MM-DD HH:MM:SS time",
    ),
    Reason(
        "BAD_DATE",
        "字段 {column} 的值“{value}”不是 YYYY-MM-DD 日期",
        "{column} value '{value}' is not a YYYY-MM-DD date",
    ),
    Reason(
        "UNKNOWN_CODE",
        "字段 {column} 的代码“{value}”不在字典中",
        "{column} code '{value}' is not in the dictionary",
    ),
    Reason(
        "BAD_CODE_FORMAT",
        "字段 {column} 的代码“{value}”格式不符（{info}）",
        "{column} code '{value}' has the wrong format ({info})",
    ),
    Reason("TIME_ORDER", "出院/结束时间早于入院/开始时间（{info}）", "end time before begin time ({info})"),
    Reason(
        "NEGATIVE_COUNT",
        "数量为负但明细金额为正（仅退费行允许负数量）",
        "negative count on a line with a positive total (only refunds may be negative)",
    ),
    Reason(
        "AMOUNT_MISMATCH", "明细金额与数量×单价不符（{info}）", "line total differs from cnt × pric ({info})"
    ),
    Reason(
        "OUT_OF_RANGE",
        "字段 {column} 的值“{value}”超出范围（{info}）",
        "{column} value '{value}' out of range ({info})",
    ),
    Reason(
        "DUPLICATE_KEY",
        "主键与本批第 {info} 行相同但内容不同",
        "same key as line {info} of this batch but different content",
    ),
    Reason(
        "DUPLICATE_KEY_CONFLICT",
        "主键已入库但内容不同（{info}）",
        "key already loaded with different content ({info})",
    ),
    Reason(
        "ORPHAN_REF",
        "字段 {column} 的值“{value}”在 {info} 中不存在",
        "{column} value '{value}' does not exist in {info}",
    ),
    Reason(
        "FEE_TIME_OUTSIDE_VISIT",
        "费用发生时间“{value}”不在就诊期间内（{info}）",
        "fee time '{value}' is outside the visit ({info})",
    ),
    Reason("POINTS_REJECTED", "{info}", "{info}"),
)

REASONS: dict[str, Reason] = {r.code: r for r in _REASONS}

# The order in which checks run; a row is quarantined under the first that fails.
CHECK_ORDER: tuple[str, ...] = tuple(r.code for r in _REASONS)


def render(code: str, column: str = "", value: str | None = "", info: str | None = "") -> tuple[str, str]:
    """Chinese and English message for one quarantined row."""
    reason = REASONS[code]
    fields = {"column": column, "value": "" if value is None else value, "info": info or ""}
    return reason.zh.format(**fields), reason.en.format(**fields)
