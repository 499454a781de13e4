"""Joint-punishment list export (失信联合惩戒名单导出) for the credit authority and partner regions.

The export goes to government departments under the joint-punishment mechanism, so identity
numbers are given in full unless ``masked=True`` (public release goes through disclosure).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy.orm import Session

from fundguard.credit import service
from fundguard.disclosure.masking import mask_id_number, mask_name

HEADER = [
    "名单类型",
    "主体类型",
    "主体编号",
    "名称",
    "证件号码/统一社会信用代码",
    "列入原因",
    "列入日期",
    "最早移出日期",
    "状态",
]


def joint_punishment_rows(session: Session, on: date, masked: bool = False, where=None) -> list[list[str]]:
    rows = []
    for e in service.entries_in_force(session, on, ("PUNISHMENT", "BLACKLIST"), where):
        personal = e.subject_type != "INSTITUTION"
        name = mask_name(e.subject_name) if masked and personal else e.subject_name
        number = mask_id_number(e.id_number) if masked and personal else e.id_number
        rows.append(
            [
                service.LIST_TYPES[e.list_type],
                service.SUBJECT_TYPES[e.subject_type],
                e.subject_id,
                name,
                number,
                e.reason,
                e.start_on.isoformat(),
                e.end_on.isoformat() if e.end_on else "",
                service.STATUS_ZH[e.status],
            ]
        )
    return rows


def export_joint_punishment(session: Session, on: date, path: Path, masked: bool = False, where=None) -> Path:
    """Write the list in force at ``on`` as CSV (UTF-8 with BOM, opens in Excel) or ``.xlsx``;
    ``where`` restricts the entries (a user's scope)."""
    rows = joint_punishment_rows(session, on, masked, where)
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        wb = Workbook()
        ws = wb.active
        ws.title = "失信联合惩戒名单"
        ws.append(HEADER)
        for r in rows:
            ws.append(r)
        wb.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(rows)
    return path
