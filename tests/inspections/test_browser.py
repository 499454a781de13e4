"""Real Chromium against the real app: a supervisor opens a designation application and sees each
step's working-day due date, then replays a 双随机 draw and sees the identical result."""

from __future__ import annotations

import pytest

from agreements.web_support import PASSWORD, seed_scenario
from browser import browser_login, needs_chromium, watch_foreign_requests
from fundguard import db

pytestmark = [pytest.mark.browser, needs_chromium]


def test_supervisor_sees_step_due_dates_and_replays_a_draw(web, live_url, browser, artifacts):
    with db.session_scope() as session:
        ids = seed_scenario(session)
    base = live_url
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    foreign = watch_foreign_requests(page, base)
    page.goto(f"{base}/agreements/applications/{ids['app_3204']}")
    browser_login(page, base, "sup3204", PASSWORD)
    page.wait_for_url(f"{base}/agreements/applications/{ids['app_3204']}")
    steps = page.locator("#steps tbody tr")
    assert steps.count() == 2
    assert [steps.nth(i).locator("td.due").inner_text() for i in range(2)] == ["2025-10-13", "2025-11-05"]
    assert "按期完成" in steps.nth(0).inner_text() and "已逾期" in steps.nth(1).inner_text()
    page.screenshot(path=str(artifacts / "institutions-01-application-steps.png"), full_page=True)

    page.goto(f"{base}/inspections/plans/{ids['plan_3204']}")
    section = page.locator(f"#draw-{ids['draw_3204']}")
    assert "20260105" in section.locator("code.seed").inner_text()
    stored = section.locator("ol.draw-result li").all_inner_texts()
    assert stored
    section.locator("a.replay-button").click()
    result = page.locator(f"#replay-result-{ids['draw_3204']}")
    result.wait_for(timeout=15000)
    assert result.get_attribute("data-equal") == "1"
    assert "复算结果与原抽取结果完全一致" in result.inner_text()
    assert result.locator("ol.replay-recomputed li").all_inner_texts() == stored
    assert result.locator("ol.replay-stored li").all_inner_texts() == stored
    assert page.url == f"{base}/inspections/plans/{ids['plan_3204']}"  # replayed in place (HTMX)
    page.screenshot(path=str(artifacts / "institutions-02-draw-replay.png"), full_page=True)
    assert foreign == [], f"requests to another host: {foreign}"
