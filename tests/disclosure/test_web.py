"""信息公开 over HTTP: the public API and page work without login and show only published entries whose
time has come (never drafts, withdrawn or scheduled ones, even when asked for a later moment);
managing publications is for deciders of the publication's region."""

from __future__ import annotations

from datetime import timedelta

import pytest

from agreements.web_support import form, login, logout, seed_scenario
from fundguard import db
from fundguard.timeutil import now

API = "/api/v1/disclosure"


@pytest.fixture
def ids(web):
    with db.session_scope() as session:
        return seed_scenario(session)


def test_public_api_without_login_lists_only_published_entries(web, ids):
    logout(web)
    r = web.get(f"{API}/publications")
    assert r.status_code == 200
    assert [p["id"] for p in r.json()] == [ids["pub_published"]]
    assert r.json()[0]["title"] == "已公开案例" and "张**" in r.json()[0]["content"]
    later = (now() + timedelta(days=10)).isoformat()
    assert [p["id"] for p in web.get(f"{API}/publications", params={"at": later}).json()] == [
        ids["pub_published"]
    ]
    assert (
        web.get(f"{API}/publications", params={"at": (now() - timedelta(days=30)).isoformat()}).json() == []
    )
    assert web.get(f"{API}/manage").status_code == 401
    assert (
        web.post(f"{API}/publications", json={"pub_type": "OTHER", "title": "x", "content": "y"}).status_code
        == 401
    )


def test_public_page_without_login(web, ids):
    logout(web)
    page = web.get("/public/disclosure")
    assert page.status_code == 200
    text = page.text
    assert "已公开案例" in text and "张**冒名就医" in text
    assert "草稿案例" not in text and "已撤回案例" not in text and "定时公开案例" not in text
    assert "张三丰" not in text and "/logout" not in text


def test_managing_publications_by_role_and_region(web, ids):
    body = {
        "pub_type": "TYPICAL_CASE",
        "title": "王五案",
        "content": "王五 320402199001011234 冒名就医",
        "personal_names": ["王五"],
    }
    login(web, "inst1")
    assert web.post(f"{API}/publications", json=body).status_code == 403
    assert web.get("/disclosure").status_code == 403

    login(web, "sup3205")
    assert web.post(f"{API}/publications/{ids['pub_draft']}/approve").status_code == 403
    assert form(web, f"/disclosure/{ids['pub_draft']}/approve", {}).status_code == 403
    assert ids["pub_draft"] not in [p["id"] for p in web.get(f"{API}/manage").json()]

    login(web, "sup3204")
    created = web.post(f"{API}/publications", json=body).json()
    approved = web.post(f"{API}/publications/{created['id']}/approve").json()
    assert approved["title"] == "王*案" and "320402********1234" in approved["content"]
    page = web.get("/disclosure").text
    assert "草稿案例" in page and "苏州草稿" not in page
    assert form(web, f"/disclosure/{ids['pub_draft']}/approve", {}).status_code == 303
    r = form(web, f"/disclosure/{ids['pub_published']}/withdraw", {"reason": ""})
    assert r.status_code == 422 and "撤回须说明理由" in r.text

    login(web, "leader1")
    assert web.get("/disclosure").status_code == 200
    assert web.post(f"{API}/publications/{ids['pub_draft_3205']}/approve").status_code == 403


def test_periodic_summary_report_as_excel_and_pdf(web, ids):
    import io

    from openpyxl import load_workbook

    from pdftext import pdf_fonts, pdf_text

    login(web, "sup3204")
    day = now().date()
    params = {"start": (day - timedelta(days=30)).isoformat(), "end": day.isoformat()}
    xlsx = web.get("/disclosure/report.xlsx", params=params)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    detail = list(book["明细"].iter_rows(values_only=True))
    assert [r[2] for r in detail[1:]] == ["已公开案例", "已撤回案例"]
    counts = {r[0]: r[1:] for r in book["汇总"].iter_rows(min_row=3, values_only=True)}
    assert sum(c[0] for c in counts.values()) == 2 and sum(c[1] for c in counts.values()) == 1
    pdf = web.get("/disclosure/report.pdf", params=params)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "信息公开汇总报告" in text and "已公开案例" in text and "草稿案例" not in text
    assert any("+WenQuanYiMicroHei" in name for name in pdf_fonts(pdf.content))
    bad = web.get("/disclosure/report.pdf", params={"start": "2026-02-30"})
    assert bad.status_code == 422
    logout(web)
    assert web.get("/disclosure/report.pdf", params=params, follow_redirects=False).status_code == 303
