"""Acceptance path of the data contract: a `points` input table loaded by `fundguard ingest`
drives `fundguard points status --json` (real subprocesses, real store)."""

from __future__ import annotations

import json

from ._helpers import run_cli

POINTS_CSV = """prac_psn_code,points,decision_date,admdvs,behaviour_code,reason,case_ref
D110101000001,6,2025-03-01,110101,V-9,重复收费,C1
D110101000001,3,2025-04-01,310101,,外地决定,C2
D110101000002,12,2025-05-01,440103,V-1,虚假住院,C3
"""


def test_points_decided_in_two_regions_suspend_and_one_time_twelve_bars_three_years(store, cli_env, tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "points.csv").write_text(POINTS_CSV, encoding="utf-8")
    env = {**cli_env, "FUNDGUARD_DATABASE_URL": store}
    for _ in range(2):  # the second load changes nothing
        loaded = run_cli("ingest", str(folder), env=env)
        assert loaded.returncode == 0, loaded.stderr

    def status(code: str, on: str) -> dict:
        result = run_cli("points", "status", code, "--on", on, "--json", env=env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    assert status("D110101000001", "2025-04-15") == {
        "status": "suspended", "year_points": 9, "until": "2025-05-01", "barred_until": None,
    }  # fmt: skip
    assert status("D110101000002", "2025-06-01") == {
        "status": "terminated", "year_points": 12, "until": None, "barred_until": "2028-05-01",
    }  # fmt: skip
    assert status("D110101000001", "2026-01-01") == {
        "status": "active", "year_points": 0, "until": None, "barred_until": None,
    }  # fmt: skip
