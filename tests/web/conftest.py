"""Web fixtures: the real app on a real store, users of each role, and a little ingest data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_helpers import PASSWORD, USERS, seed

from fundguard import db
from fundguard.auth import service
from fundguard.web.app import create_app


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch):
    """Real argon2id with light cost parameters, so that each test's logins take milliseconds."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


@pytest.fixture
def web(store):
    """(client, quarantine row ids by institution) on a seeded store with one user per role."""
    with db.session_scope() as session:
        for username, (role, region, inst) in USERS.items():
            service.create_user(session, username, PASSWORD, role, region=region, fixmedins_code=inst)
        ids = seed(session)
    client = TestClient(create_app(), raise_server_exceptions=False)
    return client, ids
