"""Analytics over HTTP (real app, real store, a stored run of a small synthetic city): roles, region
scope by URL (403/404) in the API and the pages, masking, charts, the ranking export."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from fundguard import db
from fundguard.auth.models import AuditEvent

from .conftest import login


def _first(result, etype: str, admdvs_prefix: str) -> str:
    homes = result.homes
    scored = set(result.scores.loc[result.scores["entity_type"] == etype, "entity_id"])
    sub = homes[(homes["entity_type"] == etype) & homes["admdvs"].str.startswith(admdvs_prefix)]
    return sorted(set(sub["entity_id"]) & scored)[0]


def test_api_needs_a_login_and_a_staff_role(analytics_web):
    client, _, _ = analytics_web
    assert client.get("/api/v1/analytics/risk-scores").status_code == 401
    login(client, "inst1")
    for path in ("/api/v1/analytics/risk-scores", "/api/v1/analytics/alerts", "/api/v1/analytics/rings"):
        res = client.get(path)
        assert res.status_code == 403 and res.json()["code"] == "ROLE_FORBIDDEN", path
    assert client.get("/analytics").status_code == 403
    assert client.get("/analytics/institutions/H32040200001").status_code == 403


def test_lists_are_scoped_to_the_users_region(analytics_web):
    client, result, _ = analytics_web
    login(client, "sup320402")
    scores = client.get("/api/v1/analytics/risk-scores", params={"limit": 10000}).json()
    assert scores and all(s["admdvs"].startswith("320402") for s in scores)
    assert {s["entity_type"] for s in scores} == {"institution", "practitioner", "insured"}
    alerts = client.get("/api/v1/analytics/alerts", params={"limit": 10000}).json()
    assert all(a["admdvs"].startswith("320402") for a in alerts)
    ranking = client.get("/api/v1/analytics/ranking").json()
    assert ranking and all(r["admdvs"].startswith("320402") for r in ranking)
    client.cookies.clear()
    login(client, "sup3205")  # another city: nothing of 3204
    assert client.get("/api/v1/analytics/risk-scores").json() == []
    assert client.get("/api/v1/analytics/rings").json() == []
    page = client.get("/analytics")
    assert page.status_code == 200 and "本辖区暂无评分对象" in page.text


def test_another_regions_records_answer_403_and_unknown_ones_404(analytics_web):
    client, result, _ = analytics_web
    inside = _first(result, "institution", "320402")
    outside = _first(result, "institution", "320404")
    doctor_out = _first(result, "practitioner", "320404")
    login(client, "sup320402")
    assert client.get(f"/api/v1/analytics/risk-scores/institution/{inside}").status_code == 200
    res = client.get(f"/api/v1/analytics/risk-scores/institution/{outside}")
    assert res.status_code == 403 and res.json()["code"] == "OUT_OF_SCOPE"
    assert client.get(f"/analytics/institutions/{outside}").status_code == 403
    assert client.get(f"/analytics/practitioners/{doctor_out}").status_code == 403
    chart = client.get(f"/api/v1/analytics/charts/institutions/{outside}/indicators/drug_share")
    assert chart.status_code == 403
    assert client.get(f"/api/v1/analytics/charts/practitioners/{doctor_out}/trend").status_code == 403
    missing = client.get("/api/v1/analytics/risk-scores/institution/H99999999999")
    assert missing.status_code == 404 and missing.json()["code"] == "RISK_SCORE_NOT_FOUND"
    assert client.get("/analytics/institutions/H99999999999").status_code == 404
    assert client.get("/api/v1/analytics/rings/R9999").status_code == 404
    # an insured person of another district, by the id of the score row
    outsider = result.homes[(result.homes["entity_type"] == "insured") & (result.homes["admdvs"] == "320481")]
    psn = sorted(outsider["entity_id"])[0]
    client.cookies.clear()
    login(client, "sup3204")
    row = client.get(f"/api/v1/analytics/risk-scores/insured/{psn}").json()
    client.cookies.clear()
    login(client, "sup320402")
    assert client.get(f"/analytics/insured/{row['id']}").status_code == 403
    client.cookies.clear()
    login(client, "sup3205")
    ring = client.get("/api/v1/analytics/rings/R0001")
    assert ring.status_code == 403 and client.get("/analytics/rings/R0001").status_code == 403


def test_insured_numbers_are_masked_for_roles_without_clearance(analytics_web):
    client, result, _ = analytics_web
    ring_people = {m for m in result.rings.members.loc[result.rings.members["kind"] == "insured", "node"]}
    login(client, "leader1")
    rows = client.get("/api/v1/analytics/risk-scores", params={"entity_type": "insured", "limit": 20}).json()
    assert rows and all("*" in r["entity_id"] and r["entity_id"] not in ring_people for r in rows)
    ring = client.get("/api/v1/analytics/rings/R0001").json()
    shown = {m["id"] for m in ring["members"] if m["kind"] == "insured"}
    assert shown and not (shown & ring_people) and all("*" in s for s in shown)
    page = client.get("/analytics/rings/R0001")
    assert page.status_code == 200 and not any(p in page.text for p in ring_people)
    landing = client.get("/analytics").text
    assert not any(p in landing for p in ring_people)
    client.cookies.clear()
    login(client, "sup3204")
    clear = client.get("/api/v1/analytics/rings/R0001").json()
    assert {m["id"] for m in clear["members"] if m["kind"] == "insured"} == ring_people


def test_landing_page_links_to_risk_pages_with_reasons_and_charts(analytics_web):
    client, result, _ = analytics_web
    login(client, "sup3204")
    page = client.get("/analytics")
    assert page.status_code == 200
    assert 'id="top-institution"' in page.text and 'id="top-practitioner"' in page.text
    assert 'href="/analytics/rings/R0001"' in page.text
    top = result.scores[result.scores["entity_type"] == "institution"].sort_values("rank").iloc[0]
    assert f'href="/analytics/institutions/{top.entity_id}"' in page.text
    inst = client.get(f"/analytics/institutions/{top.entity_id}")
    assert inst.status_code == 200
    first_reason = json.loads(top.reasons)[0]
    assert first_reason["label"] in inst.text
    assert f"/api/v1/analytics/charts/institutions/{top.entity_id}/indicators/" in inst.text
    chart = client.get(f"/api/v1/analytics/charts/institutions/{top.entity_id}/indicators/drug_share").json()
    names = [s["name"] for s in chart["series"]]
    assert names == ["区间下限", "同组区间", "同组中位数", "本机构"]
    periods = chart["xAxis"]["data"]
    assert len(periods) == 12 and all(len(v) == len(periods) for v in [chart["series"][3]["data"]])
    assert (
        client.get(f"/api/v1/analytics/charts/institutions/{top.entity_id}/indicators/nope").status_code
        == 404
    )
    doctor = result.scores[result.scores["entity_type"] == "practitioner"].sort_values("rank").iloc[0]
    prac = client.get(f"/analytics/practitioners/{doctor.entity_id}")
    assert prac.status_code == 200 and 'id="reasons"' in prac.text
    assert json.loads(doctor.reasons)[0]["label"] in prac.text
    trend = client.get(f"/api/v1/analytics/charts/practitioners/{doctor.entity_id}/trend").json()
    assert [s["name"] for s in trend["series"]] == ["就诊人次", "次均费用"]
    ring = client.get("/api/v1/analytics/charts/rings/R0001").json()
    assert ring["series"][0]["type"] == "graph" and ring["series"][0]["links"]
    alerts = client.get("/analytics/alerts", params={"level": "institution"})
    assert alerts.status_code == 200 and 'id="alert-list"' in alerts.text


def test_ranking_export_reads_back_and_is_audited(analytics_web):
    client, result, run_id = analytics_web
    login(client, "sup320402")
    page = client.get("/analytics/ranking")
    assert page.status_code == 200 and 'id="export"' in page.text
    group = result.ranking[result.ranking["entity_id"].str.startswith("D320402")]["peer_key"].iloc[0]
    res = client.get("/analytics/ranking/export.xlsx", params={"group": group})
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(res.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("同组（级别·类型·科室）", "次均费用排名", "总费用排名", "同组医师数", "医师编码")
    expected = result.ranking[result.ranking["peer_key"] == group]
    assert {r[4] for r in rows[1:]} == set(expected["entity_id"])
    ranks = [r[1] for r in rows[1:] if r[1] is not None]
    assert ranks == sorted(ranks)
    with db.session_scope() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "analytics.ranking.export")
        ).one()
        assert event.actor == "sup320402" and event.entity_id == str(run_id)
        assert event.detail["rows"] == len(rows) - 1 and event.region == "320402"
    client.cookies.clear()
    login(client, "sup3205")
    empty = load_workbook(io.BytesIO(client.get("/analytics/ranking/export.xlsx").content)).active
    assert empty.max_row == 1  # header only: no practitioner of another city leaks


def test_no_run_yet_answers_404_with_a_chinese_message(store, quick_argon2):
    from fastapi.testclient import TestClient

    from fundguard.auth import service as auth
    from fundguard.web.app import create_app

    with db.session_scope() as session:
        auth.create_user(session, "sup3204", "Secret-pass-123", "supervisor", region="3204")
    client = TestClient(create_app(), raise_server_exceptions=False)
    login(client, "sup3204")
    res = client.get("/api/v1/analytics/risk-scores")
    assert res.status_code == 404 and "fundguard risk" in res.json()["message"]
    page = client.get("/analytics")
    assert page.status_code == 200 and "尚无分析结果" in page.text
