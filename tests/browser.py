"""Browser-test fixtures shared by every domain: the real app served by uvicorn on the test's store
(``live_url``) and Debian's Chromium driven by Playwright (``browser``). Screenshots go to
``test-artifacts/`` (``artifacts`` fixture). Loaded as a plugin from tests/conftest.py.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed (apt-get install chromium)"
)


def pytest_collection_modifyitems(config, items) -> None:
    """Browser tests run on the SQLite store only.

    What they add over the API tests is the page in a real browser, and the pages do not depend on
    the store. Their PostgreSQL twins cost ~65 s of test time (35 s of the suite's wall time on two
    cores), against the 15-minute budget; both stores are exercised by the service and API tests.
    """
    kept, dropped = [], []
    for item in items:
        on_postgres = getattr(item, "callspec", None) and item.callspec.params.get("store") == "postgresql"
        (dropped if on_postgres and "browser" in item.fixturenames else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_url(store):
    """Base URL of the real app (uvicorn, real sockets) serving this test's store."""
    import uvicorn

    port = free_port()
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
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def watch_foreign_requests(page, base: str) -> list[str]:
    """Collect requests that leave the app (the bureau's network is isolated: must stay empty)."""
    foreign: list[str] = []
    page.on(
        "request", lambda req: foreign.append(req.url) if not req.url.startswith((base, "data:")) else None
    )
    return foreign


def browser_login(page, base: str, username: str, password: str) -> None:
    if "/login" not in page.url:
        page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
