"""``fundguard audit`` end to end: ingest a folder, import knowledge, run, write files, store findings."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, text

from fundguard.contract import FINDING_COLUMNS

BIN = str(Path(sys.executable).with_name("fundguard"))


def _write(folder: Path, table: str, rows: list[dict]) -> None:
    with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def make_input(folder: Path) -> None:
    folder.mkdir()
    _write(
        folder,
        "fixmedins",
        [
            {
                "fixmedins_code": "H11010100001",
                "fixmedins_name": "示例医院",
                "fixmedins_type": "1",
                "hosp_lv": "05",
                "admdvs": "110101",
            },
        ],
    )
    _write(
        folder,
        "practitioner",
        [
            {
                "prac_psn_code": "D110101000001",
                "prac_psn_name": "张三",
                "prac_psn_type": "1",
                "fixmedins_code": "H11010100001",
            },
        ],
    )
    visit = {
        "psn_no": "P001",
        "gend": "2",
        "age": "40",
        "fixmedins_code": "H11010100001",
        "med_type": "21",
        "begntime": "2025-03-01 09:00:00",
        "endtime": "2025-03-03 09:00:00",
        "ipt_days": "2",
        "dscg_maindiag_code": "C61.x00",
        "dscg_maindiag_name": "前列腺癌",
        "adm_dept_name": "呼吸内科",
    }
    _write(folder, "mdtrt", [{"mdtrt_id": "M1", **visit}])
    _write(
        folder,
        "diag",
        [{"mdtrt_id": "M1", "diag_code": "C61.x00", "diag_name": "前列腺癌", "maindiag_flag": "1"}],
    )
    line = {
        "mdtrt_id": "M1",
        "psn_no": "P001",
        "fixmedins_code": "H11010100001",
        "cnt": "1",
        "pric": "35.50",
        "det_item_fee_sumamt": "35.50",
        "bilg_dr_codg": "D110101000001",
        "bilg_dept_name": "呼吸内科",
        "setl_id": "S1",
    }
    _write(
        folder,
        "fee_list",
        [
            # GEN-N01: 阿帕他胺片 (male only) for a female patient
            {
                "feedetl_sn": "F1",
                "fee_ocur_time": "2025-03-01 10:00:00",
                "med_list_codg": "XL02BBA326A001010102180",
                "med_chrgitm_type": "09",
                **line,
            },
            # DUP-P01: the same lab test twice at the same time
            {
                "feedetl_sn": "F2",
                "fee_ocur_time": "2025-03-01 11:00:00",
                "med_list_codg": "002501010010000",
                "med_chrgitm_type": "04",
                **line,
            },
            {
                "feedetl_sn": "F3",
                "fee_ocur_time": "2025-03-01 11:00:00",
                "med_list_codg": "002501010010000",
                "med_chrgitm_type": "04",
                **line,
            },
            # a clean bed fee (1 day of a 2-day stay)
            {
                "feedetl_sn": "F4",
                "fee_ocur_time": "2025-03-02 10:00:00",
                "med_list_codg": "001109000010000",
                "med_chrgitm_type": "01",
                **{**line, "pric": "40", "det_item_fee_sumamt": "40.00"},
            },
        ],
    )
    _write(
        folder,
        "setl",
        [
            {
                "setl_id": "S1",
                "mdtrt_id": "M1",
                "psn_no": "P001",
                "fixmedins_code": "H11010100001",
                "setl_time": "2025-03-03 10:00:00",
                "medfee_sumamt": "146.50",
                "fund_pay_sumamt": "150.00",
            }
        ],
    )


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([BIN, *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_audit_folder_writes_contract_files_and_upserts_store(
    store: str, cli_env: dict, tmp_path: Path
) -> None:
    env = {**cli_env, "FUNDGUARD_DATABASE_URL": os.environ["FUNDGUARD_DATABASE_URL"], "COLUMNS": "200"}
    make_input(tmp_path / "in")
    out = tmp_path / "out"
    res = _run(["audit", str(tmp_path / "in"), "--out", str(out)], env)
    assert res.returncode == 0, res.stderr + res.stdout
    assert "GENDER" in res.stdout and "DUPLICATE" in res.stdout
    with (out / "findings.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == FINDING_COLUMNS
        rows = list(reader)
    got = {(r["rule_code"], r["feedetl_sn"], r["amount"]) for r in rows}
    assert got == {("GEN-N01", "F1", "35.50"), ("DUP-P01", "F3", "35.50")}
    gen = next(r for r in rows if r["rule_code"] == "GEN-N01")
    assert gen["prac_psn_code"] == "D110101000001" and gen["setl_id"] == "S1" and gen["category"] == "GENDER"
    evidence = json.loads(gen["evidence"])
    assert evidence["source_file"].endswith("batch01_drug_gender_restriction_codes.csv")
    parquet = duckdb.sql(
        f"SELECT rule_code, amount FROM '{out / 'findings.parquet'}' ORDER BY rule_code"
    ).fetchall()
    assert parquet == [("DUP-P01", Decimal("35.50")), ("GEN-N01", Decimal("35.50"))]

    # a second run over the lake (no input folder) gives the same ids; the store upserts
    res2 = _run(["audit", "--out", str(tmp_path / "out2"), "--rules", "GENDER,DUP-P01"], env)
    assert res2.returncode == 0, res2.stderr
    with (tmp_path / "out2" / "findings.csv").open(encoding="utf-8") as fh:
        ids2 = {r["finding_id"] for r in csv.DictReader(fh)}
    assert ids2 == {r["finding_id"] for r in rows}
    engine = create_engine(os.environ["FUNDGUARD_DATABASE_URL"])
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT finding_id, amount FROM finding")).fetchall()
    engine.dispose()
    assert {r[0] for r in stored} == ids2 and len(stored) == 2

    # selector errors are usage errors (exit 2)
    bad = _run(["audit", "--out", str(tmp_path / "o3"), "--rules", "NOPE"], env)
    assert bad.returncode == 2
