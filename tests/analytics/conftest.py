"""Shared analytics fixtures: the labelled mini city (analysed once per test module), a small
synthetic city analysed once per module, and HTTP helpers for the analytics pages and API."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from fundguard.analytics import minicity, service, source

PASSWORD = "Secret-pass-123"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
# username: (role, region, fixmedins_code); the synthetic city lies in 3204 (常州), districts 320402 …
USERS = {
    "sup3204": ("supervisor", "3204", None),
    "sup320402": ("supervisor", "320402", None),
    "sup3205": ("supervisor", "3205", None),
    "leader1": ("leader", "", None),
    "admin1": ("admin", "", None),
    "inst1": ("institution", "", "H32040200001"),
}


@pytest.fixture(scope="module")
def city() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    return minicity.generate(seed=minicity_seed())


@pytest.fixture(scope="module")
def analysed(city):
    frames, anomalies = city
    return service.analyse(source.open_frames(frames)), anomalies


def minicity_seed() -> int:
    from fundguard.analytics.evaluate import TUNING_SEED

    return TUNING_SEED


@pytest.fixture(scope="session")
def synth_city(tmp_path_factory):
    """A small synthetic city (scale 0.05, seed 11: 9 institutions in 6 districts of 3204, one ring)
    analysed once per test process: (result, anomalies). Tests must not modify it."""
    from fundguard.analytics import evaluate

    if not evaluate.synth_available():
        pytest.skip("synthetic-city generator not installed")
    folder, _ = evaluate.make_city(tmp_path_factory.mktemp("synth") / "city", 11, 0.05, "synth")
    anomalies = pd.read_csv(folder / "anomalies.csv", dtype=str)
    return service.analyse(source.open_folder(folder)), anomalies


@pytest.fixture
def quick_argon2(monkeypatch):
    """Real argon2id with light cost parameters, so that each test's logins take milliseconds."""
    from argon2 import PasswordHasher

    from fundguard.auth import service as auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


@pytest.fixture
def analytics_web(store, synth_city, quick_argon2):
    """(client, result, run_id): the synthetic city's run stored in a fresh store, one user per
    role and region, the real app."""
    from fastapi.testclient import TestClient

    from fundguard import db
    from fundguard.auth import service as auth
    from fundguard.web.app import create_app

    result, _ = synth_city
    with db.session_scope() as session:
        for username, (role, region, inst) in USERS.items():
            auth.create_user(session, username, PASSWORD, role, region=region, fixmedins_code=inst)
        run_id = service.save_run(session, result, "synthetic city seed 11")
    return TestClient(create_app(), raise_server_exceptions=False), result, run_id


def login(client, username: str) -> None:
    page = client.get("/login")
    token = CSRF_RE.search(page.text).group(1)
    res = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert res.status_code == 303, res.text
