"""HTTP-test support shared by the agreements, inspections, credit and disclosure tests: users of each
role in two cities, three institutions in the master data, logging in over HTTP, CSRF headers.

Import as ``from agreements.web_support import …`` (``tests/`` is on ``sys.path``) and pull the
fixtures into a conftest with ``from agreements.web_support import quick_argon2, web  # noqa``.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from fundguard import db
from fundguard.auth import service as auth
from fundguard.inspections import directory
from fundguard.masterdata.models import Institution

PASSWORD = "Secret-pass-123"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

# username: (role, region, fixmedins_code)
USERS = {
    "admin1": ("admin", "", None),
    "sup3204": ("supervisor", "3204", None),
    "sup3205": ("supervisor", "3205", None),
    "leader1": ("leader", "", None),
    "inst1": ("institution", "", "H32040001"),
    "inst2": ("institution", "", "H32050001"),
}
# code: (name, type, admdvs)
INSTITUTIONS = {
    "H32040001": ("常州市第一人民医院", "1", "320402"),
    "H32040002": ("常州市武进区中医医院", "1", "320412"),
    "P32040003": ("常州市天宁大药房", "2", "320402"),
    "H32050001": ("苏州市立医院", "1", "320502"),
}


def seed_institutions(session) -> None:
    for code, (name, kind, admdvs) in INSTITUTIONS.items():
        session.add(Institution(fixmedins_code=code, fixmedins_name=name, fixmedins_type=kind, admdvs=admdvs))
    session.flush()
    directory.sync_targets(session)


@pytest.fixture
def quick_argon2(monkeypatch):
    """Real argon2id with light cost parameters, so that each test's logins take milliseconds."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


@pytest.fixture
def web(store, quick_argon2):
    """A TestClient of the real app on a store with the users and institutions above."""
    from fundguard.web.app import create_app

    with db.session_scope() as session:
        seed_institutions(session)
        for username, (role, region, inst) in USERS.items():
            auth.create_user(session, username, PASSWORD, role, region=region, fixmedins_code=inst)
    return TestClient(create_app(), raise_server_exceptions=False)


def login(client: TestClient, username: str) -> str:
    """Log ``username`` in on ``client`` (dropping any earlier session); returns the CSRF token."""
    logout(client)
    page = client.get("/login")
    token = CSRF_RE.search(page.text).group(1)
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    home = client.get("/")
    assert home.status_code == 200, home.text
    csrf = CSRF_RE.search(home.text).group(1)
    client.headers["X-CSRF-Token"] = csrf
    return csrf


def logout(client: TestClient) -> None:
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)


def form(client: TestClient, path: str, data: dict):
    """POST an HTML form (the CSRF token travels as the form field, as in a browser)."""
    token = client.headers.pop("X-CSRF-Token", "")
    try:
        return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
    finally:
        client.headers["X-CSRF-Token"] = token


