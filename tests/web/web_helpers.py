"""Helpers for the web tests: users of each role, a little ingest data, logging in over HTTP."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient

from fundguard.ingest.models import IngestBatch, QuarantineRow
from fundguard.masterdata.models import Institution
from fundguard.timeutil import TZ

PASSWORD = "Secret-pass-123"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

USERS = {
    # username: (role, region, fixmedins_code)
    "admin1": ("admin", "", None),
    "sup3204": ("supervisor", "3204", None),
    "leader1": ("leader", "", None),
    "inst1": ("institution", "", "H32040001"),
}


def seed(session) -> dict[str, int]:
    """Three institutions in two cities / provinces, one batch, one quarantined row each."""
    session.add_all(
        [
            Institution(
                fixmedins_code="H32040001",
                fixmedins_name="常州市第一人民医院",
                fixmedins_type="1",
                admdvs="320402",
            ),
            Institution(
                fixmedins_code="H32050001", fixmedins_name="苏州市立医院", fixmedins_type="1", admdvs="320502"
            ),
            Institution(
                fixmedins_code="H33010001",
                fixmedins_name="杭州市第一医院",
                fixmedins_type="1",
                admdvs="330102",
            ),
        ]
    )
    session.add(
        IngestBatch(
            batch_id="B20261101",
            status="committed",
            input_dir="/data/in/20261101",
            started_at=datetime(2026, 11, 1, 9, 0, tzinfo=TZ),
            finished_at=datetime(2026, 11, 1, 9, 5, tzinfo=TZ),
            report={"files": 3, "rows_loaded": 1200, "rows_quarantined": 3},
            actor="cli",
        )
    )
    session.flush()
    ids = {}
    for code in ("H32040001", "H32050001", "H33010001"):
        row = QuarantineRow(
            batch_id="B20261101",
            table_name="mdtrt",
            file="mdtrt.csv",
            line=10,
            column="certno",
            value="320402199001011234",
            reason_code="BAD_CERTNO",
            reason_zh="身份证号校验位错误",
            reason_en="bad ID checksum",
            raw={"fixmedins_code": code, "psn_name": "张三丰", "certno": "320402199001011234"},
        )
        session.add(row)
        session.flush()
        ids[code] = row.id
    return ids


def login_csrf(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    return CSRF_RE.search(page.text).group(1)


def login(client: TestClient, username: str, password: str = PASSWORD):
    token = login_csrf(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def session_csrf(client: TestClient, path: str = "/") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return CSRF_RE.search(page.text).group(1)
