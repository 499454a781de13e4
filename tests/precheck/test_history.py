"""History store: cross-visit rules see earlier settled pre-check calls and the lake."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest
import typer
from fastapi.testclient import TestClient
from precheck_helpers import line, visit
from sqlalchemy import func, select
from typer.testing import CliRunner

from fundguard import db, lake
from fundguard.auth import service as auth_service
from fundguard.precheck import cli, history, reload, service
from fundguard.precheck.models import HistoryBatch, HistoryLine, HistoryTrace, HistoryVisit
from fundguard.profiles import get_profile
from fundguard.rules import service as rules_service
from fundguard.web.app import create_app

URL = "/api/v1/precheck"
FMT = "%Y-%m-%d %H:%M:%S"


def _stay(mdtrt_id, begin: datetime, days: int, diag="J18.000", **kw):
    body = visit(
        [line("F1", fee_ocur_time=begin.strftime(FMT), med_chrgitm_type="09")],
        mdtrt_id=mdtrt_id,
        med_type="21",
        begntime=begin.strftime(FMT),
        endtime=(begin + timedelta(days=days)).strftime(FMT),
        dscg_maindiag_code=diag,
        **kw,
    )
    for f in body["fee_list"]:
        f["feedetl_sn"] = f"{mdtrt_id}-{f['feedetl_sn']}"
    return body


def _codes(r):
    assert r.status_code == 200, r.text
    history.WRITER.flush()  # settled visits are written right after the answer, by the writer thread
    return [(f["rule_code"], f["feedetl_sn"]) for f in r.json()["findings"]]


def test_readmission_within_window_after_settled_stay_is_split_admission(api):
    client, raw = api
    h = {"X-API-Key": raw}
    window = int(get_profile()["rule.split_admission_window_days"])
    first = _stay("A1", datetime(2026, 3, 1, 9), 7)
    assert _codes(client.post(URL, json=first, headers=h)) == []  # settled, not blocked → history
    end = datetime(2026, 3, 8, 9)
    again = _stay("A2", end + timedelta(days=window - 1), 3, diag="J18.100")
    assert ("SPL-P01", None) in _codes(client.post(URL, json=dict(again, scene="pre"), headers=h))
    late = _stay("A3", end + timedelta(days=window + 1), 3, diag="J18.100")
    assert _codes(client.post(URL, json=dict(late, scene="pre"), headers=h)) == []
    # a planned readmission (exempt main diagnosis) and another institution's stay do not count
    exempt = _stay("A4", end + timedelta(days=2), 3, diag="Z51.100")
    assert _codes(client.post(URL, json=dict(exempt, scene="pre"), headers=h)) == []
    # the same visit resubmitted is never its own history
    assert _codes(client.post(URL, json=first, headers=h)) == []


def test_what_goes_into_the_history(all_lines, api, suspended):
    client, raw = api
    h = {"X-API-Key": raw}
    client.post(URL, json=dict(_stay("S1", datetime(2026, 3, 1, 9), 2), scene="pre"), headers=h)
    blocked = _stay("S2", datetime(2026, 3, 1, 9), 2)
    blocked["fee_list"][0]["bilg_dr_codg"] = suspended
    assert client.post(URL, json=blocked, headers=h).json()["decision"] == "block"
    client.post(URL, json=_stay("S3", datetime(2026, 3, 1, 9), 2), headers=h)
    client.post(URL, json=_stay("S3", datetime(2026, 3, 1, 9), 5), headers=h)  # resubmitted: replaces
    assert history.WRITER.flush()
    with db.session_scope() as s:
        rows = s.execute(select(HistoryVisit.mdtrt_id, HistoryVisit.endtime, HistoryVisit.source)).all()
        lines = s.execute(select(func.count()).select_from(HistoryLine)).scalar()
    assert rows == [("S3", datetime(2026, 3, 6, 9), "precheck")]
    assert lines == 1


def test_trace_code_sold_in_an_earlier_settled_call(api):
    client, raw = api
    h = {"X-API-Key": raw}
    code = "81234567890123456789"
    sold = visit([line("T1", med_list_codg="XJ01CRA040A001010100000", drug_trac_codg=[code])], mdtrt_id="T1")
    assert _codes(client.post(URL, json=sold, headers=h)) == []
    again = visit(
        [
            line(
                "T2",
                med_list_codg="XJ01CRA040A001010100000",
                drug_trac_codg=[code],
                fee_ocur_time="2026-03-02 10:00:00",
            )
        ],
        mdtrt_id="T2",
    )
    r = client.post(URL, json=dict(again, scene="pre"), headers=h)
    assert _codes(r) == [("TRC-P01", "T2")]
    assert "T1" in r.json()["findings"][0]["message"]


# ------------------------------------------------------------------ from the lake


@pytest.fixture
def city(store, tmp_path):
    synth = pytest.importorskip("fundguard.synth.service")
    ingest = pytest.importorskip("fundguard.ingest.service")
    synth.generate(tmp_path / "city", scale=0.02, seed=3)
    reload.reset()
    service.BUCKET.reset()
    service.KEYS.clear()
    with db.session_scope() as s:
        rules_service.import_set(s, "platform")
    ingest.ingest_folder(tmp_path / "city")
    con = duckdb.connect()
    lake.register_views(con)
    yield con
    con.close()
    reload.reset()


def _one(con, sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    assert row is not None, sql
    return dict(zip(names, row, strict=True))


def test_lake_history_split_admission_and_trace_code(city):
    inpatient = ", ".join(f"'{t}'" for t in get_profile()["rule.inpatient_med_types"])
    prev = _one(
        city,
        f"""SELECT m.*, coalesce(m.dscg_maindiag_code, d.diag_code) AS main FROM mdtrt m
        LEFT JOIN diag d ON d.mdtrt_id = m.mdtrt_id AND d.maindiag_flag = '1'
        WHERE m.med_type IN ({inpatient}) AND m.endtime IS NOT NULL
          AND coalesce(m.dscg_maindiag_code, d.diag_code) IS NOT NULL
          AND NOT regexp_matches(coalesce(m.dscg_maindiag_code, d.diag_code), '^Z51')
          AND m.begntime = (SELECT max(x.begntime) FROM mdtrt x WHERE x.psn_no = m.psn_no
                            AND x.fixmedins_code = m.fixmedins_code AND x.med_type IN ({inpatient}))
        ORDER BY m.mdtrt_id LIMIT 1""",
    )
    sold = _one(
        city,
        "SELECT t.drug_trac_codg, t.feedetl_sn, f.fee_ocur_time FROM trace t JOIN fee_list f USING (feedetl_sn)"
        " WHERE t.drug_trac_codg IN (SELECT drug_trac_codg FROM trace GROUP BY 1 HAVING count(*) = 1)"
        " ORDER BY t.feedetl_sn LIMIT 1",
    )
    with db.session_scope() as s:
        raw, _ = auth_service.create_api_key(s, prev["fixmedins_code"], actor="test")
    # the serving worker notices the committed batch and copies it in the background
    reload.refresh()
    history.wait_for_background()
    with db.session_scope() as s:
        assert s.execute(select(func.count()).select_from(HistoryBatch)).scalar() == 1
        assert s.execute(select(func.count()).select_from(HistoryTrace)).scalar() > 0
    begin = prev["endtime"] + timedelta(days=2)
    body = visit(
        [
            line("R1", fee_ocur_time=(begin + timedelta(hours=1)).strftime(FMT)),
            line("R2", med_list_codg="XJ01CRA040A001010100000", drug_trac_codg=[sold["drug_trac_codg"]],
                 fee_ocur_time=(max(begin, sold["fee_ocur_time"]) + timedelta(days=1)).strftime(FMT)),
        ],
        mdtrt_id="READMIT1", psn_no=prev["psn_no"], fixmedins_code=prev["fixmedins_code"], med_type=prev["med_type"],
        begntime=begin.strftime(FMT), dscg_maindiag_code=prev["main"], gend=prev["gend"], age=prev["age"],
    )  # fmt: skip
    with TestClient(create_app()) as client:
        r = client.post(URL, json=body, headers={"X-API-Key": raw})
    found = {(f["rule_code"], f["feedetl_sn"]): f for f in r.json()["findings"]}
    assert ("SPL-P01", None) in found, r.json()
    assert ("TRC-P01", "R2") in found
    assert sold["feedetl_sn"] in found[("TRC-P01", "R2")]["message"]
    # on demand: nothing left to copy
    app = typer.Typer()
    cli.register(app)
    result = CliRunner().invoke(app, ["precheck", "sync-history"])
    assert result.exit_code == 0, result.output
    assert "已是最新" in result.output
    result = CliRunner().invoke(app, ["precheck", "sync-history", "--batch", lake.committed_batch_ids()[0]])
    assert result.exit_code == 0 and "预审历史库同步" in result.output
    with db.session_scope() as s:
        assert s.execute(select(func.count()).select_from(HistoryBatch)).scalar() == 1


def test_lake_copy_replaces_the_precheck_copy_of_a_visit(api):
    client, raw = api
    body = _stay("L1", datetime(2026, 3, 1, 9), 2)
    client.post(URL, json=body, headers={"X-API-Key": raw})
    assert history.WRITER.flush()
    visit_rows = {
        "mdtrt": [{**body["mdtrt"], "begntime": datetime(2026, 3, 1, 9), "endtime": datetime(2026, 3, 9, 9)}],
        "fee_list": [],
        "diag": [],
        "trace": [],
    }
    rows = history.visit_rows(visit_rows, source=history.LAKE, batch_id="B1")
    with db.session_scope() as s:
        s.execute(HistoryVisit.__table__.delete().where(HistoryVisit.source == "precheck"))
        s.execute(HistoryLine.__table__.delete().where(HistoryLine.source == "precheck"))
        history._insert(s, rows)
    client.post(URL, json=_stay("L1", datetime(2026, 3, 1, 9), 4), headers={"X-API-Key": raw})
    assert history.WRITER.flush()
    with db.session_scope() as s:
        assert s.execute(select(HistoryVisit.endtime, HistoryVisit.source)).all() == [
            (datetime(2026, 3, 9, 9), "lake")
        ]