def seed_scenario(session) -> dict:
    """A little of everything, in two cities (常州 3204, 苏州 3205); returns the ids by name."""
    from datetime import date, datetime, timedelta
    from decimal import Decimal

    from fundguard.agreements import service as agreements
    from fundguard.credit import service as credit
    from fundguard.disclosure import service as disclosure
    from fundguard.inspections import flight, random_plans, self_check
    from fundguard.rules.models import Finding
    from fundguard.timeutil import TZ, now

    ids: dict = {}
    persons = [{"role": "LEGAL_REP", "name": "王建国", "certno": "320401197001011234"}]
    app = agreements.submit(
        session,
        "常州市第一人民医院",
        "91320400MA0000001",
        "MEDICAL",
        "ONLINE",
        persons,
        ["申请表"],
        date(2025, 9, 29),
        "H32040001",
        "320402",
        actor="sup3204",
    )
    agreements.accept(session, app.id, date(2025, 10, 9), actor="sup3204")
    ids["app_3204"] = app.id
    other = agreements.submit(
        session,
        "苏州市立医院",
        "91320500MA0000002",
        "MEDICAL",
        "ONLINE",
        persons[:0],
        [],
        date(2025, 9, 29),
        "H32050001",
        "320502",
        actor="sup3205",
    )
    ids["app_3205"] = other.id
    ids["agr_3204"] = agreements.create_agreement(session, "H32040001", date(2024, 3, 1), "B").id
    ids["agr_3205"] = agreements.create_agreement(session, "H32050001", date(2024, 3, 1), "B").id

    plan = random_plans.create_plan(session, "2026Q1", date(2026, 1, 5), "3204", actor="sup3204")
    ids["plan_3204"] = plan.id
    ids["draw_3204"] = random_plans.draw_targets(session, plan.id, date(2026, 1, 5), seed=20260105).id
    plan5 = random_plans.create_plan(session, "2026Q1", date(2026, 1, 5), "3205", actor="sup3205")
    ids["plan_3205"] = plan5.id
    ids["draw_3205"] = random_plans.draw_targets(session, plan5.id, date(2026, 1, 5), seed=7).id
    ids["flight_3204"] = flight.create_plan(
        session,
        "2026年第一批飞行检查",
        [("H32040002", 0.9, ["ICU在床人数与登记不符"]), ("H32040001", 0.4, [])],
        date(2026, 3, 2),
        admdvs="3204",
    ).id
    ids["flight_3205"] = flight.create_plan(
        session, "苏州飞检", [("H32050001", 0.7, [])], date(2026, 3, 2), admdvs="3205"
    ).id
    tasks = {
        t.fixmedins_code: t.id
        for t in self_check.create_tasks(session, "2026Q1", ["H32040001", "H32040002", "H32050001"])
    }
    ids["task_h1"], ids["task_h2"], ids["task_sz"] = (
        tasks["H32040001"],
        tasks["H32040002"],
        tasks["H32050001"],
    )
    for n, (category, amount) in enumerate([("DUPLICATE", "120.00"), ("BED_HANGING", "3600.00")], start=1):
        session.add(
            Finding(
                finding_id=f"F-{n}",
                rule_code=f"R-{n}",
                rule_version="1",
                category=category,
                severity="high",
                mdtrt_id=f"M{n}",
                fixmedins_code="H32040001",
                amount=Decimal(amount),
                message=f"疑点{n}",
                evidence={},
                run_id="run-1",
                found_at=datetime(2026, 4, 2, 9, 0, tzinfo=TZ),
                visit_month="2026-02",
            )
        )
    credit.add_event(session, "INSTITUTION", "H32040001", "PENALTY", date(2026, 1, 5), "分解住院罚款")
    credit.add_event(session, "INSTITUTION", "H32050001", "PENALTY", date(2026, 1, 5), "苏州罚款")
    _, entry = credit.record_insured_fraud(
        session,
        "PSN3204001",
        "张三丰",
        "320402199001011234",
        date(2026, 2, 1),
        "冒名就医骗取医保基金",
        admdvs="320402",
    )
    credit.approve_listing(session, entry.id)
    ids["blacklist_3204"] = entry.id
    _, entry5 = credit.record_insured_fraud(
        session, "PSN3205001", "李四", "320502199202021234", date(2026, 2, 1), "倒卖药品", admdvs="320502"
    )
    ids["blacklist_3205"] = entry5.id

    def pub(title, state, at=None, admdvs="3204"):
        p = disclosure.create(
            session, "TYPICAL_CASE", title, f"{title}：张三丰冒名就医", ["张三丰"], admdvs=admdvs
        )
        if state in {"APPROVED", "PUBLISHED", "WITHDRAWN"}:
            disclosure.approve(session, p.id)
        if state in {"PUBLISHED", "WITHDRAWN"}:
            disclosure.publish(session, p.id, at or now() - timedelta(days=1))
        if state == "WITHDRAWN":
            disclosure.withdraw(session, p.id, now(), "信息有误")
        return p.id

    ids["pub_published"] = pub("已公开案例", "PUBLISHED")
    ids["pub_draft"] = pub("草稿案例", "DRAFT")
    ids["pub_withdrawn"] = pub("已撤回案例", "WITHDRAWN")
    ids["pub_future"] = pub("定时公开案例", "PUBLISHED", now() + timedelta(days=3))
    ids["pub_draft_3205"] = pub("苏州草稿", "DRAFT", admdvs="3205")
    session.flush()
    return ids
