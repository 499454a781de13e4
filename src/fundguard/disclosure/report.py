"""定期公开汇总报告 periodic disclosure summary (Excel via openpyxl; PDF later)."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.disclosure.models import Publication
from fundguard.disclosure.service import PUB_TYPES, STATUS_ZH
from fundguard.timeutil import TZ, localize


def summary_rows(session: Session, start: date, end: date) -> list[Publication]:
    lo, hi = datetime.combine(start, time.min, TZ), datetime.combine(end, time.max, TZ)
    rows = session.scalars(
        select(Publication).where(Publication.publish_at.is_not(None)).order_by(Publication.publish_at)
    )
    return [p for p in rows if lo <= localize(p.publish_at) <= hi]


def summary_report(session: Session, start: date, end: date, path: Path) -> Path:
    """Workbook with a count per type (汇总) and the list of publications (明细) in [start, end]."""
    pubs = summary_rows(session, start, end)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append([f"信息公开汇总 {start.isoformat()} 至 {end.isoformat()}"])
    ws.append(["公开类型", "发布数", "已撤回"])
    for code, name in PUB_TYPES.items():
        of_type = [p for p in pubs if p.pub_type == code]
        ws.append([name, len(of_type), sum(1 for p in of_type if p.status == "WITHDRAWN")])
    detail = wb.create_sheet("明细")
    detail.append(["编号", "类型", "标题", "发布时间", "状态", "渠道"])
    for p in pubs:
        detail.append(
            [
                p.id,
                PUB_TYPES[p.pub_type],
                p.title,
                localize(p.publish_at).strftime("%Y-%m-%d %H:%M"),
                STATUS_ZH[p.status],
                p.channel,
            ]
        )
    wb.save(path)
    return Path(path)
