"""Ingest results (接入报告) and quarantine rows (隔离行) as pydantic models."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TableCounts(BaseModel):
    """Rows of one table: ``read = loaded + quarantined + duplicate`` always."""

    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicate: int = 0


class FileInfo(BaseModel):
    table: str
    path: str
    encoding: str
    sha256: str


class ColumnChange(BaseModel):
    column: str
    old: str | None
    new: str | None  # personal identifiers (names, ID numbers) are masked


class MasterChange(BaseModel):
    """A master-data row that differs from the version in force: loaded as a new version."""

    table: str
    key: dict[str, str]
    line: int
    columns: list[ColumnChange] = Field(default_factory=list)


class IngestReport(BaseModel):
    batch_id: str
    status: str = Field(description="committed | rejected (strict mode with quarantined rows)")
    input_dir: str
    strict: bool = False
    tables: dict[str, TableCounts] = Field(default_factory=dict)
    files: list[FileInfo] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    master_changes: list[MasterChange] = Field(
        default_factory=list,
        description="master-data rows loaded as new versions (主数据变更); the first 1,000 when there are more",
    )
    master_changes_total: int = 0

    @property
    def quarantined(self) -> int:
        return sum(t.quarantined for t in self.tables.values())

    @property
    def loaded(self) -> int:
        return sum(t.loaded for t in self.tables.values())

    def contract_json(self) -> dict[str, dict[str, int]]:
        """The data contract's report: ``{table: {read, loaded, quarantined, duplicate}}``."""
        return {
            name: {k: getattr(counts, k) for k in ("read", "loaded", "quarantined", "duplicate")}
            for name, counts in self.tables.items()
        }


class QuarantineOut(BaseModel):
    batch_id: str
    table_name: str
    file: str
    line: int
    column: str
    value: str
    reason_code: str
    reason_zh: str
    reason_en: str
    raw: dict
