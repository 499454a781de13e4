"""Real Chromium against the real app, the two end-to-end flows of issue 8:

1. one case from clue to closure: a supervisor registers a 12345 clue, turns it into a case and
   clicks through every step of the statutory procedure (a major decision, so 法制审核 and 集体讨论
   apply) to 结案归档, checking the state and the procedure table after each step;
2. one tip from submission to reward: the public reports without login and keeps the retrieval
   code, staff triage / accept / investigate / conclude / feed back / compute the reward, a second
   supervisor approves it, an auditor (payment officer) pays it, and the public sees the outcome.

Users and master data are seeded through the services; everything else happens in the pages.
Waits rely on locators and ``expect`` (auto-retrying, no eval: the CSP forbids it).
"""

from __future__ import annotations

import pytest
from case_web import PASSWORD, seed_users_and_institutions
from playwright.sync_api import expect

from browser import browser_login, needs_chromium, watch_foreign_requests
from fundguard import db
from fundguard.auth import service as auth

pytestmark = [pytest.mark.browser, needs_chromium]

T = 20_000  # ms; generous for a loaded 2-core machine
VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
def seeded(store, quick_argon2):
    seed_users_and_institutions()
    with db.session_scope() as s:
        auth.create_user(s, "aud3204", PASSWORD, "auditor", region="3204")


def _staff(browser, base: str, username: str):
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_default_timeout(T)
    browser_login(page, base, username, PASSWORD)
    page.wait_for_url(f"{base}/", timeout=T)
    return page


# --- 1. 案件：线索登记 → 结案归档 ---------------------------------------------------------------


def _case_event(page, event: str, status: str, step: str, **fields) -> None:
    """Click the procedure button of ``event`` (filling its fields) and check the new state."""
    form = page.locator(f"#case-actions form:has(button[data-event={event}])")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator(f"button[data-event={event}]").click()
    expect(page.locator("#case-status")).to_have_text(status, timeout=T)
    expect(page.locator(f"tr[data-step={step}] td.state")).to_have_text("已完成", timeout=T)


def _submit(page, form_selector: str, ok: str, **fields) -> None:
    """Submit one of the case page's other forms (facts, draft, statement, discussion)."""
    form = page.locator(form_selector)
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-ok")).to_have_text(ok, timeout=T)


def test_one_case_from_clue_to_closure(seeded, live_url, browser, artifacts):
    base = live_url
    page = _staff(browser, base, "sup3204")
    foreign = watch_foreign_requests(page, base)

    # 线索登记 (12345 work order) and 转为案件.
    page.goto(f"{base}/clues/new")
    page.select_option("select[name=kind]", "hotline_12345")
    page.fill("input[name=source_ref]", "12345-2026-004711")
    page.fill("input[name=institution_code]", "H32040001")
    page.fill("input[name=subjects]", "FALSE_ADMISSION")
    page.fill("input[name=amount]", "150000")
    page.fill("textarea[name=summary]", "群众反映虚构住院骗取医保基金")
    page.click("button:has-text('登记')")
    page.wait_for_url("**/clues/*?ok=created", timeout=T)
    expect(page.locator(".alert-ok")).to_have_text("线索已登记")
    expect(page.locator("main")).to_contain_text("12345-2026-004711")
    page.fill("input[name=title]", "虚构住院骗保案")
    page.click("button:has-text('转为案件')")
    page.wait_for_url("**/cases/*?ok=opened", timeout=T)
    expect(page.locator("#case-status")).to_have_text("线索")
    expect(page.locator("tr[data-step=register] td.state")).to_have_text("已完成")
    expect(page.locator("tr[data-step=verify] td.state")).to_have_text("办理中")
    page.screenshot(path=str(artifacts / "flows-01-case-start.png"), full_page=True)

    # 核实 → 立案 → 调查取证.
    _case_event(page, "assign_verification", "初步核实", "verify")
    expect(page.locator("tr[data-step=file] td.state")).to_have_text("办理中")
    _case_event(page, "file", "已立案", "file", note="证据初步显示虚构住院，达到立案标准")
    _case_event(page, "start_investigation", "调查取证", "investigate")

    # 案情要素 → 计算器建议 → 拟处罚决定 (罚款 30 万元：重大执法决定).
    facts = "form[action$='/facts']"
    page.select_option(f"{facts} select[name=kind]", "fraud")
    _submit(page, facts, "案情要素已保存")
    expect(page.locator("#proposal")).to_contain_text("第40条")
    _submit(page, "form[action$='/draft']", "拟处罚决定已保存", fine_amount="300000", basis="条例第四十条")
    expect(page.locator("#decision")).to_contain_text("重大执法决定")

    # 告知 → 陈述申辩 → 法制审核 → 集体讨论 → 决定 → 送达 → 执行 → 结案归档.
    _case_event(page, "notify", "已告知", "notify")
    _submit(page, "form[action$='/statement']", "陈述申辩已登记", statement="对违法事实无异议，请求从轻")
    _case_event(page, "hear_defence", "已听取陈述申辩", "defence")
    _case_event(page, "legal_review", "已法制审核", "legal_review", opinion="事实清楚，证据确凿，程序合法")
    _submit(
        page, "form[action$='/discussion']", "集体讨论结论已登记", conclusion="同意按拟处罚决定处罚",
        members="局长,副局长,法规科长",
    )  # fmt: skip
    expect(page.locator("tr[data-step=discussion] td.state")).to_have_text("已完成")
    _case_event(page, "decide", "已作出决定", "decide", basis="经集体讨论决定")
    expect(page.locator("#decision")).to_contain_text("已作出决定")
    expect(page.locator("#downstream")).to_contain_text("信用记录")
    _case_event(page, "serve", "已送达", "serve")
    _case_event(page, "execute", "已执行", "execute", note="罚款及追回款已缴清")
    _case_event(page, "archive", "已结案归档", "archive")

    states = page.locator("table.procedure td.state").all_inner_texts()
    assert states == ["已完成"] * 12, states
    assert page.locator("#case-actions").count() == 0
    expect(page.locator("main")).to_contain_text("结案归档")
    page.screenshot(path=str(artifacts / "flows-02-case-closed.png"), full_page=True)
    assert foreign == [], f"requests to another host: {foreign}"


