"""Pydantic shapes: the parameters of each template's knowledge rows, local rules and API bodies.

A knowledge row of template ``T`` is validated by ``TEMPLATE_PARAMS[T]`` on import (national,
MediModel, local YAML and fixtures alike), so an invalid row is rejected at load, never mid-audit.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class KnowledgeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, description="项目/药品编码（国家库为完整编码，MediModel 为前缀）")
    match: Literal["exact", "prefix"] = "exact"
    item_name: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not re.fullmatch(r"[0-9A-Z]+", v):
            raise ValueError("编码只能包含数字和大写字母")
        return v


def _regex(v: str) -> str:
    try:
        re.compile(v)
    except re.error as exc:
        raise ValueError(f"正则无法编译：{exc}") from None
    return v


class GenderParams(KnowledgeParams):
    allowed_gend: Literal["1", "2"]


class AgeParams(KnowledgeParams):
    age_group: Literal["新生儿", "婴幼儿", "儿童", "成年", "劳动年龄"]


class IndicationParams(KnowledgeParams):
    pattern: str

    _p = field_validator("pattern")(_regex)


class DepartmentParams(IndicationParams):
    pass


class HospLevelParams(KnowledgeParams):
    min_rank: int = Field(ge=1, le=3)


class MedTypeParams(KnowledgeParams):
    setting: Literal["inpatient", "outpatient"]


class FrequencyParams(KnowledgeParams):
    max_units: int = Field(ge=1)
    window_days: int = Field(ge=1, le=366)
    unit: str = ""


class QuantityParams(KnowledgeParams):
    max_days: int = Field(ge=1, le=3660)
    group: str = Field(min_length=1, description="同一药品（通用名）分组")


class ExclusiveParams(KnowledgeParams):
    main_code: str = Field(min_length=1)
    main_name: str = ""
    period: Literal["day", "visit", "6h", "hour"]


class AddOnParams(KnowledgeParams):
    main_code: str = Field(min_length=1)
    main_name: str = ""
    max_count: int = Field(ge=1)


class OveruseParams(KnowledgeParams):
    period: Literal["week", "month"]
    max_count: int = Field(ge=1)


TEMPLATE_PARAMS: dict[str, type[KnowledgeParams]] = {
    "gender": GenderParams,
    "age": AgeParams,
    "indication": IndicationParams,
    "department": DepartmentParams,
    "hosp_level": HospLevelParams,
    "med_type": MedTypeParams,
    "frequency": FrequencyParams,
    "quantity": QuantityParams,
    "exclusive": ExclusiveParams,
    "add_on": AddOnParams,
    "overuse": OveruseParams,
}


def arrow_type(annotation) -> str:
    """DuckDB column type of a params field (for the knowledge tables registered at run time)."""
    if annotation is int:
        return "INTEGER"
    if annotation is Decimal:
        return "DECIMAL(18,4)"
    return "VARCHAR"


def knowledge_columns(template: str) -> list[tuple[str, str]]:
    """Columns of the DuckDB knowledge table ``k_<template>`` (prefixed ``k_``)."""
    model = TEMPLATE_PARAMS[template]
    cols = [("rule_code", "VARCHAR")]
    cols += [(f"k_{name}", arrow_type(f.annotation)) for name, f in model.model_fields.items()]
    cols += [
        ("k_plen", "INTEGER"),
        ("k_region", "VARCHAR"),
        ("k_eff_from", "DATE"),
        ("k_eff_to", "DATE"),
        ("k_source_file", "VARCHAR"),
        ("k_source_row", "INTEGER"),
    ]
    return cols


class LocalRule(BaseModel):
    """A local rule in YAML: one of the templates with its own knowledge rows (validated at load)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{3}-L[0-9]{2}$")
    template: str
    category: str
    title: str
    severity: Literal["info", "warn", "block"] = "warn"
    region: str = ""
    rows: list[dict] = Field(min_length=1)


class VerdictIn(BaseModel):
    verdict: Literal["confirmed", "rejected"]
    reason: str = ""


class CandidateRule(BaseModel):
    """One rule of a candidate file: an existing code (its knowledge is replaced) or a new local code."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{3}-[NMPL][0-9]{2}$")
    title: str = Field(default="", max_length=200)
    template: str | None = None
    category: str | None = None
    severity: Literal["info", "warn", "block"] = "warn"
    rows: list[dict] = Field(default_factory=list)


class CandidateFile(BaseModel):
    """``rules backtest --candidate FILE``: rule knowledge and/or profile parameters to try."""

    model_config = ConfigDict(extra="forbid")

    rules: list[CandidateRule] = Field(default_factory=list)
    params: dict = Field(default_factory=dict)
