"""Real Chromium against the real app: one designation application from submission to publication.

The institution user submits the application and takes its own steps (补正材料、联网准备、申请联网
测试); the supervisor clicks through every other step on the application page. After each step the
page must show the new state and the next step's due date on the working-day calendar (National Day
2025: 1–8 Oct off, 28 Sep and 11 Oct make-up working days). Time passes the way the HTTP tests move
it: through each action's date field, never by sleeping.
"""

from __future__ import annotations

import pytest

from agreements.web_support import PASSWORD
from browser import browser_login, needs_chromium, watch_foreign_requests

pytestmark = [pytest.mark.browser, needs_chromium]

TIMEOUT = 20000
NO_DUE = "无（机构自行推进或已办结）"
SELECTS = {"passed", "founded", "complaint_id", "grade"}


def _login(browser, base: str, username: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    foreign = watch_foreign_requests(page, base)
    page.goto(f"{base}/agreements")
    browser_login(page, base, username, PASSWORD)
    page.wait_for_url(f"{base}/agreements")
    return page, foreign


def _act(page, base: str, app_id: int, event: str, on: str, **fields) -> None:
    """Fill one action form on the application page, submit it and wait for the saved page."""
    form = page.locator(f"form.inst-action[data-event={event}]")
    form.locator("input[name=on]").fill(on)
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if name in SELECTS:
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/agreements/applications/{app_id}?saved={event}")
    page.locator(".alert-ok").wait_for()


def _expect(page, status_zh: str, due: str | None) -> None:
    """The state shown and the current step's due date (header and the last row of the steps)."""
    assert page.locator("table.kv .tag").first.inner_text() == status_zh
    current = page.locator("#current-due").inner_text()
    last = page.locator("#steps tbody tr").last
    assert last.locator("td").first.inner_text() == status_zh
    if due is None:
        assert current == NO_DUE
        assert last.locator("td.due").inner_text() == "—"
    else:
        # All dates lie in 2025, so the open step is overdue against the real clock.
        assert current.startswith(f"{due} ") and "已逾期" in current, current
        assert last.locator("td.due").inner_text() == due


def test_application_from_submission_to_publication(web, live_url, browser, artifacts):
    base = live_url
    inst, inst_foreign = _login(browser, base, "inst1")
    staff, staff_foreign = _login(browser, base, "sup3204")

    # 1. The institution submits its application (Fri 26 Sep 2025): notice due 5 wd = Fri 10 Oct.
    inst.locator("details.panel summary").click()
    submit = inst.locator("form[action='/agreements/applications']")
    submit.locator("input[name=applicant_name]").fill("常州市第一人民医院新院区")
    submit.locator("input[name=uscc]").fill("91320400MA0000777")
    submit.locator("input[name=legal_rep_name]").fill("王建国")
    submit.locator("input[name=legal_rep_certno]").fill("320401197001011234")
    submit.locator("textarea[name=materials]").fill("定点申请表\n营业执照")
    submit.locator("input[name=on]").fill("2025-09-26")
    submit.locator("button[type=submit]").click()
    inst.wait_for_url(f"{base}/agreements/applications/*?saved=1")
    app_id = int(inst.url.split("/")[-1].split("?")[0])
    app_url = f"{base}/agreements/applications/{app_id}"
    _expect(inst, "已提交", "2025-10-10")
    kv = inst.locator("table.kv").inner_text()
    assert "H32040001" in kv and "320402" in kv and "2025-09-26" in kv
    assert "开始初次评估" not in inst.locator("main").inner_text()  # not the institution's step
    inst.screenshot(path=str(artifacts / "agreements-01-application-submitted.png"), full_page=True)

    # 2. Staff send the one-time notice of missing materials; the institution completes them
    #    (Tue 30 Sep): a new completeness check is due 5 wd later = Tue 14 Oct (11 Oct is worked).
    staff.goto(app_url)
    _expect(staff, "已提交", "2025-10-10")
    _act(staff, base, app_id, "request_materials", "2025-09-29", missing="医疗机构执业许可证")
    _expect(staff, "待补正材料", None)
    inst.goto(app_url)
    _act(inst, base, app_id, "resubmit", "2025-09-30", materials="医疗机构执业许可证")
    _expect(inst, "已提交", "2025-10-14")
    assert "医疗机构执业许可证" in inst.locator("main").inner_text()

    # 3. Acceptance (Thu 9 Oct) and the initial evaluation within 20 wd = Wed 5 Nov.
    staff.goto(app_url)
    _act(staff, base, app_id, "accept", "2025-10-09")
    _expect(staff, "已受理", "2025-11-05")
    _act(staff, base, app_id, "start_initial_eval", "2025-10-10")
    _expect(staff, "初次评估中", "2025-11-05")
    _act(staff, base, app_id, "initial_result", "2025-10-31", passed="true")
    _expect(staff, "初次评估合格", None)

    # 4. The institution prepares the network (PSAM卡、专网备案) and applies for the test
    #    (Mon 10 Nov): the test is due within 20 wd = Mon 8 Dec.
    inst.goto(app_url)
    _act(inst, base, app_id, "start_setup", "2025-11-03")
    _expect(inst, "联网准备中", None)
    _act(inst, base, app_id, "request_network_test", "2025-11-10")
    _expect(inst, "已申请联网测试", "2025-12-08")

    # 5. Staff test, pass, file the result and start the public notice on Tue 2 Dec: it covers
    #    5 wd (2–8 Dec); signing is due 10 wd after its end = Mon 22 Dec.
    staff.goto(app_url)
    _act(staff, base, app_id, "start_network_test", "2025-11-17")
    _expect(staff, "联网测试中", "2025-12-08")
    _act(staff, base, app_id, "network_test_result", "2025-11-28", passed="true")
    _expect(staff, "评估合格", None)
    _act(staff, base, app_id, "file", "2025-12-01")
    _expect(staff, "已备案", None)
    _act(staff, base, app_id, "start_public_notice", "2025-12-02")
    _expect(staff, "公示中", "2025-12-22")
    assert "2025-12-02 至 2025-12-08" in staff.locator("table.kv").inner_text()

    # 6. On the notice's last day negotiation is refused; the next day (Tue 9 Dec) it starts.
    form = staff.locator("form.inst-action[data-event=start_negotiation]")
    form.locator("input[name=on]").fill("2025-12-08")
    form.locator("button[type=submit]").click()
    staff.wait_for_url(f"{app_url}/events/start_negotiation")
    error = staff.locator(".alert-error").inner_text()
    assert "公示期至 2025-12-08 结束，期满后方可协商签约" in error, error
    _expect(staff, "公示中", "2025-12-22")
    _act(staff, base, app_id, "start_negotiation", "2025-12-09")
    _expect(staff, "协商谈判中", "2025-12-22")

    # 7. Signing (Mon 15 Dec) creates the agreement; publication is due 10 wd later = Mon 29 Dec.
    _act(
        staff,
        base,
        app_id,
        "sign",
        "2025-12-15",
        fixmedins_code="H32040001",
        template_version="2025版",
        service_scope="普通门诊\n住院",
    )
    _expect(staff, "已签约", "2025-12-29")
    agreement_link = staff.locator("table.kv a[href^='/agreements/']")
    assert "服务协议 #" in agreement_link.inner_text()
    agreement_href = agreement_link.get_attribute("href")

    # 8. Publication (Fri 19 Dec) ends the workflow: no step is open any more.
    _act(staff, base, app_id, "publish", "2025-12-19")
    _expect(staff, "已公布", None)
    assert "当前状态下您没有可办理的操作" in staff.locator("main").inner_text()
    rows = staff.locator("#steps tbody tr")
    shown = [
        (
            rows.nth(i).locator("td").nth(0).inner_text(),
            rows.nth(i).locator("td.due").inner_text(),
            rows.nth(i).locator("td").nth(3).inner_text(),
            rows.nth(i).locator("td").nth(4).inner_text(),
        )
        for i in range(rows.count())
    ]
    assert shown[:-1] == [
        ("已提交", "2025-10-10", "2025-09-29", "按期完成"),
        ("待补正材料", "—", "2025-09-30", "无时限"),
        ("已提交", "2025-10-14", "2025-10-09", "按期完成"),
        ("已受理", "2025-11-05", "2025-10-10", "按期完成"),
        ("初次评估中", "2025-11-05", "2025-10-31", "按期完成"),
        ("初次评估合格", "—", "2025-11-03", "无时限"),
        ("联网准备中", "—", "2025-11-10", "无时限"),
        ("已申请联网测试", "2025-12-08", "2025-11-17", "按期完成"),
        ("联网测试中", "2025-12-08", "2025-11-28", "按期完成"),
        ("评估合格", "—", "2025-12-01", "无时限"),
        ("已备案", "—", "2025-12-02", "无时限"),
        ("公示中", "2025-12-22", "2025-12-09", "按期完成"),
        ("协商谈判中", "2025-12-22", "2025-12-15", "按期完成"),
        ("已签约", "2025-12-29", "2025-12-19", "按期完成"),
    ]
    assert shown[-1] == ("已公布", "—", "—", "已办结")
    staff.screenshot(path=str(artifacts / "agreements-02-application-published.png"), full_page=True)

    # The institution sees the published result and its agreement.
    inst.goto(app_url)
    _expect(inst, "已公布", None)
    inst.goto(f"{base}{agreement_href}")
    agreement = inst.locator("main").inner_text()
    assert "有效" in agreement and "2025-12-15" in agreement and "H32040001" in agreement
    assert inst_foreign == [] and staff_foreign == [], (
        f"requests to another host: {inst_foreign + staff_foreign}"
    )
