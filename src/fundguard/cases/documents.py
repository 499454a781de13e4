"""Enforcement documents (执法文书) as .docx and PDF: 行政处罚事先告知书, 行政处罚决定书, 整改通知书.

Numbers follow ``{agency}{type}〔{year}〕{seq}号`` (e.g. 常医保罚〔2026〕3号): one sequence per
agency abbreviation, document type and year, drawn from the locked counter in ``numbering`` so
two clerks never get the same number. Both files go to the evidence store with their SHA-256.
Templates are the paragraph lists below (``{placeholders}`` filled from the case); the .docx and
the PDF are rendered from the same paragraphs and carry the same number. The PDF embeds the CJK
font ``CJK_FONT_PATH`` (WenQuanYi Micro Hei, subset by reportlab, with a ToUnicode map so the
text can be searched and copied).
"""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from docx import Document
from docx.shared import Pt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth.service import record
from fundguard.cases import evidence as store
from fundguard.cases import rectification as rect
from fundguard.cases import service
from fundguard.cases.models import CaseDocument
from fundguard.cases.numbering import next_seq
from fundguard.cases.statemachine import Actor
from fundguard.errors import Conflict, InputError, NotFound
from fundguard.pdf import cjk_font
from fundguard.profiles import get_profile
from fundguard.timeutil import now
from fundguard.timeutil import today as local_today

KINDS = {
    "notice": ("告", "行政处罚事先告知书"),
    "decision": ("罚", "行政处罚决定书"),
    "rectification": ("改", "整改通知书"),
}

TEMPLATES = {
    "notice": [
        "{party}：",
        "经调查，你单位/你存在以下违法事实：{facts}",
        "依据{basis}，本机关拟作出如下行政处理/处罚：{measures}；追回医保基金{recover}元；罚款{fine}元。",
        "根据《中华人民共和国行政处罚法》的规定，你有权进行陈述和申辩，请于{defence_due}前提出；"
        "如要求听证，请于{hearing_due}前提出。逾期视为放弃上述权利。",
    ],
    "decision": [
        "当事人：{party}",
        "违法事实：{facts}",
        "处罚依据：{basis}",
        "处罚决定：{measures}；追回医保基金{recover}元；罚款{fine}元。",
        "请自收到本决定书之日起{pay_days}日内缴纳罚款。如不服本决定，可以依法申请行政复议或者提起行政诉讼。",
    ],
    "rectification": [
        "{party}：",
        "问题编号：{problem_no}",
        "问题描述：{facts}",
        "依据：{basis}",
        "请于{deadline}前完成整改，并提交以下佐证材料：{evidence}。逾期未整改的，将依规通报并提请处理。",
    ],
}


def document_number(session: Session, agency: str, kind: str, year: int) -> str:
    if kind not in KINDS:
        raise InputError("DOC_KIND", f"文书类型须为：{'、'.join(KINDS)}", field="kind")
    if not agency.strip():
        raise InputError("AGENCY_REQUIRED", "须指明发文机关简称（如 常医保）", field="agency")
    prefix = f"{agency.strip()}{KINDS[kind][0]}"
    return f"{prefix}〔{year}〕{next_seq(session, f'doc:{prefix}', year)}号"


def _render(title: str, doc_no: str, agency_name: str, paragraphs: list[str], day: date) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(14)
    doc.add_heading(agency_name, level=1)
    doc.add_heading(title, level=2)
    doc.add_paragraph(doc_no)
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.add_paragraph(f"{agency_name}\n{day.year}年{day.month}月{day.day}日")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _render_pdf(title: str, doc_no: str, agency_name: str, paragraphs: list[str], day: date) -> bytes:
    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK", firstLineIndent=0)
    head = ParagraphStyle("head", parent=body, fontSize=18, leading=28, alignment=1)
    sub = ParagraphStyle("sub", parent=body, fontSize=16, leading=26, alignment=1)
    center = ParagraphStyle("center", parent=body, alignment=1)
    right = ParagraphStyle("right", parent=body, alignment=2)
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=30 * mm,
        bottomMargin=25 * mm,
        title=f"{title} {doc_no}",
        author=agency_name,
        subject=doc_no,
        creator="fundguard",
    )
    story = [
        Paragraph(escape(agency_name), head),
        Paragraph(escape(title), sub),
        Paragraph(escape(doc_no), center),
        Spacer(1, 8 * mm),
    ]
    story += [Paragraph(escape(text), body) for text in paragraphs]
    story += [
        Spacer(1, 12 * mm),
        Paragraph(escape(agency_name), right),
        Paragraph(f"{day.year}年{day.month}月{day.day}日", right),
    ]
    pdf.build(story)
    return buf.getvalue()


