"""Real Chromium (Debian's /usr/bin/chromium) against the real app served by uvicorn on a real store."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from web_helpers import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (apt-get install chromium)"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(web):
    import uvicorn

    _, ids = web
    port = _free_port()
    config = uvicorn.Config(
        "fundguard.web.app:create_app", factory=True, host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", ids
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _watch_foreign_requests(page, base: str) -> list[str]:
    foreign: list[str] = []
    page.on(
        "request", lambda req: foreign.append(req.url) if not req.url.startswith((base, "data:")) else None
    )
    return foreign


def _login(page, base: str, username: str) -> None:
    if "/login" not in page.url:
        page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_supervisor_logs_in_sees_chart_and_quarantine(live_server, browser):
    base, _ = live_server
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    foreign = _watch_foreign_requests(page, base)
    page.goto(f"{base}/quarantine")
    assert "/login" in page.url
    page.screenshot(path=str(ARTIFACTS / "01-login.png"), full_page=True)
    _login(page, base, "sup3204")
    page.wait_for_url(f"{base}/quarantine")
    page.goto(f"{base}/")
    page.wait_for_selector("#chart-batches canvas", timeout=15000)
    page.wait_for_function("document.getElementById('chart-batches').dataset.loaded === '1'", timeout=15000)
    assert page.locator("header .brand").inner_text() == "医保基金智能监管平台"
    assert "监管人员" in page.locator("header").inner_text()
    page.screenshot(path=str(ARTIFACTS / "02-dashboard.png"), full_page=True)
    page.click("nav >> text=隔离区")
    page.wait_for_selector("table.grid")
    body = page.locator("main").inner_text()
    assert "H32040001" in body and "H32050001" not in body
    page.screenshot(path=str(ARTIFACTS / "03-quarantine.png"), full_page=True)
    page.goto(f"{base}/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15000)
    page.screenshot(path=str(ARTIFACTS / "04-docs.png"))
    assert foreign == [], f"requests to another host: {foreign}"


def test_institution_user_is_denied_another_institutions_page(live_server, browser):
    base, ids = live_server
    ARTIFACTS.mkdir(exist_ok=True)
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
    page.screenshot(path=str(ARTIFACTS / "05-institution-denied.png"), full_page=True)
    assert page.goto(f"{base}/users").status == 403
