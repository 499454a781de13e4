"""Auth fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch):
    """Real argon2id with light cost parameters (production uses the library defaults)."""
    from argon2 import PasswordHasher

    from fundguard.auth import service

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
