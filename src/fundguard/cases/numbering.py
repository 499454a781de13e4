"""Sequence numbers per key and year (文号、问题编号), safe under concurrent writers.

The counter row is incremented with one ``UPDATE … RETURNING`` statement, which the database
serialises (row lock on PostgreSQL, write lock on SQLite), so two writers never get the same
number. A missing counter row is created in a savepoint; losing that race is harmless.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fundguard.cases.models import DocumentNumber


def next_seq(session: Session, key: str, year: int) -> int:
    stmt = (
        update(DocumentNumber)
        .where(DocumentNumber.agency == key, DocumentNumber.year == year)
        .values(last_seq=DocumentNumber.last_seq + 1)
        .returning(DocumentNumber.last_seq)
    )
    value = session.execute(stmt).scalar_one_or_none()
    if value is not None:
        return int(value)
    try:
        with session.begin_nested():
            session.add(DocumentNumber(agency=key, year=year, last_seq=0))
    except IntegrityError:
        pass
    return int(session.execute(stmt).scalar_one())
