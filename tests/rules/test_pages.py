"""The reviewers' pages over real findings of an audited synthetic city: list, filters, detail with
the visit from the lake, verdicts feeding precision, Excel export read back, scope by URL, rule
catalog switches, audit runs and the dashboard's figures."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pages_helpers import OWN, PASSWORD, audited_city
from sqlalchemy import func, select

from fundguard import db
from fundguard.auth.models import AuditEvent
from fundguard.masterdata.models import Institution
from fundguard.rules import service
from fundguard.rules.models import AuditRun, Finding, RuleRegionSetting
from fundguard.web.app import create_app

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch):
    from argon2 import PasswordHasher

    from fundguard.auth import service as auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


@pytest.fixture
def city(store, tmp_path):
    return audited_city(tmp_path)


def client_for(username: str) -> TestClient:
    client = TestClient(create_app(), raise_server_exceptions=False)
    token = CSRF_RE.search(client.get("/login").text).group(1)
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def csrf(client: TestClient, path: str = "/") -> str:
    return CSRF_RE.search(client.get(path).text).group(1)


def _finding(where) -> Finding:
    with db.session_scope() as session:
        f = session.execute(
            select(Finding).where(where).order_by(Finding.amount.desc()).limit(1)
        ).scalar_one()
        session.expunge(f)
        return f


def test_review_flow_export_and_dashboard(city):
    with db.session_scope() as session:
        total = session.execute(select(func.count()).select_from(Finding)).scalar_one()
        in_3204 = session.execute(
            select(func.count(), func.sum(Finding.amount))
            .select_from(Finding)
            .join(Institution, Institution.fixmedins_code == Finding.fixmedins_code)
            .where(Institution.admdvs.like("3204%"))
        ).one()
    assert total > 20 and in_3204[0] == total
    sup = client_for("sup3204")

    page = sup.get("/findings")
    assert page.status_code == 200
    assert f"共 {total} 条" in page.text
    assert f"{Decimal(str(in_3204[1])):,.2f}" in page.text

    target = _finding(Finding.fixmedins_code == OWN)
    filtered = sup.get("/findings", params={"rule_code": target.rule_code, "fixmedins_code": OWN})
    links = re.findall(r'href="/findings/([0-9a-f]+)" class="finding-link"', filtered.text)
    assert target.finding_id in links
    with db.session_scope() as session:
        expected = session.execute(
            select(func.count())
            .select_from(Finding)
            .where(Finding.rule_code == target.rule_code, Finding.fixmedins_code == OWN)
        ).scalar_one()
    assert len(links) == expected

    detail = sup.get(f"/findings/{target.finding_id}")
    assert detail.status_code == 200
    assert target.mdtrt_id in detail.text and "费用明细" in detail.text
    if target.feedetl_sn:
        assert 'class="hit-line"' in detail.text
    assert "规则说明" in detail.text

    token = csrf(sup, f"/findings/{target.finding_id}")
    missing_reason = sup.post(
        f"/findings/{target.finding_id}/verdict",
        data={"verdict": "rejected", "reason": "", "csrf_token": token},
    )
    assert missing_reason.status_code == 422 and "驳回必须填写理由" in missing_reason.text
    ok = sup.post(
        f"/findings/{target.finding_id}/verdict",
        data={"verdict": "confirmed", "reason": "病历核实", "csrf_token": token},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert "已确认" in sup.get(f"/findings/{target.finding_id}").text
    with db.session_scope() as session:
        stats = {s["rule_code"]: s for s in service.stats(session)}
        events = (
            session.execute(select(AuditEvent.actor).where(AuditEvent.action == "finding.confirmed"))
            .scalars()
            .all()
        )
    assert stats[target.rule_code]["confirmed"] == 1 and stats[target.rule_code]["precision"] == 1.0
    assert events == ["sup3204"]
    assert target.finding_id not in sup.get("/findings", params={"status": "open"}).text
    assert target.finding_id in sup.get("/findings", params={"status": "confirmed"}).text

    export = sup.get("/findings/export.xlsx", params={"fixmedins_code": OWN})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "命中编号" and rows[0][12] == "金额（元）"
    with db.session_scope() as session:
        own_total = session.execute(
            select(func.count(), func.sum(Finding.amount)).where(Finding.fixmedins_code == OWN)
        ).one()
    assert len(rows) - 1 == own_total[0]
    assert {r[4] for r in rows[1:]} == {OWN}
    assert Decimal(str(round(sum(r[12] for r in rows[1:]), 2))) == Decimal(str(own_total[1])).quantize(
        Decimal("0.01")
    )
    confirmed_row = next(r for r in rows[1:] if r[0] == target.finding_id)
    assert confirmed_row[14] == "已确认"

    overview = sup.get("/")
    assert overview.status_code == 200
    assert f'id="finding-count">{total}<' in overview.text
    fund = re.search(r'id="fund-paid">([\d,\.]+)<', overview.text).group(1)
    assert Decimal(fund.replace(",", "")) > 0
    chart = sup.get("/api/v1/overview/findings-by-category").json()
    assert sum(chart["series"][1]["data"]) == total
    months = sup.get("/api/v1/overview/findings-by-month").json()
    assert sum(months["series"][1]["data"]) == total and months["xAxis"]["data"] == sorted(
        months["xAxis"]["data"]
    )


def test_scope_by_url_for_institutions_and_regions(city):
    own = _finding(Finding.fixmedins_code == OWN)
    other = _finding(Finding.fixmedins_code != OWN)
    with db.session_scope() as session:
        own_count = session.execute(
            select(func.count()).select_from(Finding).where(Finding.fixmedins_code == OWN)
        ).scalar_one()
        other_admdvs = session.get(Institution, other.fixmedins_code).admdvs

    inst = client_for("inst1")
    listing = inst.get("/findings")
    assert f"共 {own_count} 条" in listing.text
    assert inst.get(f"/findings/{own.finding_id}").status_code == 200
    denied = inst.get(f"/findings/{other.finding_id}")
    assert denied.status_code == 403 and "无权访问其他定点机构的数据" in denied.text
    assert inst.get(f"/api/v1/rules/findings/{other.finding_id}").status_code == 403
    api_rows = inst.get("/api/v1/rules/findings", params={"limit": 1000}).json()
    assert len(api_rows) == own_count and {r["fixmedins_code"] for r in api_rows} == {OWN}
    export = load_workbook(io.BytesIO(inst.get("/findings/export.xlsx").content)).active
    assert {r[4] for r in list(export.iter_rows(values_only=True))[1:]} == {OWN}
    token = csrf(inst, f"/findings/{own.finding_id}")
    # Institutions answer findings; they never give verdicts.
    verdict = inst.post(
        f"/findings/{own.finding_id}/verdict",
        data={"verdict": "rejected", "reason": "x", "csrf_token": token},
    )
    assert verdict.status_code == 403
    answered = inst.post(
        f"/findings/{own.finding_id}/response",
        data={"text": "该患者病历有明确诊断，附病程记录。", "csrf_token": token},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    assert "该患者病历有明确诊断" in client_for("sup3204").get(f"/findings/{own.finding_id}").text
    foreign = inst.post(f"/findings/{other.finding_id}/response", data={"text": "x", "csrf_token": token})
    assert foreign.status_code == 403
    assert inst.get("/rules").status_code == 403 and inst.get("/audit-runs").status_code == 403

    away = client_for("sup3205")
    assert "共 0 条" in away.get("/findings").text
    assert away.get(f"/findings/{own.finding_id}").status_code == 403
    token = csrf(away)
    assert (
        away.post(
            f"/api/v1/rules/findings/{own.finding_id}/verdict",
            json={"verdict": "confirmed", "reason": ""},
            headers={"X-CSRF-Token": token},
        ).status_code
        == 403
    )
    district = client_for("sup320402")
    if not other_admdvs.startswith("320402"):
        assert district.get(f"/findings/{other.finding_id}").status_code == 403
    assert district.get(f"/findings/{own.finding_id}").status_code == 200
    leader = client_for("leader1")
    assert leader.get(f"/findings/{own.finding_id}").status_code == 200
    assert 'id="verdict-form"' not in leader.get(f"/findings/{own.finding_id}").text
    token = csrf(leader)
    assert (
        leader.post(
            f"/findings/{own.finding_id}/verdict", data={"verdict": "confirmed", "csrf_token": token}
        ).status_code
        == 403
    )
    assert client_for("sup3204").get("/findings/nope").status_code == 404


def test_rule_catalog_switch_backtest_and_audit_runs(city, tmp_path):
    sup = client_for("sup3204")
    catalog = sup.get("/rules")
    assert catalog.status_code == 200 and "GEN-N01" in catalog.text and "准确率" in catalog.text
    page = sup.get("/rules/GEN-N01")
    assert page.status_code == 200 and "在本辖区停用" in page.text
    token = csrf(sup, "/rules/GEN-N01")
    switched = sup.post(
        "/rules/GEN-N01/enabled", data={"enabled": "0", "csrf_token": token}, follow_redirects=False
    )
    assert switched.status_code == 303
    with db.session_scope() as session:
        setting = session.get(RuleRegionSetting, ("GEN-N01", "3204"))
        assert setting is not None and setting.enabled is False and setting.actor == "sup3204"
    assert "在本辖区启用" in sup.get("/rules/GEN-N01").text
    auditor = client_for("aud1")
    token = csrf(auditor)
    assert (
        auditor.post("/rules/GEN-N01/enabled", data={"enabled": "1", "csrf_token": token}).status_code == 403
    )

    local = tmp_path / "local.yaml"
    local.write_text(
        "rules:\n  - code: GEN-L01\n    title: 本地限女性项目\n    template: gender\n    category: GENDER\n"
        "    rows: [{code: '003100000000001', allowed_gend: '2'}]\n",
        encoding="utf-8",
    )
    with db.session_scope() as session:
        service.import_local(session, local, region="3204")
    assert "本地限女性项目" in sup.get("/rules").text
    local_page = sup.get("/rules/GEN-L01")
    assert local_page.status_code == 200 and "适用医保区划：3204" in local_page.text

    candidate = tmp_path / "cand.yaml"
    candidate.write_text("rules: []\nparams: {}\n", encoding="utf-8")
    token = csrf(sup, "/rules")
    uploaded = sup.post(
        "/rules/backtests",
        files={"candidate": ("cand.yaml", candidate.read_bytes(), "application/x-yaml")},
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    result = sup.get(uploaded.headers["location"])
    assert result.status_code == 200 and "cand.yaml" in result.text and "0.00 元" in result.text
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - code: GEN-L01\n    template: nope\n    category: GENDER\n", encoding="utf-8")
    rejected = sup.post(
        "/rules/backtests",
        files={"candidate": ("bad.yaml", bad.read_bytes(), "application/x-yaml")},
        data={"csrf_token": token},
    )
    assert rejected.status_code == 422 and "未知模板" in rejected.text

    runs = sup.get("/audit-runs")
    assert runs.status_code == 200 and city in runs.text and "已完成" in runs.text
    run = sup.get(f"/audit-runs/{city}")
    assert run.status_code == 200 and "按违规类别" in run.text
    with db.session_scope() as session:
        stored = session.get(AuditRun, city)
        assert stored.status == "finished" and stored.findings > 0 and stored.actor == "test"
        assert stored.amount == session.execute(select(func.sum(Finding.amount))).scalar_one()
