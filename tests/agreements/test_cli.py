"""``fundguard agreements|calendar|inspections|credit`` commands against a real store."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from fundguard.agreements import service
from fundguard.cli import app
from fundguard.db import session_scope


def test_calendar_override_and_run_due_from_the_command_line(store):
    with session_scope() as session:
        agr = service.create_agreement(session, "H1", date(2026, 1, 15), "B")
        service.pause(session, agr.id, date(2026, 1, 31), "停业装修")
    runner = CliRunner()
    r = runner.invoke(app, ["calendar", "set", "2026-03-02", "--holiday", "--reason", "演示"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["calendar", "list", "--year", "2026"])
    assert json.loads(r.output) == [{"day": "2026-03-02", "is_workday": False, "reason": "演示"}]
    r = runner.invoke(app, ["agreements", "run-due", "--on", "2026-08-01"])
    assert json.loads(r.output) == [{"agreement_id": agr.id, "from": "PAUSED", "to": "TERMINATED"}]
    r = runner.invoke(app, ["credit", "explain", "INSTITUTION", "H1", "--on", "2026-03-02"])
    assert json.loads(r.output)["grade"] == "A"
