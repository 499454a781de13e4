"""Clue exchange file (线索交换文件) with other regions (川渝协查) and departments; see CLUE_EXCHANGE.md.

JSON: ``{"format": "fundguard.clue-exchange", "version": 1, "sender": {...}, "receiver": {...},
"exported_at": "...", "clues": [...]}``. Excel: sheet ``线索`` with one row per clue (the same
fields; ``subjects`` joined by ``|``), sheet ``来源`` with one row per source of a clue and sheet
``说明`` with the header fields as key/value rows.
Import is idempotent: a clue is identified by ``sender.code`` + ``external_id``. The sources the
sender knew (12345 work orders, 卫健/市场监管/公安 transfers, other regions' clues, each with its
reference number) travel in ``sources`` and are kept on import as the clue source's
``origin_sources``, so they survive any number of hops.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from fundguard.cases import clues
from fundguard.cases.models import Clue
from fundguard.cases.statemachine import Actor
from fundguard.errors import InputError
from fundguard.timeutil import format_time, now

FORMAT = "fundguard.clue-exchange"
VERSION = 1
FIELDS = (
    "external_id",
    "institution_code",
    "institution_name",
    "person_code",
    "subjects",
    "period_from",
    "period_to",
    "amount",
    "summary",
)
SENDER_KINDS = {"region": "region", "department": "department"}
SOURCE_FIELDS = ("type", "ref", "partner")
SOURCE_SHEET_FIELDS = ("external_id", *SOURCE_FIELDS)


def _source_rows(session: Session, clue_id: int) -> list[dict]:
    """Every source of a clue as ``{type, ref, partner}``, including the origins of imported ones."""
    out: list[dict] = []
    for s in clues.sources(session, clue_id):
        out.append({"type": s.source_type, "ref": s.source_ref, "partner": s.partner})
        for origin in (s.payload or {}).get("origin_sources") or []:
            out.append({k: str(origin.get(k) or "") for k in SOURCE_FIELDS})
    unique: dict[tuple, dict] = {}
    for row in out:
        unique.setdefault((row["type"], row["ref"]), row)
    return list(unique.values())


def _origin_sources(value) -> list[dict]:
    """``sources`` of an imported row: objects ``{type, ref, partner}`` (or bare type names, legacy)."""
    out = []
    for item in value or []:
        if isinstance(item, dict):
            row = {k: str(item.get(k) or "") for k in SOURCE_FIELDS}
        else:
            row = {"type": str(item), "ref": "", "partner": ""}
        if row["type"] and row["type"] not in clues.SOURCE_TYPES:
            raise InputError("EXCHANGE_SOURCE", f"未知的线索来源类型：{row['type']}", field="sources")
        if row["type"]:
            out.append(row)
    return out


def export(session: Session, clue_ids: list[int], sender: dict, receiver: dict) -> dict:
    rows = []
    for cid in clue_ids:
        c: Clue = clues.get(session, cid)
        rows.append(
            {
                "external_id": c.clue_no,
                "institution_code": c.institution_code,
                "institution_name": "",
                "person_code": c.person_code,
                "subjects": list(c.subjects),
                "period_from": c.period_from.isoformat() if c.period_from else None,
                "period_to": c.period_to.isoformat() if c.period_to else None,
                "amount": str(c.amount),
                "summary": c.summary,
                "sources": _source_rows(session, c.id),
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "sender": sender,
        "receiver": receiver,
        "exported_at": format_time(now()),
        "clues": rows,
    }


def to_excel(doc: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "线索"
    ws.append(list(FIELDS))
    for row in doc["clues"]:
        ws.append(["|".join(row["subjects"]) if k == "subjects" else row.get(k) for k in FIELDS])
    src = wb.create_sheet("来源")
    src.append(list(SOURCE_SHEET_FIELDS))
    for row in doc["clues"]:
        for item in _origin_sources(row.get("sources")):
            src.append([row.get("external_id"), *(item[k] for k in SOURCE_FIELDS)])
    meta = wb.create_sheet("说明")
    meta.append(["format", doc["format"]])
    meta.append(["version", doc["version"]])
    meta.append(["exported_at", doc["exported_at"]])
    for side in ("sender", "receiver"):
        for key, value in doc[side].items():
            meta.append([f"{side}.{key}", value])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def from_excel(data: bytes) -> dict:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True)
        rows = list(wb["线索"].iter_rows(values_only=True))
        meta = {str(k): v for k, v, *_ in wb["说明"].iter_rows(values_only=True)}
        source_rows = list(wb["来源"].iter_rows(values_only=True)) if "来源" in wb.sheetnames else []
    except Exception as exc:  # noqa: BLE001 — any unreadable workbook is an input error
        raise InputError(
            "EXCHANGE_FILE", f"无法读取线索交换 Excel 文件：{exc}", "unreadable workbook"
        ) from None
    header = [str(h) for h in rows[0]]
    doc: dict = {
        "format": meta.get("format"),
        "version": int(meta.get("version") or 0),
        "sender": {},
        "receiver": {},
    }
    for key, value in meta.items():
        side, _, field = key.partition(".")
        if side in ("sender", "receiver") and field:
            doc[side][field] = value
    by_clue: dict[str, list[dict]] = {}
    if source_rows:
        src_header = [str(h) for h in source_rows[0]]
        for values in source_rows[1:]:
            item = dict(zip(src_header, values, strict=False))
            by_clue.setdefault(str(item.get("external_id")), []).append(
                {k: "" if item.get(k) is None else str(item.get(k)) for k in SOURCE_FIELDS}
            )
    doc["clues"] = []
    for values in rows[1:]:
        row = dict(zip(header, values, strict=False))
        row["subjects"] = [s for s in str(row.get("subjects") or "").split("|") if s]
        row["sources"] = by_clue.get(str(row.get("external_id")), [])
        doc["clues"].append(row)
    return doc


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError("EXCHANGE_DATE", f"日期格式错误：{value}", field="period_from") from None


def import_doc(session: Session, actor: Actor, doc: dict) -> list[tuple[Clue, bool]]:
    """Register every clue of a partner's file; returns (clue, merged) per row."""
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise InputError("EXCHANGE_FORMAT", f"不是第 {VERSION} 版线索交换文件", "not a clue-exchange v1 file")
    sender = doc.get("sender") or {}
    if not sender.get("code") or sender.get("kind") not in SENDER_KINDS:
        raise InputError(
            "EXCHANGE_SENDER", "交换文件须注明发送方 code 与 kind（region/department）", field="sender"
        )
    out = []
    for i, row in enumerate(doc.get("clues") or [], start=1):
        if not str(row.get("external_id") or "").strip():
            raise InputError(
                "EXCHANGE_ID", f"第 {i} 条线索缺少 external_id（发送方线索编号）", field="external_id"
            )
        try:
            amount = Decimal(str(row.get("amount") or "0"))
        except InvalidOperation:
            raise InputError("EXCHANGE_AMOUNT", f"第 {i} 条线索金额格式错误", field="amount") from None
        out.append(
            clues.add(
                session,
                actor,
                source_type=SENDER_KINDS[sender["kind"]],
                source_ref=f"{sender['code']}:{row.get('external_id')}",
                subjects=list(row.get("subjects") or []),
                institution_code=row.get("institution_code") or None,
                person_code=row.get("person_code") or None,
                period_from=_date(row.get("period_from")),
                period_to=_date(row.get("period_to")),
                amount=amount,
                summary=str(row.get("summary") or ""),
                partner=str(sender.get("name") or sender["code"]),
                payload={
                    "institution_name": row.get("institution_name") or "",
                    "origin_sources": _origin_sources(row.get("sources")),
                },
            )
        )
    return out
