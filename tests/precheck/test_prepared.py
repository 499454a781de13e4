"""Prepared statements read and write exactly what SQLAlchemy Core reads and writes, on both stores."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, or_, select

from fundguard import db
from fundguard.precheck.models import HistoryLine, HistoryVisit
from fundguard.precheck.prepared import Prepared, Statements

L = HistoryLine.__table__.c
V = HistoryVisit.__table__.c


def _lines(n: int) -> list[dict]:
    return [
        {
            "mdtrt_id": "M1",
            "feedetl_sn": f"S{i}",
            "psn_no": "P1",
            "fixmedins_code": "H1",
            "fee_ocur_time": datetime(2026, 3, 1, 9, i, 30, 250_000),
            "med_list_codg": "X01",
            "cnt": Decimal("1.2500") * (i + 1),
            "source": "precheck",
            "batch_id": "",
        }
        for i in range(n)
    ]


def test_insert_and_select_round_trip_like_core(store) -> None:
    statements = Statements()
    rows = _lines(5)
    with db.get_engine().begin() as conn:
        statements.insert(conn, HistoryLine.__table__, tuple(rows[0])).run_many(conn, rows)
        visit = {"mdtrt_id": "M1", "psn_no": "P1", "fixmedins_code": "H1", "gend": None, "med_type": "21",
                 "begntime": datetime(2026, 3, 1, 8), "endtime": None, "dscg_maindiag_code": None,
                 "source": "precheck", "batch_id": ""}  # fmt: skip
        statements.insert(conn, HistoryVisit.__table__, tuple(visit)).run_many(conn, [visit])
    query = (
        select(L.feedetl_sn, L.fee_ocur_time, L.cnt, V.gend, V.endtime, V.fixmedins_code.label("visit_code"))
        .join_from(HistoryLine.__table__, HistoryVisit.__table__, V.mdtrt_id == L.mdtrt_id)
        .where(
            L.psn_no == bindparam("psn"),
            L.fee_ocur_time >= bindparam("lo", type_=L.fee_ocur_time.type),
            or_(L.source == "precheck", L.source == "lake"),  # literal values are parameters too
        )
        .order_by(L.feedetl_sn)
        .limit(3)
    )
    params = {"psn": "P1", "lo": datetime(2026, 3, 1, 9, 1, 30, 250_000)}
    with db.get_engine().connect() as conn:
        core = [dict(r) for r in conn.execute(query, params).mappings()]
        prepared = statements.get(conn, "q", lambda: query)
        assert prepared.rows(conn, params) == core
        assert prepared.rows(conn, params) == core  # result conversions kept from the first call
    assert [r["feedetl_sn"] for r in core] == ["S1", "S2", "S3"]
    assert core[0]["fee_ocur_time"] == datetime(2026, 3, 1, 9, 1, 30, 250_000)
    assert core[0]["cnt"] == Decimal("2.5")
    assert (core[0]["gend"], core[0]["endtime"], core[0]["visit_code"]) == (None, None, "H1")


def test_expanding_parameters_are_refused(store) -> None:
    query = select(L.feedetl_sn).where(L.feedetl_sn.in_(bindparam("sns", expanding=True)))
    with pytest.raises(ValueError, match="expanding"):
        Prepared(query, db.get_engine().dialect)


def test_driver_errors_are_sqlalchemy_errors_and_leave_nothing_written(store) -> None:
    from sqlalchemy import func
    from sqlalchemy.exc import DBAPIError, IntegrityError

    statements = Statements()
    rows = _lines(2)
    with db.get_engine().connect() as conn:  # no transaction yet: the insert joins the one it begins
        insert = statements.insert(conn, HistoryLine.__table__, tuple(rows[0]))
        insert.run_many(conn, rows)
        conn.commit()
    count = select(func.count()).select_from(HistoryLine.__table__)
    with db.get_engine().connect() as conn, pytest.raises(IntegrityError):
        insert.run_many(conn, _lines(3))  # S0 and S1 exist: the unique key refuses the batch
    with db.get_engine().connect() as conn:
        assert conn.execute(count).scalar() == 2
        insert.run_many(conn, [dict(rows[0], feedetl_sn="S9")])
        conn.rollback()
        assert conn.execute(count).scalar() == 2  # rolled back with the caller's transaction
        missing = Prepared(select(L.feedetl_sn).where(L.psn_no == bindparam("psn")), conn.dialect)
        conn.exec_driver_sql("DROP TABLE precheck_history_line")
        with pytest.raises(DBAPIError, match="precheck_history_line"):
            missing.rows(conn, {"psn": "P1"})


def test_sqlite_datetime_text_is_sqlalchemys_own() -> None:
    """The fast SQLite datetime conversion writes exactly the text SQLAlchemy writes, for every kind of value."""
    from datetime import date, timedelta, timezone

    from sqlalchemy import DateTime
    from sqlalchemy.dialects import sqlite

    from fundguard.precheck.prepared import _bind_processor

    dialect = sqlite.dialect()
    ours = _bind_processor(DateTime(), dialect)
    theirs = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert ours is not theirs  # the fast path is in use
    values = [
        None,
        datetime(2026, 3, 1, 9, 40),
        datetime(2026, 3, 1, 9, 40, 0, 7),
        datetime(1, 1, 1),
        datetime(999, 12, 31, 23, 59, 59, 999_999),
        datetime(2026, 3, 1, 9, 40, tzinfo=timezone(timedelta(hours=8))),
        date(2026, 3, 1),
    ]
    for value in values:
        assert ours(value) == theirs(value), value
    with pytest.raises(TypeError):
        ours("2026-03-01 09:40:00")


def test_custom_sqlite_storage_format_keeps_sqlalchemys_conversion() -> None:
    from sqlalchemy.dialects import sqlite

    from fundguard.precheck.prepared import _bind_processor

    short = sqlite.DATETIME(truncate_microseconds=True)
    process = _bind_processor(short, sqlite.dialect())
    assert process(datetime(2026, 3, 1, 9, 40, 0, 7)) == "2026-03-01 09:40:00"