def generate(
    session: Session,
    actor: Actor,
    kind: str,
    *,
    agency: str,
    agency_name: str,
    case_id: int | None = None,
    problem_id: int | None = None,
    today: date | None = None,
) -> CaseDocument:
    """Number and render one document for a case (notice/decision) or a problem item (rectification)."""
    day = today or local_today()
    if kind == "rectification":
        item = rect.get(session, problem_id)
        values = {
            "party": item.institution_code,
            "problem_no": item.problem_no,
            "facts": item.description,
            "basis": item.basis or "—",
            "deadline": item.deadline.isoformat() if item.deadline else "（通知下达后确定）",
            "evidence": "、".join(item.required_evidence) or "整改报告",
        }
        folder, entity = f"documents/{item.problem_no}", item.problem_no
    else:
        case = service.get(session, case_id)
        decision = service.get_decision(session, case.id)
        if decision is None:
            raise Conflict("DRAFT_REQUIRED", "尚无拟处罚决定，不能制作文书", "no decision to render")
        if kind == "decision" and decision.stage != "final":
            raise Conflict("NOT_DECIDED", "尚未作出处罚决定，不能制作处罚决定书", "case not decided")
        values = {
            "party": case.institution_code or case.person_code,
            "facts": case.facts.get("summary") or case.title,
            "basis": f"《医疗保障基金使用监督管理条例》第{decision.article}条；{decision.basis}",
            "measures": "、".join(decision.measures) or "责令改正",
            "recover": decision.recover_amount,
            "fine": decision.fine_amount,
            "defence_due": case.defence_due.isoformat() if case.defence_due else "—",
            "hearing_due": case.hearing_request_due.isoformat() if case.hearing_request_due else "—",
            "pay_days": _pay_days(),
        }
        folder, entity = f"documents/{case.case_no}", case.case_no
    doc_no = document_number(session, agency, kind, day.year)
    title = KINDS[kind][1]
    paragraphs = [t.format(**values) for t in TEMPLATES[kind]]
    data = _render(title, doc_no, agency_name, paragraphs, day)
    stored = store.store(folder, data, f"{title}-{doc_no}.docx")
    pdf = store.store(
        folder, _render_pdf(title, doc_no, agency_name, paragraphs, day), f"{title}-{doc_no}.pdf"
    )
    row = CaseDocument(
        case_id=case_id if kind != "rectification" else None,
        problem_id=problem_id if kind == "rectification" else None,
        kind=kind,
        doc_no=doc_no,
        path=stored.path,
        sha256=stored.sha256,
        pdf_path=pdf.path,
        pdf_sha256=pdf.sha256,
        created_by=actor.name,
        created_at=now(),
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor.name,
        "document.generated",
        "document",
        doc_no,
        {"entity": entity, "sha256": stored.sha256, "pdf_sha256": pdf.sha256},
    )
    return row


def get(session: Session, document_id: int) -> CaseDocument:
    row = session.get(CaseDocument, document_id)
    if row is None:
        raise NotFound("DOCUMENT_NOT_FOUND", "文书不存在", "document not found")
    return row


def read(session: Session, document_id: int, fmt: str = "docx") -> tuple[CaseDocument, bytes]:
    """The document's bytes as ``docx`` or ``pdf`` after the SHA-256 check."""
    row = get(session, document_id)
    if fmt == "pdf":
        if not row.pdf_path:
            raise NotFound("PDF_NOT_FOUND", f"文书 {row.doc_no} 没有 PDF 版本", "no PDF for this document")
        return row, store.read(row.pdf_path, row.pdf_sha256)
    if fmt != "docx":
        raise InputError("DOC_FORMAT", "文书格式须为 docx 或 pdf", field="format")
    return row, store.read(row.path, row.sha256)


def filename(row: CaseDocument, fmt: str) -> str:
    return f"{KINDS[row.kind][1]}-{row.doc_no}.{fmt}"


def for_case(session: Session, case_id: int) -> list[CaseDocument]:
    q = select(CaseDocument).where(CaseDocument.case_id == case_id).order_by(CaseDocument.id)
    return list(session.execute(q).scalars())


def for_problem(session: Session, problem_id: int) -> list[CaseDocument]:
    q = select(CaseDocument).where(CaseDocument.problem_id == problem_id).order_by(CaseDocument.id)
    return list(session.execute(q).scalars())


def _pay_days() -> int:
    return int(get_profile()["case.fine_payment_days"])
