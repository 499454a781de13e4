"""Pydantic result of a synthetic-city run (合成结果摘要)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SynthSummary(BaseModel):
    out_dir: str
    seed: int
    scale: float
    format: str
    violation_rate: float
    rows: dict[str, int] = Field(description="rows written per table (contract tables, labels, anomalies)")
    labels: dict[str, int] = Field(description="labels per violation category")
    anomalies: int = 0
    seconds: float = 0.0
