"""Login, sessions, CSRF, lockout and role/region scope over real HTTP against the real app."""

from __future__ import annotations

from sqlalchemy import select
from web_helpers import PASSWORD, login, login_csrf, session_csrf

from fundguard import db
from fundguard.auth.models import AuditEvent, User
from fundguard.web.security import SESSION_COOKIE


def test_api_without_session_answers_401_json(web):
    client, _ = web
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["code"] == "NOT_AUTHENTICATED"
    assert "登录" in r.json()["message"]


def test_page_without_session_redirects_to_login(web):
    client, _ = web
    r = client.get("/quarantine?batch_id=B1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")
    page = client.get("/login")
    assert "用户登录" in page.text and "密码" in page.text


def test_login_sets_a_hardened_cookie_and_audits(web):
    client, _ = web
    r = login(client, "sup3204")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    me = client.get("/api/v1/me").json()
    assert me["role"] == "supervisor" and me["region"] == "3204"
    with db.session_scope() as s:
        events = s.execute(select(AuditEvent).where(AuditEvent.action == "login.success")).scalars().all()
        assert [e.actor for e in events] == ["sup3204"]
        assert events[0].region == "3204" and events[0].request_id


def test_failed_login_is_audited_and_shows_chinese_error(web):
    client, _ = web
    r = login(client, "sup3204", "wrong-password")
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text
    with db.session_scope() as s:
        actions = s.execute(select(AuditEvent.action).where(AuditEvent.actor == "sup3204")).scalars().all()
    assert "login.failure" in actions


def test_passwords_are_stored_as_argon2id(web):
    with db.session_scope() as s:
        hashes = s.execute(select(User.password_hash)).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)


def test_lockout_after_configured_failures_even_with_right_password(web):
    from fundguard.profiles import get_profile

    client, _ = web
    n = get_profile()["auth.lockout_failures"]
    for _ in range(n):
        assert login(client, "leader1", "bad-password-x").status_code == 401
    r = login(client, "leader1")
    assert r.status_code == 401
    assert "锁定" in r.text
    with db.session_scope() as s:
        actions = s.execute(select(AuditEvent.action).where(AuditEvent.actor == "leader1")).scalars().all()
    assert actions.count("user.lockout") == 1


def test_logout_ends_the_session_and_is_audited(web):
    client, _ = web
    login(client, "admin1")
    token = session_csrf(client)
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    assert client.get("/api/v1/me").status_code == 401
    with db.session_scope() as s:
        assert (
            s.execute(select(AuditEvent).where(AuditEvent.action == "logout")).scalars().first() is not None
        )


def test_stolen_cookie_is_dead_after_logout(web):
    client, _ = web
    login(client, "admin1")
    stolen = client.cookies.get(SESSION_COOKIE)
    client.post("/logout", data={"csrf_token": session_csrf(client)})
    client.cookies.set(SESSION_COOKIE, stolen)
    assert client.get("/api/v1/me").status_code == 401


def test_post_without_or_with_wrong_csrf_token_is_rejected(web):
    client, _ = web
    login(client, "admin1")
    form = {"username": "newuser", "role": "auditor", "password": PASSWORD}
    r = client.post("/users", data=form)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/users", data={**form, "csrf_token": "forged"})
    assert r.status_code == 403
    r = client.post("/audit/verify", headers={"X-CSRF-Token": "forged", "HX-Request": "true"})
    assert r.status_code == 403
    with db.session_scope() as s:
        assert s.execute(select(User).where(User.username == "newuser")).scalar_one_or_none() is None


def test_login_form_needs_its_csrf_token(web):
    client, _ = web
    login_csrf(client)
    r = client.post("/login", data={"username": "admin1", "password": PASSWORD, "csrf_token": "x"})
    assert r.status_code == 403


def test_csrf_token_in_form_or_htmx_header_is_accepted(web):
    client, _ = web
    login(client, "admin1")
    token = session_csrf(client, "/users")
    r = client.post(
        "/users", data={"username": "aud1", "role": "auditor", "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 200 and "已创建用户 aud1" in r.text
    r = client.post("/audit/verify", headers={"X-CSRF-Token": token, "HX-Request": "true"})
    assert r.status_code == 200 and "完整" in r.text
    with db.session_scope() as s:
        event = s.execute(
            select(AuditEvent).where(AuditEvent.action == "user.create", AuditEvent.entity_id == "aud1")
        )
        assert event.scalar_one().actor == "admin1"


def test_admin_pages_are_forbidden_to_other_roles(web):
    client, _ = web
    login(client, "sup3204")
    r = client.get("/users")
    assert r.status_code == 403 and "无权" in r.text
    assert client.get("/audit").status_code == 403


def test_htmx_request_without_session_gets_hx_redirect(web):
    client, _ = web
    r = client.post("/audit/verify", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["hx-redirect"] == "/login"


def test_open_redirect_after_login_is_refused(web):
    client, _ = web
    token = login_csrf(client)
    r = client.post(
        "/login",
        data={"username": "admin1", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_audit_log_page_filters_by_action_and_actor(web):
    client, _ = web
    login(client, "sup3204", "wrong-password")
    login(client, "admin1")
    page = client.get("/audit?action=login.failure")
    assert page.status_code == 200
    assert "sup3204" in page.text and "login.success" not in page.text.split("<tbody>")[1]
    page = client.get("/audit?actor=admin1&date_from=2000-01-01")
    body = page.text.split("<tbody>")[1]
    assert "login.success" in body and "sup3204" not in body
    bad = client.get("/audit?date_from=yesterday")
    assert bad.status_code == 422 and "date_from" in bad.text
    assert "校验哈希链" in page.text


def test_session_expires_after_configured_hours(web):
    from datetime import timedelta

    from fundguard.auth.models import UserSession
    from fundguard.profiles import get_profile
    from fundguard.timeutil import localize

    client, _ = web
    login(client, "admin1")
    assert client.get("/api/v1/me").status_code == 200
    with db.session_scope() as s:
        row = s.execute(select(UserSession)).scalar_one()
        hours = get_profile()["auth.session_hours"]
        assert localize(row.expires_at) - localize(row.created_at) == timedelta(hours=hours)
        row.expires_at = localize(row.created_at) - timedelta(seconds=1)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_cookie_is_secure_over_https(web):
    from fastapi.testclient import TestClient

    client, _ = web
    https = TestClient(client.app, base_url="https://testserver")
    r = login(https, "admin1")
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]


def test_static_assets_are_served_without_session(web):
    client, _ = web
    for path in ("/static/vendor/echarts.min.js", "/static/vendor/htmx.min.js", "/static/css/app.css"):
        assert client.get(path).status_code == 200, path
