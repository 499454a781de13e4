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
    assert migrate.current_heads(store) == _script_heads(store)


def _script_heads(url: str) -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(migrate.alembic_config(url)).get_heads())
