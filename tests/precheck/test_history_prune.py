"""History fee lines older than any rule window are pruned; visits, diagnoses and trace codes stay."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import typer
from fastapi.testclient import TestClient
from precheck_helpers import line, visit
from sqlalchemy import func, select
from typer.testing import CliRunner

from fundguard import db
from fundguard.auth.models import AuditEvent
from fundguard.precheck import cli, history
from fundguard.precheck.models import HistoryLine, HistoryTrace, HistoryVisit
from fundguard.profiles import Profile

URL = "/api/v1/precheck"


def _settle(client: TestClient, raw: str, mdtrt_id: str, day: str, **fee) -> None:
    body = visit([line(f"{mdtrt_id}-1", fee_ocur_time=f"{day} 09:40:00", **fee)], mdtrt_id=mdtrt_id,
                 begntime=f"{day} 09:30:00")  # fmt: skip
    assert client.post(URL, json=body, headers={"X-API-Key": raw}).status_code == 200


def _count(model) -> int:
    with db.session_scope() as s:
        return s.scalar(select(func.count()).select_from(model))


def _lines() -> list[str]:
    with db.session_scope() as s:
        return sorted(s.scalars(select(HistoryLine.mdtrt_id)))


def test_lines_before_the_retention_are_deleted_and_nothing_else(all_lines, api) -> None:
    client, raw = api
    _settle(client, raw, "OLD", "2026-03-01", drug_trac_codg=["81234567890123456789"])
    _settle(client, raw, "EDGE", "2026-03-16")
    _settle(client, raw, "NEW", "2026-12-01")
    assert history.WRITER.flush()
    with db.session_scope() as s:  # a line copied from the lake is pruned the same way
        s.add(HistoryLine(mdtrt_id="LAKE", feedetl_sn="L1", psn_no="P1", fixmedins_code="H1",
                          fee_ocur_time=datetime(2025, 1, 5, 8), med_list_codg="X", cnt=Decimal(1),
                          source=history.LAKE, batch_id="b1"))  # fmt: skip
    on = date(2027, 4, 20)  # national retention 400 days: cutoff 2026-03-16 00:00
    with db.session_scope() as s:
        assert history.prune_lines(s, on, dry_run=True) == (datetime(2026, 3, 16), 2)
    assert _lines() == ["EDGE", "LAKE", "NEW", "OLD"]  # a dry run deletes nothing
    with db.session_scope() as s:
        assert history.prune_lines(s, on) == (datetime(2026, 3, 16), 2)
    assert _lines() == ["EDGE", "NEW"]
    assert _count(HistoryVisit) == 3 and _count(HistoryTrace) == 1  # first sex and earlier sales stay


def test_the_retention_is_the_profiles(all_lines, api, monkeypatch) -> None:
    client, raw = api
    _settle(client, raw, "A", "2026-03-01")
    assert history.WRITER.flush()
    real = Profile.__getitem__
    monkeypatch.setattr(
        Profile, "__getitem__",
        lambda self, key: 366 if key == "precheck.history_line_retention_days" else real(self, key),
    )  # fmt: skip
    assert history.line_cutoff(date(2027, 3, 2)) == datetime(2026, 3, 1)
    with db.session_scope() as s:
        assert history.prune_lines(s, date(2027, 3, 2))[1] == 0  # 2026-03-01 09:40 is inside
        assert history.prune_lines(s, date(2027, 3, 3))[1] == 1


def test_cli_prunes_and_records_it_in_the_audit_log(all_lines, api) -> None:
    client, raw = api
    _settle(client, raw, "ANCIENT", "2020-01-02")  # older than 400 days before any run of this test
    _settle(client, raw, "TODAY", date.today().isoformat())
    assert history.WRITER.flush()
    app = typer.Typer()
    cli.register(app)
    dry = CliRunner().invoke(app, ["precheck", "prune-history", "--dry-run"])
    assert dry.exit_code == 0 and "将删除 would delete 1 " in dry.output
    assert _lines() == ["ANCIENT", "TODAY"]
    done = CliRunner().invoke(app, ["precheck", "prune-history"])
    assert done.exit_code == 0 and "已删除 deleted 1 " in done.output
    assert _lines() == ["TODAY"]
    with db.session_scope() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "precheck.prune_history")).one()
    assert event.actor == "cli" and event.detail["lines"] == 1
