"""Reference data shipped with the package: national rule tables, NHSA dictionaries, divisions."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

REFDATA_DIR = Path(__file__).resolve().parent


def path(relative: str) -> Path:
    return REFDATA_DIR / relative


def read_rows(relative: str) -> list[dict[str, str]]:
    """All rows of a shipped CSV as strings (codes keep their leading zeros)."""
    with path(relative).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def admin_division_codes() -> frozenset[str]:
    return frozenset(r["code"] for r in read_rows("admin-divisions/admin_divisions.csv"))


@lru_cache(maxsize=1)
def field_codes() -> dict[str, frozenset[str]]:
    """NHSA code values per platform field (gend, med_type, hosp_lv, insutype, chrgitm_lv, …)."""
    values: dict[str, set[str]] = {}
    for row in read_rows("nhsa-codes/field_code_values.csv"):
        values.setdefault(row["field"], set()).add(row["code"])
    return {k: frozenset(v) for k, v in values.items()}
