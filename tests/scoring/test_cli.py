"""The ``fundguard points`` commands through a real subprocess (contract: points status --json)."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from ._helpers import add_person, decide, run_cli


@pytest.fixture
def env(store, cli_env):
    return {**cli_env, "FUNDGUARD_DATABASE_URL": store}


def test_status_json_for_a_person_without_entries(env):
    result = run_cli("points", "status", "D999000000001", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "status": "active",
        "year_points": 0,
        "until": None,
        "barred_until": None,
    }


def test_status_json_of_a_suspended_person_on_a_date(session, person, env):
    decide(session, person, 9, date(2025, 3, 1))
    result = run_cli("points", "status", person, "--on", "2025-03-15", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "status": "suspended",
        "year_points": 9,
        "until": "2025-04-01",
        "barred_until": None,
    }


def test_status_with_a_malformed_date_exits_two(env):
    result = run_cli("points", "status", "D1", "--on", "2025-02-30", "--json", env=env)
    assert result.returncode == 2
    assert "DATE_INVALID" in result.stderr


def test_add_and_approve_then_list(session, person, env):
    result = run_cli(
        "points", "add", person, "--points", "5", "--behaviour", "V-9", "--admdvs", "110101", "--operator", "稽核员",
        "--approve-as", "审核员", "--date", "2025-06-02", "--json", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "approved"
    listed = json.loads(run_cli("points", "list", person, "--json", env=env).stdout)
    assert [(r["kind"], r["points"], r["behaviour_code"]) for r in listed] == [("decision", 5, "V-9")]


def test_add_for_a_person_not_in_master_data_exits_two_and_writes_nothing(env):
    result = run_cli(
        "points", "add", "D000000000404", "--points", "5", "--behaviour", "V-9", "--admdvs", "110101",
        "--operator", "稽核员", "--approve-as", "审核员", env=env,
    )  # fmt: skip
    assert result.returncode == 2
    assert "PERSON_UNKNOWN" in result.stderr and "人员库" in result.stderr
    assert json.loads(run_cli("points", "list", "--json", env=env).stdout) == []


def test_add_with_points_outside_the_band_exits_two(person, env):
    result = run_cli(
        "points", "add", person, "--points", "9", "--behaviour", "V-9", "--admdvs", "110101", "--operator", "x",
        env=env,
    )  # fmt: skip
    assert result.returncode == 2 and "POINTS_BAND_MISMATCH" in result.stderr


def test_appeal_file_after_deadline_exits_two(session, person, env):
    entry = decide(session, person, 4, date(2025, 9, 29))
    late = run_cli("points", "appeal", "file", str(entry.seq), "--reason", "不服", "--operator", "本人",
                   "--date", "2025-10-21", env=env)  # fmt: skip
    assert late.returncode == 2 and "APPEAL_LATE" in late.stderr
    ok = run_cli("points", "appeal", "file", str(entry.seq), "--reason", "不服", "--operator", "本人",
                 "--date", "2025-10-20", env=env)  # fmt: skip
    assert ok.returncode == 0, ok.stderr


def test_repair_command_lowers_the_year_total(session, person, env):
    decide(session, person, 3, date(2025, 2, 1))
    result = run_cli("points", "repair", person, "--activity", "training", "--operator", "经办人",
                     "--date", "2025-02-03", env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    status = json.loads(run_cli("points", "status", person, "--on", "2025-02-03", "--json", env=env).stdout)
    assert status["year_points"] == 2


def test_export_blocked_list_as_csv_and_json_for_his(session, person, env, tmp_path):
    other = add_person(session, "D110101000002", "李医生")
    decide(session, person, 9, date(2025, 3, 1))
    decide(session, other, 12, date(2025, 3, 5))
    out_json, out_csv = tmp_path / "blocked.json", tmp_path / "blocked.csv"
    assert (
        run_cli(
            "points", "export", "blocked", "--on", "2025-03-10", "--out", str(out_json), env=env
        ).returncode
        == 0
    )
    assert (
        run_cli(
            "points", "export", "blocked", "--on", "2025-03-10", "--out", str(out_csv), env=env
        ).returncode
        == 0
    )
    rows = json.loads(out_json.read_text(encoding="utf-8"))
    assert [(r["prac_psn_code"], r["status"], r["until"], r["barred_until"]) for r in rows] == [
        (person, "suspended", "2025-04-01", None),
        (other, "terminated", None, "2028-03-05"),
    ]
    with out_csv.open(encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh))
    assert table[0][:3] == ["人员编码", "姓名", "资格状态"]
    assert [r[1] for r in table[1:]] == ["张医生", "李医生"]


def test_export_notification_lists_route_pharmacists_to_the_drug_regulator(session, person, env, tmp_path):
    pharmacist = add_person(session, "Y110101000003", "王药师", psn_type="3")
    decide(session, person, 5, date(2025, 3, 1))
    decide(session, pharmacist, 4, date(2025, 3, 2))
    health, drug = tmp_path / "weijian.xlsx", tmp_path / "yaojian.csv"
    for dept, out in (("health", health), ("drug", drug)):
        result = run_cli("points", "export", "notify", "--department", dept, "--since", "2025-01-01",
                         "--until", "2025-12-31", "--out", str(out), env=env)  # fmt: skip
        assert result.returncode == 0, result.stderr
    sheet = load_workbook(health).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [person]
    with drug.open(encoding="utf-8-sig") as fh:
        assert [r[0] for r in list(csv.reader(fh))[1:]] == [pharmacist]