# --- 2. 举报：提交 → 奖励发放 -------------------------------------------------------------------


def _tip_event(page, event: str, status: str, **fields) -> None:
    form = page.locator(f"form:has(button[data-event={event}])")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator(f"button[data-event={event}]").click()
    expect(page.locator("#tip-status")).to_have_text(status, timeout=T)


def test_one_tip_from_submission_to_reward(seeded, live_url, browser, artifacts, tmp_path):
    base = live_url
    public = browser.new_context(viewport=VIEWPORT).new_page()
    public.set_default_timeout(T)
    foreign = watch_foreign_requests(public, base)

    # The public reports by name, with a photo, without logging in.
    public.goto(f"{base}/public/tips")
    assert "/login" not in public.url
    photo = tmp_path / "收费单.jpg"
    photo.write_bytes(b"\xff\xd8\xff jpeg bytes")
    public.fill("input[name=accused_institution]", "常州市第一人民医院")
    public.select_option("select[name=category]", "串换项目")
    public.fill("textarea[name=content]", "该院将自费药品串换为医保目录内药品结算，涉及金额约五万元")
    public.set_input_files("input[name=files]", str(photo))
    public.fill("input[name=name]", "张三")
    public.fill("input[name=phone]", "13800000000")
    public.click("button:has-text('提交举报')")
    public.wait_for_selector("#retrieval-code", timeout=T)
    tip_no = public.locator("#tip-no").inner_text().strip()
    code = public.locator("#retrieval-code").inner_text().strip()
    assert tip_no and len(code) >= 8
    public.screenshot(path=str(artifacts / "flows-03-tip-submitted.png"), full_page=True)

    # A supervisor (whistleblower officer) handles it; identity stays hidden on the page.
    sup = _staff(browser, base, "sup3204")
    sup.goto(f"{base}/tips")
    sup.click(f"text={tip_no}")
    expect(sup.locator("#tip-status")).to_have_text("已接收")
    assert "张三" not in sup.locator("main").inner_text()
    tip_url = sup.url.split("?")[0]
    sup.click("button:has-text('按数据研判分流')")
    expect(sup.locator(".alert-ok")).to_have_text("已完成研判分流")
    expect(sup.locator("main")).to_contain_text("得分")
    _tip_event(sup, "accept", "已受理")
    _tip_event(sup, "investigate", "调查中")
    _tip_event(sup, "substantiate", "经查属实", note="查实串换药品结算", verified_amount="50000")
    _tip_event(sup, "send_feedback", "已反馈", text="经查属实，已依法处理")
    _tip_event(sup, "compute_reward", "奖励已核算", level="1")
    expect(sup.locator("main")).to_contain_text("1500.00")

    # Another supervisor approves; an auditor (payment officer) records the payout.
    approver = _staff(browser, base, "sup3204b")
    approver.goto(tip_url)
    _tip_event(approver, "approve_reward", "奖励已审批")
    expect(approver.locator("main")).to_contain_text("sup3204b")
    payer = _staff(browser, base, "aud3204")
    payer.goto(tip_url)
    _tip_event(payer, "pay_reward", "奖励已发放", method="银行转账", reference="ZF-2026-0001")
    expect(payer.locator("main")).to_contain_text("ZF-2026-0001")
    payer.screenshot(path=str(artifacts / "flows-04-tip-reward-paid.png"), full_page=True)

    # The public follows progress with the number and the code and sees the outcome.
    public.goto(f"{base}/public/tips/progress")
    public.fill("input[name=tip_no]", tip_no)
    public.fill("input[name=code]", code)
    public.click("button:has-text('查询')")
    expect(public.locator("#progress-status")).to_have_text("奖励已发放", timeout=T)
    progress = public.locator("#progress").inner_text()
    assert "经查属实，已依法处理" in progress and "1500.00" in progress
    assert "张三" not in progress
    assert foreign == [], f"requests to another host: {foreign}"
