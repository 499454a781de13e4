"""The migrated schema must equal the models: a model change without its migration fails here."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

import fundguard.all_models  # noqa: F401
from fundguard import migrate
from fundguard.db import Base


def test_migrations_reach_every_head_and_match_the_models(store):
    engine = create_engine(store)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
    assert migrate.applied_revisions(store) == migrate.all_revisions(store)
    assert migrate.ensure_current(store) is False


def test_a_fresh_home_is_migrated_by_the_first_command(fg_home):
    from fundguard.settings import get_settings

    url = get_settings().effective_database_url
    assert migrate.ensure_current(url) is True
    assert migrate.applied_revisions(url) == migrate.all_revisions(url)
