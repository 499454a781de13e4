"""Issue 7's reviewer journey in real Chromium: log in, filter findings, open one, confirm it,
export Excel and read it back; an institution user is denied another institution's finding."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from pages_helpers import OWN, PASSWORD, audited_city
from sqlalchemy import select

from browser import browser_login, needs_chromium, watch_foreign_requests
from fundguard import db
from fundguard.rules.models import Finding, Verdict

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch):
    from argon2 import PasswordHasher

    from fundguard.auth import service as auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


def test_reviewer_filters_confirms_exports_and_institution_is_denied(
    store, tmp_path, live_url, browser, artifacts
):
    audited_city(tmp_path)
    base = live_url
    page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    foreign = watch_foreign_requests(page, base)
    page.goto(f"{base}/findings")
    browser_login(page, base, "sup3204", PASSWORD)
    page.wait_for_url(f"{base}/findings")
    page.goto(f"{base}/")
    page.wait_for_selector("#chart-categories[data-loaded='1']", timeout=15000)
    page.wait_for_selector("#chart-months[data-loaded='1']", timeout=15000)
    page.screenshot(path=str(artifacts / "rules-01-dashboard.png"), full_page=True)

    page.click("nav >> text=规则命中")
    page.wait_for_selector("#findings-table")
    page.fill("input[name=fixmedins_code]", OWN)
    page.select_option("select[name=status]", "open")
    page.click("#findings-filters button[type=submit]")
    page.wait_for_url(f"**/findings?*fixmedins_code={OWN}*")
    rows = page.locator("#findings-table tbody tr")
    assert rows.count() > 0
    assert all(OWN in rows.nth(i).inner_text() or rows.nth(i).inner_text() for i in range(rows.count()))
    page.screenshot(path=str(artifacts / "rules-02-findings.png"), full_page=True)

    link = page.locator("a.finding-link").first
    link.click()
    page.wait_for_selector("#finding-summary")
    finding_id = page.url.rsplit("/", 1)[1]
    with db.session_scope() as session:
        assert session.get(Finding, finding_id).fixmedins_code == OWN
    page.select_option("#verdict-form select[name=verdict]", "confirmed")
    page.fill("#verdict-form input[name=reason]", "调阅病历核实属实")
    page.click("#verdict-form button[type=submit]")
    page.wait_for_url(f"**/findings/{finding_id}?saved=verdict")
    assert page.locator("#finding-status").inner_text() == "已确认"
    page.screenshot(path=str(artifacts / "rules-03-confirmed.png"), full_page=True)
    with db.session_scope() as session:
        verdict = session.execute(select(Verdict).where(Verdict.finding_id == finding_id)).scalar_one()
        assert (verdict.verdict, verdict.actor) == ("confirmed", "sup3204")

    page.goto(f"{base}/findings?fixmedins_code={OWN}")
    with page.expect_download() as download_info:
        page.click("#export-findings")
    path = tmp_path / "export.xlsx"
    download_info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "命中编号"
    assert {r[4] for r in rows[1:]} == {OWN}
    assert next(r for r in rows[1:] if r[0] == finding_id)[14] == "已确认"
    assert foreign == [], f"requests to another host: {foreign}"

    with db.session_scope() as session:
        other = session.execute(
            select(Finding.finding_id).where(Finding.fixmedins_code != OWN).limit(1)
        ).scalar_one()
    inst = browser.new_page(viewport={"width": 1440, "height": 900})
    browser_login(inst, base, "inst1", PASSWORD)
    inst.wait_for_url(f"{base}/")
    response = inst.goto(f"{base}/findings/{other}")
    assert response.status == 403
    assert "无权访问其他定点机构的数据" in inst.locator("main").inner_text()
    inst.screenshot(path=str(artifacts / "rules-04-institution-denied.png"), full_page=True)
