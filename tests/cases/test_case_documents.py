"""执法文书: .docx from templates, numbered 常医保罚〔2026〕N号 per agency, type and year, never twice."""

from __future__ import annotations

import io
import re
import threading
from datetime import date
from decimal import Decimal

import pytest
from docx import Document

from fundguard.cases import documents, service
from fundguard.cases import rectification as rect
from fundguard.cases.statemachine import Actor
from fundguard.db import session_scope
from fundguard.errors import Conflict
from pdftext import pdf_text

HANDLER = Actor.of("办案员王", "case_handler", region="320400")
MON = date(2026, 3, 2)


def notified_case(session):
    case = service.create(
        session, HANDLER, title="虚构诊疗项目", actor_type="unit", amount=Decimal("20000"),
        institution_code="H32040100001", facts={"kind": "fraud"},
    )  # fmt: skip
    service.assign_verification(session, case.id, HANDLER, "王", today=MON)
    service.file_case(session, case.id, HANDLER, "达到立案标准", today=MON)
    service.start_investigation(session, case.id, HANDLER, today=MON)
    service.draft_decision(
        session, case.id, HANDLER, fine_amount=Decimal("40000"), measures=["罚款"], basis="第40条"
    )
    service.notify(session, case.id, HANDLER, today=MON)
    return case


def text_of(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_notice_is_a_numbered_docx_with_the_defence_deadline(session):
    case = notified_case(session)
    row = documents.generate(
        session,
        HANDLER,
        "notice",
        agency="常医保",
        agency_name="常州市医疗保障局",
        case_id=case.id,
        today=MON,
    )
    assert row.doc_no == "常医保告〔2026〕1号"
    _, data = documents.read(session, row.id)
    body = text_of(data)
    assert "行政处罚事先告知书" in body and "40000.00" in body and str(case.defence_due) in body


def test_decision_document_needs_a_decision(session):
    case = notified_case(session)
    with pytest.raises(Conflict):
        documents.generate(
            session, HANDLER, "decision", agency="常医保", agency_name="常州市医疗保障局", case_id=case.id
        )


def test_numbers_run_per_agency_type_and_year(session):
    assert documents.document_number(session, "常医保", "decision", 2026) == "常医保罚〔2026〕1号"
    assert documents.document_number(session, "常医保", "decision", 2026) == "常医保罚〔2026〕2号"
    assert documents.document_number(session, "常医保", "notice", 2026) == "常医保告〔2026〕1号"
    assert documents.document_number(session, "溧医保", "decision", 2026) == "溧医保罚〔2026〕1号"
    assert documents.document_number(session, "常医保", "decision", 2027) == "常医保罚〔2027〕1号"


def test_rectification_notice_lists_deadline_and_evidence(session):
    inspector = Actor.of("赵", "inspector")
    item = rect.register(
        session, inspector, region="320400", institution_code="H1", description="病历不规范",
        source_type="inspection", required_evidence=["整改报告", "培训签到表"], today=MON,
    )  # fmt: skip
    rect.notify(session, item.id, inspector, today=MON)
    row = documents.generate(
        session,
        inspector,
        "rectification",
        agency="常医保",
        agency_name="常州市医疗保障局",
        problem_id=item.id,
        today=MON,
    )
    body = text_of(documents.read(session, row.id)[1])
    assert "2026-04-01" in body and "培训签到表" in body and row.doc_no == "常医保改〔2026〕1号"


def test_concurrent_numbering_hands_out_each_number_once(store):
    got: list[str] = []
    errors: list[Exception] = []

    def worker():
        try:
            for _ in range(5):
                with session_scope() as s:
                    got.append(documents.document_number(s, "常医保", "decision", 2026))
        except Exception as exc:  # noqa: BLE001 — reported by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(got, key=lambda n: int(n.split("〕")[1][:-1])) == [
        f"常医保罚〔2026〕{i}号" for i in range(1, 21)
    ]


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_documents_carry_the_number_and_embed_the_cjk_font(session):
    case = notified_case(session)
    row = documents.generate(
        session,
        HANDLER,
        "notice",
        agency="常医保",
        agency_name="常州市医疗保障局",
        case_id=case.id,
        today=MON,
    )
    assert row.pdf_sha256 and row.pdf_sha256 != row.sha256
    _, pdf = documents.read(session, row.id, "pdf")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYiMicroHei", pdf) and b"/FontFile2" in pdf
    text = pdf_text(pdf)
    assert "常医保告〔2026〕1号" in text and "行政处罚事先告知书" in text and "40000.00" in text
    assert documents.filename(row, "pdf") == "行政处罚事先告知书-常医保告〔2026〕1号.pdf"
    # The stored PDF is checked against its hash like every evidence file.
    from fundguard.cases.evidence import evidence_root

    (evidence_root() / row.pdf_path).write_bytes(pdf + b"tampered")
    with pytest.raises(Conflict):
        documents.read(session, row.id, "pdf")


def test_rectification_notice_pdf_has_its_own_number(session):
    inspector = Actor.of("赵", "inspector")
    item = rect.register(
        session, inspector, region="320400", institution_code="H1", description="病历不规范",
        source_type="inspection", today=MON,
    )  # fmt: skip
    row = documents.generate(
        session, inspector, "rectification", agency="常医保", agency_name="常州市医疗保障局",
        problem_id=item.id, today=MON,
    )  # fmt: skip
    text = pdf_text(documents.read(session, row.id, "pdf")[1])
    assert row.doc_no == "常医保改〔2026〕1号" and row.doc_no in text and item.problem_no in text
