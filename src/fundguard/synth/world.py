"""In-memory city (合成城市数据): numpy columns indexed by row number, strings only at write time.

Times are whole seconds since ``YEAR``-01-01 00:00 local time (Asia/Shanghai); money is
integer cents; counts are whole units. A ``Claims`` object grows by appended chunks so that
injected visits and lines keep stable indices (index = position in the final table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

YEAR = 2025
DAY = 86_400
HOUR_SECONDS = 3_600
YEAR_DAYS = 365
EPOCH = np.datetime64(f"{YEAR}-01-01T00:00:00", "s")

VISIT_COLUMNS = {
    "psn": np.int32,
    "inst": np.int32,
    "dept": np.int16,
    "doctor": np.int32,
    "kind": np.int8,
    "begin": np.int64,
    "end": np.int64,
    "diag": np.int16,
    "diag2": np.int16,
    "gend": np.int8,
    "los": np.int16,
    "oprn": np.int16,
}
LINE_COLUMNS = {
    "visit": np.int32,
    "item": np.int32,
    "t": np.int64,
    "cnt": np.int32,
    "pric": np.int64,
    "dr": np.int32,
    "dept": np.int16,
}
# Visit kinds.
OUTPATIENT, INPATIENT, PHARMACY = 0, 1, 2


def to_datetime64(t: np.ndarray) -> np.ndarray:
    return EPOCH + np.asarray(t, dtype=np.int64).astype("timedelta64[s]")


def day_of(t: np.ndarray | int) -> np.ndarray:
    return np.asarray(t, dtype=np.int64) // DAY


class Columns:
    """A growing table of typed numpy columns."""

    def __init__(self, schema: dict[str, type]):
        self.schema = schema
        self._chunks: list[dict[str, np.ndarray]] = []
        self._cache: dict[str, np.ndarray] | None = None
        self.n = 0

    def add(self, **cols) -> np.ndarray:
        n = len(next(iter(cols.values())))
        chunk = {}
        for name, dtype in self.schema.items():
            value = cols.get(name, -1)
            arr = np.asarray(value, dtype=dtype)
            chunk[name] = np.full(n, arr, dtype=dtype) if arr.ndim == 0 else arr
            if len(chunk[name]) != n:
                raise ValueError(f"column {name} has {len(chunk[name])} rows, expected {n}")
        unknown = set(cols) - set(self.schema)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}")
        self._chunks.append(chunk)
        self._cache = None
        ids = np.arange(self.n, self.n + n, dtype=np.int64)
        self.n += n
        return ids

    @property
    def cols(self) -> dict[str, np.ndarray]:
        if self._cache is None:
            if not self._chunks:
                self._cache = {k: np.empty(0, dtype=t) for k, t in self.schema.items()}
            else:
                self._cache = {k: np.concatenate([c[k] for c in self._chunks]) for k in self.schema}
            self._chunks = [self._cache]
        return self._cache

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]


@dataclass
class Label:
    category: str
    visit: int
    line: int = -1  # -1: visit-level
    amount: int | None = None  # cents; None: computed at the end from ``lines`` (or the whole visit)
    note: str = ""
    lines: list[int] | None = None  # visit-level labels over a subset of lines (BED_HANGING)


@dataclass
class World:
    """Everything generated so far; master tables are small dicts of arrays/lists."""

    seed: int
    scale: float
    inst: dict = field(default_factory=dict)
    prac: dict = field(default_factory=dict)
    persons: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)
    visits: Columns = field(default_factory=lambda: Columns(VISIT_COLUMNS))
    lines: Columns = field(default_factory=lambda: Columns(LINE_COLUMNS))
    labels: list[Label] = field(default_factory=list)
    anomalies: list[dict] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)
    # Pharmacy stock plan overrides (pharmacy, item) -> kind; filled by injections.
    stock_short: list[tuple[int, int, int, int]] = field(default_factory=list)  # (pharm, item, month, excess)
    no_purchase: set = field(default_factory=set)  # (pharm, item) sold from opening stock only
    offcatalog_purchases: list[tuple[int, str, str]] = field(default_factory=list)  # (pharm, code, name)
    trace_drop: set = field(default_factory=set)  # line ids without trace rows
    trace_copy: dict = field(default_factory=dict)  # line id -> line id whose first code it reuses
    reserved_visits: set = field(default_factory=set)
    reserved_lines: set = field(default_factory=set)
    reserved_persons: set = field(default_factory=set)
    stay_persons: set = field(default_factory=set)
    big_stock_pharmacies: set = field(default_factory=set)
    swap_pharmacies: set = field(default_factory=set)  # SWAP injections only here; never STOCK there
    suspended_doctors: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    heavy_doctors: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    long_stay_institutions: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    pharmacy_assortment: np.ndarray = field(default_factory=lambda: np.empty((0, 0), dtype=np.int32))
