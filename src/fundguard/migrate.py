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


def current_heads(url: str | None = None) -> set[str]:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(url or get_settings().effective_database_url)
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
