"""Real Chromium against the real app: a supervisor opens a case from a clue, advances a step and sees
the deadline; an institution user submits rectification with an attachment."""

from __future__ import annotations

import pytest
from case_web import PASSWORD, seed_users_and_institutions

from browser import browser_login, needs_chromium, watch_foreign_requests
from fundguard import db
from fundguard.cases import clues, machine
from fundguard.cases import rectification as rect
from fundguard.cases.statemachine import Actor
from fundguard.timeutil import today

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def seeded(store, quick_argon2):
    seed_users_and_institutions()
    with db.session_scope() as s:
        handler = Actor.of("sup3204", "case_handler", region="3204")
        clue, _ = clues.add(
            s, handler, source_type="hotline_12345", source_ref="12345-2026-000123", subjects=["FALSE_ADMISSION"],
            institution_code="H32040001", amount="8000", summary="群众反映虚构住院",
        )  # fmt: skip
        inspector = Actor.of("insp3204", "inspector", region="3204")
        item = rect.register(
            s, inspector, region="320402", institution_code="H32040001", description="病历书写不规范",
            source_type="inspection", required_evidence=["整改报告"],
        )  # fmt: skip
        rect.notify(s, item.id, inspector)
        return {"clue_no": clue.clue_no, "problem_no": item.problem_no}


def test_supervisor_opens_and_advances_a_case_and_institution_submits_rectification(
    seeded, live_url, browser, artifacts, tmp_path
):
    base = live_url
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    foreign = watch_foreign_requests(page, base)
    page.goto(f"{base}/clues")
    browser_login(page, base, "sup3204", PASSWORD)
    page.wait_for_url(f"{base}/clues")
    page.click(f"text={seeded['clue_no']}")
    page.wait_for_selector("text=线索来源（1）")
    page.fill("input[name=title]", "虚构住院骗保核查")
    page.click("button:has-text('转为案件')")
    page.wait_for_selector("#case-actions")
    assert page.locator("#case-status").inner_text() == "线索"
    page.screenshot(path=str(artifacts / "cases-01-case-opened.png"), full_page=True)
    page.click("button[data-event=assign_verification]")
    page.wait_for_selector("text=已办理")
    expected = machine.prelim_deadline(today()).isoformat()
    assert page.locator("#case-status").inner_text() == "初步核实"
    assert expected in page.locator("#step-deadline").inner_text()
    step = page.locator("tr[data-step=file]")
    assert expected in step.inner_text() and "办理中" in step.inner_text()
    assert page.locator("button[data-event=file]").count() == 1
    assert page.locator("button[data-event=notify]").count() == 0
    page.screenshot(path=str(artifacts / "cases-02-step-deadline.png"), full_page=True)
    page.goto(f"{base}/cases")
    assert expected in page.locator("main table.grid").inner_text()
    assert foreign == [], f"requests to another host: {foreign}"

    inst = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    browser_login(inst, base, "inst1", PASSWORD)
    inst.wait_for_url(f"{base}/")
    inst.click("nav >> text=问题整改")
    inst.wait_for_selector("#board")
    assert "H32050001" not in inst.locator("main").inner_text()
    inst.click(f"text={seeded['problem_no']}")
    inst.wait_for_selector("#submit-form")
    report = tmp_path / "整改报告.pdf"
    report.write_bytes(b"%PDF-1.4 rectification report")
    inst.fill("#submit-form textarea[name=plan]", "已修订病历书写制度并组织全员培训")
    inst.set_input_files("#submit-form input[type=file] >> nth=0", str(report))
    inst.click("#submit-form button[type=submit]")
    inst.wait_for_selector("text=整改材料已提交")
    assert "已提交整改材料" in inst.locator("#problem-status").inner_text()
    assert "整改报告.pdf" in inst.locator("#submissions").inner_text()
    inst.screenshot(path=str(artifacts / "cases-03-rectification-submitted.png"), full_page=True)
