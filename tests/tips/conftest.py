"""Fixtures of the tip tests over HTTP; the helpers are shared with tests/cases (case_web.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cases"))

from case_web import login, seed_users_and_institutions  # noqa: E402

from fundguard.auth import service  # noqa: E402


@pytest.fixture
def quick_argon2(monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


@pytest.fixture
def app(store, quick_argon2):
    from fundguard.web.app import create_app

    seed_users_and_institutions()
    return create_app()


@pytest.fixture
def as_user(app):
    clients = {}

    def get(username: str):
        if username not in clients:
            clients[username] = login(app, username)
        return clients[username]

    return get
