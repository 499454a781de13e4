"""Real Chromium (Debian's /usr/bin/chromium) against the real app served by uvicorn on a real store."""

from __future__ import annotations

import pytest
from web_helpers import PASSWORD

from browser import browser_login, needs_chromium, watch_foreign_requests

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def live_server(web, live_url):
    _, ids = web
    return live_url, ids


def _login(page, base: str, username: str) -> None:
    browser_login(page, base, username, PASSWORD)


def test_supervisor_logs_in_sees_chart_and_quarantine(live_server, browser, artifacts):
    base, _ = live_server
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    foreign = watch_foreign_requests(page, base)
    page.goto(f"{base}/quarantine")
    assert "/login" in page.url
    page.screenshot(path=str(artifacts / "01-login.png"), full_page=True)
    _login(page, base, "sup3204")
    page.wait_for_url(f"{base}/quarantine")
    page.goto(f"{base}/")
    page.wait_for_selector("#chart-batches canvas", timeout=15000)
    page.wait_for_selector("#chart-batches[data-loaded='1']", timeout=15000)
    assert page.locator("header .brand").inner_text() == "医保基金智能监管平台"
    assert "监管人员" in page.locator("header").inner_text()
    page.screenshot(path=str(artifacts / "02-dashboard.png"), full_page=True)
    page.click("nav >> text=隔离区")
    page.wait_for_selector("table.grid")
    body = page.locator("main").inner_text()
    assert "H32040001" in body and "H32050001" not in body
    page.screenshot(path=str(artifacts / "03-quarantine.png"), full_page=True)
    page.goto(f"{base}/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    page.screenshot(path=str(artifacts / "04-docs.png"))
    assert foreign == [], f"requests to another host: {foreign}"


def test_institution_user_is_denied_another_institutions_page(live_server, browser, artifacts):
    base, ids = live_server
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    _login(page, base, "inst1")
    page.wait_for_url(f"{base}/")
    assert "定点机构用户" in page.locator("header").inner_text()
    nav = page.locator("nav").inner_text()
    assert "隔离区" in nav and "用户管理" not in nav and "数据接入" not in nav
    own = page.goto(f"{base}/quarantine/{ids['H32040001']}")
    assert own.status == 200
    other = page.goto(f"{base}/quarantine/{ids['H32050001']}")
    assert other.status == 403
    assert "无权访问其他定点机构的数据" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "05-institution-denied.png"), full_page=True)
    assert page.goto(f"{base}/users").status == 403
