"""Hash chains for tamper-evident, append-only records (audit log, points ledger).

Each record stores ``seq``, ``prev_hash`` and ``hash = sha256(prev_hash || canonical_json(payload))``.
Changing, deleting or reordering any stored row breaks the chain at that row, which
``verify`` reports. Appends to one chain are serialised through a locked head row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(
            value.quantize(Decimal("0.01")) if value == value.quantize(Decimal("0.01")) else value, "f"
        )
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not serialisable in a hash chain: {type(value).__name__}")


def canonical(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def link_hash(prev_hash: str, payload: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(payload)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    chain: str
    seq: int
    reason: str


def verify(chain: str, rows: Iterable[tuple[int, str, str, Mapping[str, Any]]]) -> list[Break]:
    """Check rows ``(seq, prev_hash, hash, payload)`` in seq order; return every break found."""
    breaks: list[Break] = []
    expected_prev = GENESIS
    expected_seq = 1
    for seq, prev_hash, stored_hash, payload in rows:
        if seq != expected_seq:
            breaks.append(
                Break(chain, seq, f"序号不连续：期望 {expected_seq}，实际 {seq}（记录被删除或插入）")
            )
        if prev_hash != expected_prev:
            breaks.append(Break(chain, seq, "前一哈希不匹配（前序记录被改动、删除或重排）"))
        if link_hash(prev_hash, payload) != stored_hash:
            breaks.append(Break(chain, seq, "内容哈希不匹配（本条记录被改动）"))
        expected_prev = stored_hash
        expected_seq = seq + 1
    return breaks
