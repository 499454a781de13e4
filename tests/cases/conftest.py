"""Fixtures of the case tests that go over HTTP: the real app on a real store, one user per role."""

from __future__ import annotations

import pytest
from case_web import login, seed_users_and_institutions

from fundguard.auth import service


@pytest.fixture
def quick_argon2(monkeypatch):
    """Real argon2id with light cost parameters, so that each test's logins take milliseconds."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


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
