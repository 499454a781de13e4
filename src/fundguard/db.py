"""Relational store: engine, sessions and the declarative base shared by every domain.

SQLite under ``$FUNDGUARD_HOME`` is the embedded default; PostgreSQL when
``FUNDGUARD_DATABASE_URL`` is set. The schema is created by Alembic (``fundguard db upgrade``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import MetaData, Numeric, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from fundguard.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Money(TypeDecorator):
    """Yuan with exactly two decimals, as ``Decimal`` on both SQLite and PostgreSQL."""

    impl = Numeric(18, 2)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_ENGINES: dict[str, Engine] = {}


def _engine_for(url: str) -> Engine:
    engine = _ENGINES.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _ENGINES[url] = engine
    return engine


def get_engine() -> Engine:
    return _engine_for(get_settings().effective_database_url)


_MAKERS: dict[Engine, sessionmaker[Session]] = {}


def reset_engines() -> None:
    """Dispose every engine (after the environment changed, or in a forked child)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
    _MAKERS.clear()


def maker_for(engine: Engine) -> sessionmaker[Session]:
    """One ``sessionmaker`` per engine (making one per request costs more than a small query)."""
    maker = _MAKERS.get(engine)
    if maker is None:
        maker = _MAKERS[engine] = sessionmaker(bind=engine, expire_on_commit=False)
    return maker


def session_factory() -> sessionmaker[Session]:
    return maker_for(get_engine())


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error (nothing half-written)."""
    session = session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def request_session() -> Iterator[Session]:
    """FastAPI dependency: one unit of work per request, committed on return, rolled back on error."""
    with session_scope() as session:
        yield session
