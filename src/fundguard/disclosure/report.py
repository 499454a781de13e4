"""定期公开汇总报告 periodic disclosure summary: Excel (openpyxl) and PDF (reportlab, CJK font)."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from html import escape
from pathlib import Path

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.disclosure.models import Publication
from fundguard.disclosure.service import PUB_TYPES, STATUS_ZH
from fundguard.pdf import cjk_font
from fundguard.timeutil import TZ, localize


def summary_rows(session: Session, start: date, end: date) -> list[Publication]:
    lo, hi = datetime.combine(start, time.min, TZ), datetime.combine(end, time.max, TZ)
    rows = session.scalars(
        select(Publication).where(Publication.publish_at.is_not(None)).order_by(Publication.publish_at)
    )
    return [p for p in rows if lo <= localize(p.publish_at) <= hi]


def summary_report(session: Session, start: date, end: date, path: Path) -> Path:
    """Write ``summary_workbook`` to ``path``."""
    summary_workbook(session, start, end).save(path)
    return Path(path)


def summary_workbook(session: Session, start: date, end: date) -> Workbook:
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
    return wb


def summary_pdf(session: Session, start: date, end: date, agency_name: str = "") -> bytes:
    """The same summary as a PDF: counts per type, then the list of publications in [start, end]."""
    pubs = summary_rows(session, start, end)
    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=24, alignment=1)
    buf = io.BytesIO()
    title = f"信息公开汇总报告（{start.isoformat()} 至 {end.isoformat()}）"
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=title)
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef8")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    counts = [["公开类型", "发布数", "已撤回"]]
    for code, name in PUB_TYPES.items():
        of_type = [p for p in pubs if p.pub_type == code]
        counts.append([name, str(len(of_type)), str(sum(1 for p in of_type if p.status == "WITHDRAWN"))])
    detail = [["编号", "类型", "标题", "发布时间", "状态"]]
    for p in pubs:
        detail.append(
            [
                str(p.id),
                PUB_TYPES[p.pub_type],
                Paragraph(escape(p.title), body),
                localize(p.publish_at).strftime("%Y-%m-%d %H:%M"),
                STATUS_ZH[p.status],
            ]
        )
    story = [Paragraph(escape(agency_name), head)] if agency_name else []
    story += [
        Paragraph(escape(title), head),
        Spacer(1, 6 * mm),
        Table(counts, style=style, hAlign="LEFT"),
        Spacer(1, 6 * mm),
        Table(detail, style=style, colWidths=[14 * mm, 28 * mm, 70 * mm, 32 * mm, 20 * mm], repeatRows=1),
    ]
    doc.build(story)
    return buf.getvalue()
