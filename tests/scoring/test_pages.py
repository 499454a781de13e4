"""HTTP tests of the scoring web pages (记分管理): lists, 一人一档, 申诉待办, 机构汇总, scope and masking."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fundguard import db
from fundguard.auth import service as auth_service
from fundguard.scoring import service
from fundguard.timeutil import today
from fundguard.web.app import create_app

from ._helpers import add_person, decide

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "web"))
from web_helpers import PASSWORD, USERS, login, seed  # noqa: E402

# Persons: one per seeded institution. 常州 (3204) ok with 3 points, 苏州 (3205) suspended, 杭州 terminated.
OK_CODE, SUSP_CODE, TERM_CODE = "D320402000001", "D320502000001", "D330102000001"


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


@pytest.fixture
def web(store, session):
    """A client on a store with one user per role, three institutions and scored persons."""
    with db.session_scope() as s:
        for username, (role, region, inst) in USERS.items():
            auth_service.create_user(s, username, PASSWORD, role, region=region, fixmedins_code=inst)
        auth_service.create_user(s, "inst2", PASSWORD, "institution", fixmedins_code="H32050001")
        auth_service.create_user(s, "sup32", PASSWORD, "supervisor", region="32")
        seed(s)
    on = today()
    add_person(session, OK_CODE, "张医生", inst="H32040001")
    add_person(session, SUSP_CODE, "李护士", inst="H32050001")
    add_person(session, TERM_CODE, "王药师", inst="H33010001")
    first = decide(session, OK_CODE, 3, on, admdvs="320402")
    decide(session, SUSP_CODE, 9, on, admdvs="320502", suspend_months=3)
    decide(session, TERM_CODE, 12, on, admdvs="330102")
    service.file_appeal(session, first.seq, filed_on=on, reason="事实认定有误", operator="经办员")
    session.commit()
    return TestClient(create_app(), raise_server_exceptions=False)


def logged_in(client: TestClient, username: str) -> TestClient:
    assert login(client, username).status_code in (302, 303)
    return client


def test_points_list_shows_persons_status_and_points(web):
    client = logged_in(web, "sup32")
    page = client.get("/points")
    assert page.status_code == 200
    assert "记分管理" in page.text
    assert OK_CODE in page.text and SUSP_CODE in page.text
    assert TERM_CODE not in page.text  # 杭州 is outside region 32
    assert "张医生" in page.text  # supervisors see names
    assert "正常" in page.text and "暂停" in page.text


def test_points_list_nationwide_user_sees_termination(web):
    client = logged_in(web, "leader1")
    page = client.get("/points")
    assert page.status_code == 200
    assert TERM_CODE in page.text and "终止" in page.text


def test_points_list_search_by_code(web):
    client = logged_in(web, "sup32")
    page = client.get("/points", params={"q": SUSP_CODE})
    assert SUSP_CODE in page.text and OK_CODE not in page.text


def test_points_list_search_by_name(web):
    client = logged_in(web, "sup32")
    page = client.get("/points", params={"q": "李护"})
    assert SUSP_CODE in page.text and OK_CODE not in page.text


def test_names_masked_for_role_without_clearance(web):
    client = logged_in(web, "leader1")
    listing = client.get("/points")
    assert "张医生" not in listing.text and "张**" in listing.text
    person = client.get(f"/points/person/{OK_CODE}")
    assert person.status_code == 200
    assert "张医生" not in person.text and "张**" in person.text
    appeals = client.get("/points/appeals")
    assert "张医生" not in appeals.text


def test_masked_user_cannot_search_by_name(web):
    client = logged_in(web, "leader1")
    page = client.get("/points", params={"q": "张医生"})
    assert OK_CODE not in page.text


def test_person_page_shows_status_ledger_registrations_appeals(web):
    client = logged_in(web, "sup32")
    page = client.get(f"/points/person/{SUSP_CODE}")
    assert page.status_code == 200
    assert "一人一档" in page.text and "李护士" in page.text
    assert "暂停" in page.text and "记分决定" in page.text
    assert "V-4" in page.text and "记分规则第五条" in page.text and "审核员" in page.text
    assert "H32050001" in page.text and "苏州市立医院" in page.text
    with db.session_scope() as s:
        entry = service.ledger_entries(s, SUSP_CODE)[0]
        st = service.status_on(s, SUSP_CODE, today())
    assert entry.hash[:12] in page.text
    assert st.until.isoformat() in page.text


def test_person_page_shows_termination_bar(web):
    client = logged_in(web, "admin1")
    page = client.get(f"/points/person/{TERM_CODE}")
    assert page.status_code == 200
    with db.session_scope() as s:
        st = service.status_on(s, TERM_CODE, today())
    assert st.status == "terminated"
    assert "终止" in page.text and st.barred_until.isoformat() in page.text


def test_person_page_lists_appeal(web):
    client = logged_in(web, "sup3204")
    page = client.get(f"/points/person/{OK_CODE}")
    assert "提出申诉" in page.text and "待复核" in page.text


def test_institution_user_cannot_open_other_institutions_person(web):
    client = logged_in(web, "inst1")  # H32040001
    own = client.get(f"/points/person/{OK_CODE}")
    assert own.status_code == 200
    other = client.get(f"/points/person/{SUSP_CODE}")
    assert other.status_code in (403, 404)
    assert "李护士" not in other.text
    listing = client.get("/points")
    assert OK_CODE in listing.text and SUSP_CODE not in listing.text


def test_region_user_cannot_open_person_outside_region(web):
    client = logged_in(web, "sup3204")
    assert client.get(f"/points/person/{SUSP_CODE}").status_code in (403, 404)
    assert SUSP_CODE not in client.get("/points").text


def test_unknown_person_is_404(web):
    client = logged_in(web, "admin1")
    assert client.get("/points/person/NOPE").status_code == 404


def test_appeals_queue_shows_pending_with_due_date(web):
    client = logged_in(web, "sup3204")
    page = client.get("/points/appeals")
    assert page.status_code == 200
    assert "申诉待办" in page.text and OK_CODE in page.text and "待复核" in page.text
    with db.session_scope() as s:
        appeal = service.person_file(s, OK_CODE, today())["appeals"][0]
    assert appeal["decide_by"] in page.text
    assert 'class="bad">已超期' not in page.text


def test_appeals_queue_flags_overdue(web, session):
    past = today() - timedelta(days=90)
    code = "D320402000002"
    add_person(session, code, "赵医生", inst="H32040001")
    entry = decide(session, code, 2, past, admdvs="320402")
    service.file_appeal(session, entry.seq, filed_on=past, reason="不服", operator="经办员")
    session.commit()
    client = logged_in(web, "sup3204")
    page = client.get("/points/appeals")
    assert code in page.text and 'class="bad">已超期' in page.text


def test_appeals_queue_scoped(web):
    client = logged_in(web, "inst2")  # 苏州, no appeals of its staff
    page = client.get("/points/appeals")
    assert page.status_code == 200
    assert OK_CODE not in page.text


def test_institutions_summary(web):
    client = logged_in(web, "leader1")
    page = client.get("/points/institutions")
    assert page.status_code == 200
    assert "机构汇总" in page.text
    assert "常州市第一人民医院" in page.text and "苏州市立医院" in page.text and "杭州市第一医院" in page.text
    scoped = logged_in(TestClient(create_app()), "sup3204").get("/points/institutions")
    assert "常州市第一人民医院" in scoped.text
    assert "苏州市立医院" not in scoped.text and "杭州市第一医院" not in scoped.text


def test_nav_points_to_points_page(web):
    client = logged_in(web, "sup3204")
    page = client.get("/points")
    assert 'href="/points" class="active"' in page.text
    assert client.get("/scoring", follow_redirects=False).headers["location"] == "/points"


@pytest.mark.parametrize(
    "path", ["/points", f"/points/person/{OK_CODE}", "/points/appeals", "/points/institutions"]
)
def test_pages_redirect_to_login_without_session(web, path):
    response = web.get(path, follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"].startswith("/login")


def test_points_list_paginates(web, monkeypatch):
    from fundguard.scoring import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    client = logged_in(web, "leader1")
    first = client.get("/points")
    assert "共 3 条" in first.text and "下一页" in first.text
    assert OK_CODE in first.text and TERM_CODE not in first.text
    second = client.get("/points", params={"page": 2})
    assert TERM_CODE in second.text and OK_CODE not in second.text
