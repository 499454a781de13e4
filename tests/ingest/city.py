"""A tiny, valid input folder (one institution, two visits, every contract table) for ingest tests."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HOSPITAL = "H11010500001"
PHARMACY = "P11010500002"
DOCTOR = "D110105000001"
NURSE = "N110105000002"


def rows() -> dict[str, list[dict[str, str]]]:
    return {
        "fixmedins": [
            {
                "fixmedins_code": HOSPITAL,
                "fixmedins_name": "朝阳区第一医院",
                "fixmedins_type": "1",
                "hosp_lv": "01",
                "admdvs": "110105",
                "aprv_bed_cnt": "300",
            },
            {
                "fixmedins_code": PHARMACY,
                "fixmedins_name": "康民大药房",
                "fixmedins_type": "2",
                "hosp_lv": "",
                "admdvs": "110105",
                "aprv_bed_cnt": "",
            },
        ],
        "practitioner": [
            {
                "prac_psn_code": DOCTOR,
                "prac_psn_name": "张医生",
                "prac_psn_type": "1",
                "fixmedins_code": HOSPITAL,
                "dept_codg": "A03",
                "begn_date": "2020-01-01",
            },
            {
                "prac_psn_code": NURSE,
                "prac_psn_name": "李护士",
                "prac_psn_type": "2",
                "fixmedins_code": HOSPITAL,
                "dept_codg": "A03",
                "begn_date": "",
            },
        ],
        "catalog": [
            {
                "med_list_codg": "XA01ABC123",
                "name": "阿莫西林胶囊",
                "list_type": "101",
                "chrgitm_lv": "01",
                "pric_uplmt_amt": "12.5000",
            },
            {
                "med_list_codg": "001201000010000",
                "name": "床位费",
                "list_type": "201",
                "chrgitm_lv": "01",
                "pric_uplmt_amt": "50",
            },
        ],
        "mdtrt": [
            {
                "mdtrt_id": "M001",
                "psn_no": "P0001",
                "gend": "1",
                "age": "45",
                "fixmedins_code": HOSPITAL,
                "med_type": "21",
                "begntime": "2024-03-01 08:00:00",
                "endtime": "2024-03-05 10:00:00",
                "psn_name": "王某",
                "insu_admdvs": "110105",
            },
            {
                "mdtrt_id": "M002",
                "psn_no": "P0002",
                "gend": "2",
                "age": "30",
                "fixmedins_code": HOSPITAL,
                "med_type": "11",
                "begntime": "2024-04-02 09:30:00",
                "endtime": "",
                "psn_name": "赵某",
                "insu_admdvs": "110105",
            },
        ],
        "setl": [
            {
                "setl_id": "S001",
                "mdtrt_id": "M001",
                "psn_no": "P0001",
                "fixmedins_code": HOSPITAL,
                "setl_time": "2024-03-05 11:00:00",
                "medfee_sumamt": "225.00",
                "fund_pay_sumamt": "180.00",
            },
        ],
        "fee_list": [
            {
                "feedetl_sn": "F0001",
                "mdtrt_id": "M001",
                "psn_no": "P0001",
                "fixmedins_code": HOSPITAL,
                "fee_ocur_time": "2024-03-01 09:00:00",
                "med_list_codg": "001201000010000",
                "cnt": "4",
                "pric": "50",
                "det_item_fee_sumamt": "200.00",
                "bilg_dr_codg": DOCTOR,
                "chrgitm_lv": "01",
            },
            {
                "feedetl_sn": "F0002",
                "mdtrt_id": "M001",
                "psn_no": "P0001",
                "fixmedins_code": HOSPITAL,
                "fee_ocur_time": "2024-03-02 10:00:00",
                "med_list_codg": "XA01ABC123",
                "cnt": "2",
                "pric": "12.5",
                "det_item_fee_sumamt": "25.00",
                "bilg_dr_codg": DOCTOR,
                "chrgitm_lv": "01",
            },
            {
                "feedetl_sn": "F0003",
                "mdtrt_id": "M001",
                "psn_no": "P0001",
                "fixmedins_code": HOSPITAL,
                "fee_ocur_time": "2024-03-03 10:00:00",
                "med_list_codg": "XA01ABC123",
                "cnt": "-1",
                "pric": "12.5",
                "det_item_fee_sumamt": "-12.50",
                "bilg_dr_codg": DOCTOR,
                "chrgitm_lv": "01",
            },
            {
                "feedetl_sn": "F0004",
                "mdtrt_id": "M002",
                "psn_no": "P0002",
                "fixmedins_code": HOSPITAL,
                "fee_ocur_time": "2024-04-02 09:45:00",
                "med_list_codg": "XA01ABC123",
                "cnt": "1",
                "pric": "12.5",
                "det_item_fee_sumamt": "12.50",
                "bilg_dr_codg": DOCTOR,
                "chrgitm_lv": "01",
            },
        ],
        "diag": [
            {
                "mdtrt_id": "M001",
                "diag_code": "I10.x00",
                "diag_name": "高血压",
                "diag_type": "1",
                "maindiag_flag": "1",
            },
            {
                "mdtrt_id": "M001",
                "diag_code": "BNG010",
                "diag_name": "眩晕病",
                "diag_type": "2",
                "maindiag_flag": "0",
            },
        ],
        "oprn": [
            {
                "mdtrt_id": "M001",
                "oprn_oprt_code": "36.0601",
                "oprn_oprt_name": "冠状动脉支架置入",
                "oprn_oprt_date": "2024-03-02",
            }
        ],
        "trace": [
            {
                "feedetl_sn": "F0002",
                "drug_trac_codg": "81234567890123456789",
                "fixmedins_code": HOSPITAL,
                "scan_time": "2024-03-02 10:00:00",
            }
        ],
        "purchase": [
            {
                "fixmedins_code": PHARMACY,
                "med_list_codg": "XA01ABC123",
                "purc_date": "2024-03-01",
                "cnt": "100",
                "pric": "10.2",
            }
        ],
        "stock": [
            {
                "fixmedins_code": PHARMACY,
                "med_list_codg": "XA01ABC123",
                "stock_date": "2024-03-01",
                "cnt": "20",
            }
        ],
        "sale_nonins": [
            {
                "fixmedins_code": PHARMACY,
                "med_list_codg": "XA01ABC123",
                "sale_time": "2024-03-04 15:00:00",
                "cnt": "3",
            }
        ],
        "points": [
            {
                "prac_psn_code": DOCTOR,
                "points": "3",
                "decision_date": "2024-05-01",
                "admdvs": "110105",
                "reason": "外地记分",
                "case_ref": "BJ-2024-01",
            }
        ],
    }


def write_csv(folder: Path, table: str, records: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    return path


def write_folder(
    folder: Path, fmt: str = "csv", encoding: str = "utf-8", tables: list[str] | None = None
) -> Path:
    """Write the tiny city as CSV (in ``encoding``) or as all-string Parquet."""
    for table, records in rows().items():
        if tables is not None and table not in tables:
            continue
        if fmt == "csv":
            write_csv(folder, table, records, encoding)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            columns = {k: [r[k] or None for r in records] for k in records[0]}
            pq.write_table(pa.table(columns), folder / f"{table}.parquet")
    return folder


def row_count() -> dict[str, int]:
    return {table: len(records) for table, records in rows().items()}
