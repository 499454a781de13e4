"""Region and institution scope (数据范围) on the quarantine browser, page and API."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select
from web_helpers import login

from fundguard import db
from fundguard.auth.models import AuditEvent


def test_institution_user_is_denied_another_institutions_row(web):
    client, ids = web
    login(client, "inst1")
    own = client.get(f"/api/v1/quarantine/{ids['H32040001']}")
    assert own.status_code == 200 and own.json()["fixmedins_code"] == "H32040001"
    other = client.get(f"/api/v1/quarantine/{ids['H32050001']}")
    assert other.status_code == 403
    assert other.json() == {"code": "OUT_OF_SCOPE", "message": "无权访问其他定点机构的数据"}
    page = client.get(f"/quarantine/{ids['H33010001']}")
    assert page.status_code == 403 and "无权访问" in page.text
    missing = client.get("/api/v1/quarantine/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "QUARANTINE_ROW_NOT_FOUND"


def test_city_supervisor_sees_only_its_city(web):
    client, ids = web
    login(client, "sup3204")
    assert client.get(f"/api/v1/quarantine/{ids['H32040001']}").status_code == 200
    r = client.get(f"/api/v1/quarantine/{ids['H32050001']}")
    assert r.status_code == 403 and r.json()["message"] == "无权访问本辖区以外的数据"
    page = client.get("/quarantine")
    assert "H32040001" in page.text and "H32050001" not in page.text and "H33010001" not in page.text


def test_institution_user_may_not_see_ingest_runs(web):
    client, _ = web
    login(client, "inst1")
    assert client.get("/ingest-runs").status_code == 403
    page = client.get("/")
    assert 'href="/ingest-runs"' not in page.text and 'href="/quarantine"' in page.text


def test_identifiers_are_masked_for_roles_without_clearance(web):
    client, ids = web
    login(client, "leader1")
    row = client.get(f"/api/v1/quarantine/{ids['H32040001']}").json()
    assert row["raw"]["psn_name"] == "张**"
    assert row["raw"]["certno"] == "320402********1234"
    assert row["value"] == "320402********1234"


def test_excel_export_is_filtered_scoped_masked_and_audited(web):
    client, _ = web
    login(client, "sup3204")
    r = client.get("/quarantine/export.xlsx?reason_code=BAD_CERTNO")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "编号"
    assert [row[9] for row in rows[1:]] == ["H32040001"]
    assert "张**" in rows[1][11] and "张三丰" not in rows[1][11]
    with db.session_scope() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "quarantine.export")).scalar_one()
    assert event.actor == "sup3204" and event.detail["rows"] == 1 and event.detail["filters"]["reason_code"]


def test_ingest_runs_page_lists_batches_with_report(web):
    client, _ = web
    login(client, "admin1")
    page = client.get("/ingest-runs")
    assert "B20261101" in page.text and "已入库" in page.text
    detail = client.get("/ingest-runs/B20261101")
    assert "rows_loaded" in detail.text and "1200" in detail.text
    assert client.get("/ingest-runs/NOPE").status_code == 404
