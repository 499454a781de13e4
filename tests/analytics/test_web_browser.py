"""One drill-down in real Chromium: supervisor → 风险分析 → a practitioner's risk page and reasons."""

from __future__ import annotations

import json

import pytest

from browser import browser_login, needs_chromium, watch_foreign_requests

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, needs_chromium]


def test_supervisor_drills_down_from_the_dashboard_to_a_practitioners_reasons(
    analytics_web, live_url, browser, artifacts
):
    _, result, _ = analytics_web
    base = live_url
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    foreign = watch_foreign_requests(page, base)
    page.goto(f"{base}/analytics")
    browser_login(page, base, "sup3204", PASSWORD)
    page.wait_for_url(f"{base}/analytics")
    page.wait_for_selector("#top-practitioner")
    page.screenshot(path=str(artifacts / "analytics-01-landing.png"), full_page=True)
    top = result.scores[result.scores["entity_type"] == "practitioner"].sort_values("rank").iloc[0]
    page.click(f"#top-practitioner a[href='/analytics/practitioners/{top.entity_id}']")
    page.wait_for_url(f"{base}/analytics/practitioners/{top.entity_id}")
    page.wait_for_selector("#reasons")
    reasons = page.locator("#reasons").inner_text()
    first = json.loads(top.reasons)[0]
    assert first["label"] in reasons
    assert page.locator("h1").inner_text().startswith("医保医师风险")
    page.wait_for_selector("#chart-trend[data-loaded='1']", timeout=15000)
    page.screenshot(path=str(artifacts / "analytics-02-practitioner.png"), full_page=True)
    assert foreign == [], f"requests to another host: {foreign}"
