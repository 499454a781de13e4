"""Index of every code named by a rule table in refdata (规则库代码索引).

The synthetic city needs to know, for any item code, which rule tables touch it: ordinary
background items must be touched by none, and an injected violation must use an item that
only the intended rule touches (so one injected line violates exactly one category).

Conventions (refdata/SOURCE_README.md): national batch codes are exact (15-digit service
codes, full drug codes); MediModel codes are prefixes and multi-valued cells are regex
alternations ``(a|b)``. A bare ``C`` MediModel code (any consumable) applies only when the
item name matches the row's 主项名称 regex, so it is matched by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from fundguard import refdata

NATIONAL_DIR = "nhsa-rules/national_batches"
MEDIMODEL_DIRS = ("nhsa-rules/medimodel_latest", "nhsa-rules/medimodel_2025-09-12_sql")
EXACT_COLUMNS = ("国标代码", "药品代码", "项目编码", "项目代码", "主项编码", "从项编码")
PREFIX_COLUMNS = (
    "药品编码",
    "诊疗编码",
    "主项编码",
    "从项编码",
    "子项编码",
    "分项编码",
    "关联编码",
    "小项编码",
)
_SPLIT = re.compile(r"[()|]")


@dataclass(frozen=True)
class RuleHit:
    table: str  # refdata path of the rule table
    row: int  # 0-based row index in that table


def _codes(cell: str) -> list[str]:
    return [c.strip() for c in _SPLIT.split(cell or "") if c.strip()]


def rule_tables() -> list[str]:
    out = []
    for row in refdata.read_rows("MANIFEST.csv"):
        name = row["file"]
        if name.startswith((NATIONAL_DIR, *MEDIMODEL_DIRS)) and name.endswith(".csv"):
            out.append(name)
    return sorted(out)


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, list[RuleHit]], dict[str, list[RuleHit]], list[tuple[re.Pattern, RuleHit]]]:
    exact: dict[str, list[RuleHit]] = {}
    prefix: dict[str, list[RuleHit]] = {}
    by_name: list[tuple[re.Pattern, RuleHit]] = []
    for table in rule_tables():
        medimodel = not table.startswith(NATIONAL_DIR)
        columns = PREFIX_COLUMNS if medimodel else EXACT_COLUMNS
        for i, row in enumerate(refdata.read_rows(table)):
            hit = RuleHit(table, i)
            for col in columns:
                for code in _codes(row.get(col, "")):
                    if medimodel and code == "C":
                        pattern = row.get("主项名称") or ""
                        if pattern:
                            by_name.append((re.compile(pattern), hit))
                        continue
                    (prefix if medimodel else exact).setdefault(code, []).append(hit)
    return exact, prefix, by_name


def hits(code: str, name: str = "") -> list[RuleHit]:
    """Every rule row whose code equals ``code`` (national) or is a prefix of it (MediModel)."""
    exact, prefix, by_name = _index()
    found = list(exact.get(code, ()))
    for n in range(1, len(code) + 1):
        found.extend(prefix.get(code[:n], ()))
    if code.startswith("C") and name:
        found.extend(h for pattern, h in by_name if pattern.search(name))
    return sorted(set(found), key=lambda h: (h.table, h.row))


def hit_tables(code: str, name: str = "") -> set[str]:
    return {h.table for h in hits(code, name)}


def is_ruled(code: str, name: str = "") -> bool:
    return bool(hits(code, name))
