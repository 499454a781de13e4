"""The ledger is append-only and hash-chained: any change or deletion is detected."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, text

from fundguard.scoring import ledger, service
from fundguard.scoring.models import PointsEntry

from ._helpers import decide, run_cli


def _three_entries(session, person):
    decide(session, person, 2, date(2025, 1, 5))
    decide(session, person, 3, date(2025, 2, 5))
    decide(session, person, 4, date(2025, 3, 5))


def test_appended_entries_form_an_intact_chain(session, person):
    _three_entries(session, person)
    assert ledger.verify_ledger(session) == []


def test_altering_points_directly_in_the_database_is_detected(session, person):
    _three_entries(session, person)
    session.execute(text("UPDATE points_entry SET points = 1 WHERE seq = 2"))
    session.commit()
    breaks = ledger.verify_ledger(session)
    assert [b.seq for b in breaks] == [2]
    assert "改动" in breaks[0].reason


def test_deleting_an_entry_in_the_middle_is_detected(session, person):
    _three_entries(session, person)
    session.execute(text("DELETE FROM points_entry WHERE seq = 2"))
    session.commit()
    assert {b.seq for b in ledger.verify_ledger(session)} == {3}


def test_deleting_the_last_entry_is_detected(session, person):
    _three_entries(session, person)
    session.execute(text("DELETE FROM points_entry WHERE seq = 3"))
    session.commit()
    breaks = ledger.verify_ledger(session)
    assert breaks and "末尾" in breaks[-1].reason


def test_correction_is_a_reversal_entry_not_an_edit(session, person):
    entry = decide(session, person, 9, date(2025, 3, 1))
    assert service.status_on(session, person, date(2025, 3, 2)).status == "suspended"
    service.reverse(session, entry.seq, operator="审核员", reason="认定对象错误", on=date(2025, 3, 5))
    session.commit()
    rows = session.execute(select(PointsEntry.kind, PointsEntry.points).order_by(PointsEntry.seq)).all()
    assert [tuple(r) for r in rows] == [("decision", 9), ("reversal", -9)]
    status = service.status_on(session, person, date(2025, 3, 2))
    assert (status.status, status.year_points) == ("active", 0)
    assert ledger.verify_ledger(session) == []


def test_verify_log_command_reports_tampering(session, person, store, cli_env):
    _three_entries(session, person)
    env = {**cli_env, "FUNDGUARD_DATABASE_URL": store}
    ok = run_cli("verify-log", env=env)
    assert ok.returncode == 0, ok.stderr
    assert "points" in ok.stdout
    session.execute(text("UPDATE points_entry SET behaviour_code = 'V-1' WHERE seq = 1"))
    session.commit()
    bad = run_cli("verify-log", env=env)
    assert "链 points 第 1 条" in bad.stderr and "tampering detected" in bad.stderr
    assert session.scalar(select(func.count()).select_from(PointsEntry)) == 3


def test_verify_log_exits_one_on_tampering(session, person, store, cli_env):
    _three_entries(session, person)
    session.execute(text("UPDATE points_entry SET points = 12 WHERE seq = 2"))
    session.commit()
    assert run_cli("verify-log", env={**cli_env, "FUNDGUARD_DATABASE_URL": store}).returncode == 1
