"""Request payloads for pre-check tests."""

from __future__ import annotations

INST = "H11010500001"


def visit(lines=None, **mdtrt):
    m = {
        "mdtrt_id": "MD1",
        "psn_no": "P1",
        "gend": "1",
        "age": 34,
        "fixmedins_code": INST,
        "med_type": "11",
        "begntime": "2026-03-01 09:30:00",
    }
    m.update(mdtrt)
    fee = lines if lines is not None else [line("F1")]
    return {
        "scene": "settle",
        "mdtrt": m,
        "diag": [{"diag_code": "J06.900", "maindiag_flag": "1"}],
        "fee_list": fee,
    }


def line(sn, **kw):
    out = {
        "feedetl_sn": sn,
        "med_list_codg": "001202000010000",
        "cnt": 1,
        "pric": 12.5,
        "det_item_fee_sumamt": 12.5,
        "fee_ocur_time": "2026-03-01 09:40:00",
        "bilg_dr_codg": "D110105000001",
    }
    out.update(kw)
    return out
