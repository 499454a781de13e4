"""Schema migrations (Alembic) run programmatically: ``fundguard db upgrade``.

Each domain keeps its own branch of revisions in ``migrations/versions`` (``branch_labels``
= the domain name), so domains can add tables without colliding; ``upgrade`` goes to all heads.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from fundguard.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().effective_database_url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "heads")


def _script(url: str):
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url))


def all_revisions(url: str | None = None) -> set[str]:
    return {rev.revision for rev in _script(url or get_settings().effective_database_url).walk_revisions()}


def applied_revisions(url: str | None = None) -> set[str]:
    """Revisions reachable from the database's heads through parents and ``depends_on``."""
    url = url or get_settings().effective_database_url
    script = _script(url)
    applied: set[str] = set()
    todo = list(current_heads(url))
    while todo:
        rev = script.get_revision(todo.pop())
        if rev.revision not in applied:
            applied.add(rev.revision)
            todo.extend(rev._all_down_revisions)
    return applied


def ensure_current(url: str | None = None) -> bool:
    """Upgrade the store when it lags the code (a fresh ``$FUNDGUARD_HOME`` needs no ``db upgrade``).

    Returns True when an upgrade ran.
    """
    url = url or get_settings().effective_database_url
    if applied_revisions(url) == all_revisions(url):
        return False
    upgrade(url)
    return True


def current_heads(url: str | None = None) -> set[str]:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(url or get_settings().effective_database_url)
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
