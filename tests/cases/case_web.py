"""HTTP helpers for the case, clue, rectification and tip tests: users, master data, logged-in clients."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from fundguard import db
from fundguard.auth import service as auth
from fundguard.masterdata.models import Institution

PASSWORD = "Secret-pass-123"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

USERS = {
    # username: (role, region, fixmedins_code)
    "admin1": ("admin", "", None),
    "sup3204": ("supervisor", "3204", None),
    "sup3204b": ("supervisor", "3204", None),
    "insp3204": ("inspector", "3204", None),
    "sup3205": ("supervisor", "3205", None),
    "leader1": ("leader", "", None),
    "inst1": ("institution", "3204", "H32040001"),
    "inst2": ("institution", "3205", "H32050001"),
}
INSTITUTIONS = {
    "H32040001": ("常州市第一人民医院", "320402"),
    "H32050001": ("苏州市立医院", "320502"),
}


def seed_users_and_institutions() -> None:
    with db.session_scope() as session:
        for code, (name, admdvs) in INSTITUTIONS.items():
            session.add(
                Institution(fixmedins_code=code, fixmedins_name=name, fixmedins_type="1", admdvs=admdvs)
            )
        for username, (role, region, inst) in USERS.items():
            auth.create_user(session, username, PASSWORD, role, region=region, fixmedins_code=inst)


def login(app, username: str) -> TestClient:
    """A client logged in as ``username``; its API calls carry the session's CSRF token."""
    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/login")
    token = CSRF_RE.search(page.text).group(1)
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    client.csrf = csrf_of(client, "/")
    client.headers["X-CSRF-Token"] = client.csrf
    return client


def csrf_of(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return CSRF_RE.search(page.text).group(1)


# --- fixtures (imported by tests/cases/conftest.py and tests/tips/conftest.py) -------------------


@pytest.fixture
def quick_argon2(monkeypatch):
    """Real argon2id with light cost parameters, so that each test's logins take milliseconds."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


@pytest.fixture
def app(store, quick_argon2):
    """The real app on a seeded store (users of every role, two institutions in two cities)."""
    from fundguard.web.app import create_app

    seed_users_and_institutions()
    return create_app()


@pytest.fixture
def as_user(app):
    """``as_user("sup3204")``: a TestClient logged in as that user (cached per test)."""
    clients = {}

    def get(username: str):
        if username not in clients:
            clients[username] = login(app, username)
        return clients[username]

    return get
