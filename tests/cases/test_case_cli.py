"""``fundguard cases`` commands: clue exchange round trip and the overdue sweep."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fundguard.cli import app


def test_clue_file_import_then_export_and_overdue_listing(store, tmp_path):
    src = tmp_path / "in.json"
    doc = {
        "format": "fundguard.clue-exchange",
        "version": 1,
        "sender": {"kind": "region", "code": "500000", "name": "重庆市医疗保障局"},
        "clues": [{"external_id": "CQ-1", "institution_code": "H1", "subjects": ["X"], "amount": "10.00"}],
    }
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["cases", "clues-import", str(src)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.splitlines()[0])["merged"] is False
    out = tmp_path / "out.xlsx"
    r = runner.invoke(app, ["cases", "clues-export", str(out), "--id", "1", "--sender-code", "320400"])
    assert r.exit_code == 0 and out.stat().st_size > 0
    assert runner.invoke(app, ["cases", "sweep-rectification"]).exit_code == 0
    assert runner.invoke(app, ["cases", "overdue"]).exit_code == 0
