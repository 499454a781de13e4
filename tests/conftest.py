"""Shared fixtures: an isolated FUNDGUARD_HOME per test and a real, migrated relational store.

Store-backed tests run on SQLite always and on PostgreSQL too when ``FUNDGUARD_DATABASE_URL``
points at a server (CI sets it). Each test gets a fresh database cloned from a template that
is migrated once per xdist worker, so tests never see each other's rows. No database mocks.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fundguard import db, migrate, profiles, settings

pytest_plugins = ["browser"]

PG_URL = os.environ.get("FUNDGUARD_DATABASE_URL", "")
SHARED = Path(__file__).resolve().parents[2] / "shared"
STORE_BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL.startswith("postgresql") else [])


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def reset_caches() -> None:
    settings.reset_settings_cache()
    profiles.reset_profile_cache()
    db.reset_engines()


@pytest.fixture(autouse=True)
def fg_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test runs with its own FUNDGUARD_HOME and, by default, a SQLite store inside it."""
    home = tmp_path / "fghome"
    home.mkdir()
    monkeypatch.setenv("FUNDGUARD_HOME", str(home))
    monkeypatch.delenv("FUNDGUARD_DATABASE_URL", raising=False)
    monkeypatch.delenv("FUNDGUARD_PROFILE", raising=False)
    reset_caches()
    yield home
    reset_caches()


class _Templates:
    sqlite_file: Path | None = None
    pg_template: str | None = None


def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if _Templates.sqlite_file is None:
        path = tmp_path_factory.mktemp("tpl") / "template.db"
        migrate.upgrade(f"sqlite:///{path}")
        _Templates.sqlite_file = path
    return _Templates.sqlite_file


def _pg_admin_url() -> str:
    return make_url(PG_URL).set(database="postgres").render_as_string(hide_password=False)


def _pg_template() -> str:
    if _Templates.pg_template is None:
        # One template per test process: concurrent runs (CI, developers) never share or drop each other's.
        name = f"fgt_tpl_{_worker()}_{os.getpid()}"
        admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        migrate.upgrade(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        _Templates.pg_template = name
    return _Templates.pg_template


def pytest_sessionfinish(session, exitstatus) -> None:
    """Drop this process's PostgreSQL template database."""
    if _Templates.pg_template is None:
        return
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_Templates.pg_template}" WITH (FORCE)'))
    admin.dispose()
    _Templates.pg_template = None


@pytest.fixture(params=STORE_BACKENDS)
def store(request, fg_home: Path, tmp_path_factory, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, migrated store (SQLite file or PostgreSQL database); FUNDGUARD_DATABASE_URL points at it."""
    if request.param == "sqlite":
        path = fg_home / "fundguard.db"
        shutil.copy(_sqlite_template(tmp_path_factory), path)
        url = f"sqlite:///{path}"
        monkeypatch.setenv("FUNDGUARD_DATABASE_URL", url)
        reset_caches()
        yield url
        reset_caches()
        return
    template = _pg_template()
    name = f"fgt_{_worker()}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("FUNDGUARD_DATABASE_URL", url)
    reset_caches()
    yield url
    reset_caches()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def session(store: str):
    """An ORM session on the test's store."""
    factory = db.session_factory()
    with factory() as s:
        yield s


@pytest.fixture
def cli_env(fg_home: Path) -> dict[str, str]:
    """Environment for running ``fundguard`` in a subprocess against this test's home and store."""
    env = dict(os.environ)
    env["FUNDGUARD_HOME"] = str(fg_home)
    return env


@pytest.fixture
def province(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Activate a province profile that overrides the given keys of the national defaults."""

    def activate(overrides: dict) -> None:
        folder = tmp_path / "profiles"
        folder.mkdir(exist_ok=True)
        shutil.copy(settings.PROJECT_ROOT / "profiles" / "national.yaml", folder / "national.yaml")
        doc = {"name": "测试省", "extends": "national", "overrides": overrides}
        (folder / "testprov.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        monkeypatch.setenv("FUNDGUARD_PROFILES_DIR", str(folder))
        monkeypatch.setenv("FUNDGUARD_PROFILE", "testprov")
        reset_caches()

    return activate


@pytest.fixture(scope="session")
def spark():
    """One SparkSession per test process for every Spark test (JVM start-up takes ~10 s)."""
    pytest.importorskip("pyspark")
    from fundguard.rules import spark_engine

    return spark_engine.get_spark("local[1]")
