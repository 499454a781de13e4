"""Backtest of candidate rule params over a real lake, and validation of candidate/local rule YAML."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fundguard import lake
from fundguard.errors import InputError
from fundguard.ingest.models import IngestBatch
from fundguard.rules import fixtures, service
from fundguard.timeutil import now


def _write_lake(session, tables: dict[str, list[dict]]) -> None:
    for table, rows in tables.items():
        folder = lake.batches_dir() / "B1" / table
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(fixtures.contract_arrow(table, rows), folder / "part-0.parquet")
    session.add(IngestBatch(batch_id="B1", status="committed", input_dir="test", started_at=now(), report={}))
    session.commit()


CITY = {
    "fixmedins": [
        {"fixmedins_code": "H1", "fixmedins_name": "甲", "fixmedins_type": "1", "admdvs": "110101"}
    ],
    "mdtrt": [
        {
            "mdtrt_id": "M1",
            "psn_no": "P1",
            "gend": "1",
            "age": 40,
            "fixmedins_code": "H1",
            "med_type": "21",
            "begntime": "2025-03-01 09:00:00",
            "endtime": "2025-03-05 09:00:00",
        }
    ],
    "fee_list": [
        {
            "feedetl_sn": f"F{i}",
            "mdtrt_id": "M1",
            "psn_no": "P1",
            "fixmedins_code": "H1",
            "fee_ocur_time": f"2025-03-02 {8 + i:02d}:00:00",
            "med_list_codg": "001102000050000",
            "cnt": 1,
            "pric": 20,
            "det_item_fee_sumamt": 20,
        }
        for i in (1, 2, 3)
    ]
    + [
        {
            "feedetl_sn": "F9",
            "mdtrt_id": "M1",
            "psn_no": "P1",
            "fixmedins_code": "H1",
            "fee_ocur_time": "2025-03-02 12:00:00",
            "med_list_codg": "003100000000001",
            "cnt": 1,
            "pric": 7.5,
            "det_item_fee_sumamt": 7.5,
        }
    ],
}


def test_backtest_reports_added_removed_and_amount_delta(session, tmp_path: Path) -> None:
    service.import_knowledge(session, "national")
    session.commit()
    _write_lake(session, CITY)
    candidate = tmp_path / "candidate.yml"
    candidate.write_text(
        """
rules:
  - code: FRQ-N01                 # 住院诊查费 2 per day instead of 1
    rows: [{code: "001102000050000", match: exact, max_units: 2, window_days: 1}]
  - code: GEN-L01                 # a local rule on a template: item 003100000000001 only for women
    template: gender
    category: GENDER
    rows: [{code: "003100000000001", match: exact, allowed_gend: "2"}]
""",
        encoding="utf-8",
    )
    result = service.backtest(session, candidate)
    assert result["before"] == 2 and result["after"] == 2
    assert [(r["rule_code"], r["feedetl_sn"], r["amount"]) for r in result["added"]] == [
        ("GEN-L01", "F9", "7.50")
    ]
    assert [(r["rule_code"], r["feedetl_sn"]) for r in result["removed"]] == [("FRQ-N01", "F2")]
    assert result["amount_delta"] == "-12.50"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "rules: [{code: FRQ-N01, rows: [{code: '001102000050000', max_units: 0, window_days: 1}]}]",
            "rules[0].rows[0].max_units",
        ),
        ("rules: [{code: GEN-L01, template: gender, category: NOPE, rows: []}]", "rules[0].category"),
        ("rules: [{code: bad}]", "rules.0.code"),
        ("params: {no_such_param: 1}", "params"),
    ],
)
def test_invalid_candidate_names_the_field(session, tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        service.backtest(session, path)
    assert err.value.field == field
