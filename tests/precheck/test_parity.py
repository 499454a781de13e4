"""Parity: EVERY visit of a tiny synthetic city through the API gives the batch audit's findings
(same rule_code, feedetl_sn, amount and message) for every rule pre-check evaluates — the
single-visit rules and, with the history store synced from the lake, the cross-visit rules
(split admission, impersonation, period frequency, overuse, trace code sold before)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest
from precheck_helpers import asgi_posts

from fundguard import db, lake
from fundguard.auth import service as auth_service
from fundguard.precheck import history, reload, service
from fundguard.precheck.evaluator import BATCH_ONLY_TEMPLATES
from fundguard.precheck.models import HistoryVisit
from fundguard.rules.registry import RULES
from fundguard.web.app import create_app


def _json(v):
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, date):
        return v.isoformat()
    return v


def _rows(con, sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [{k: _json(v) for k, v in zip(names, r, strict=True) if v is not None} for r in cur.fetchall()]


@pytest.mark.slow
def test_api_matches_batch_audit(store, tmp_path):
    synth = pytest.importorskip("fundguard.synth.service")
    ingest = pytest.importorskip("fundguard.ingest.service")
    from fundguard.rules import service as rules_service

    city = tmp_path / "city"
    synth.generate(city, scale=0.02, seed=1)
    ingest.ingest_folder(city)
    result = rules_service.audit(None, tmp_path / "out")
    comparable = {code for code, r in RULES.items() if r.template not in BATCH_ONLY_TEMPLATES}
    batch = Counter(
        (
            f["mdtrt_id"],
            f["rule_code"],
            f["feedetl_sn"],
            Decimal(str(f["amount"])).quantize(Decimal("0.01")),
            f["message"],
        )
        for f in result.findings.to_pylist()
        if f["rule_code"] in comparable
    )
    synced = history.sync_lake()
    assert synced and sum(c["visits"] for c in synced.values()) > 0
    con = duckdb.connect()
    lake.register_views(con)
    visits = _rows(con, "SELECT * FROM mdtrt ORDER BY mdtrt_id")
    fees, diags, traces, oprns = {}, {}, {}, {}
    for r in _rows(con, "SELECT * FROM oprn"):
        oprns.setdefault(r["mdtrt_id"], []).append(r)
    for r in _rows(con, "SELECT * FROM fee_list ORDER BY feedetl_sn"):
        fees.setdefault(r["mdtrt_id"], []).append(r)
    for r in _rows(con, "SELECT * FROM diag"):
        diags.setdefault(r["mdtrt_id"], []).append(r)
    for r in _rows(con, "SELECT t.feedetl_sn, t.drug_trac_codg FROM trace t"):
        traces.setdefault(r["feedetl_sn"], []).append(r["drug_trac_codg"])
    keys = {}
    with db.session_scope() as s:
        for code in sorted({v["fixmedins_code"] for v in visits}):
            keys[code], _ = auth_service.create_api_key(s, code, actor="test")
    reload.reset()
    service.BUCKET.reset()
    service.KEYS.clear()
    api = Counter()
    statuses = Counter()
    posts = []
    for v in visits:
        lines = []
        for f in fees.get(v["mdtrt_id"], []):
            line = {k: x for k, x in f.items() if not k.startswith("_")}
            if f["feedetl_sn"] in traces:
                line["drug_trac_codg"] = traces[f["feedetl_sn"]]
            lines.append(line)
        body = {
            "scene": "settle",
            "mdtrt": {k: x for k, x in v.items() if not k.startswith("_")},
            "diag": diags.get(v["mdtrt_id"], []),
            "oprn": oprns.get(v["mdtrt_id"], []),
            "fee_list": lines,
        }
        posts.append((body, keys[v["fixmedins_code"]]))
    answers = asgi_posts(create_app(), "/api/v1/precheck", posts)
    for v, (status, answer) in zip(visits, answers, strict=True):
        statuses[status] += 1
        assert status == 200, answer
        for f in answer["findings"]:
            if f["rule_code"] in comparable and not f["suggested_action"].startswith("急诊"):
                amount = Decimal(str(f["amount"])).quantize(Decimal("0.01"))
                api[(v["mdtrt_id"], f["rule_code"], f["feedetl_sn"], amount, f["message"])] += 1
    assert statuses == Counter({200: len(visits)})
    fired = {k[1] for k in batch}
    assert {"SPL-P01", "IMP-P01", "IMP-P02", "TRC-P01", "OVR-M01", "FRQ-N01"} <= fired, fired
    missing, extra = batch - api, api - batch
    assert not missing and not extra, (sorted(missing, key=str)[:10], sorted(extra, key=str)[:10])
    # Settled calls of visits the lake already holds never overwrite the lake's copy.
    assert history.WRITER.flush()
    with db.session_scope() as s:
        assert s.query(HistoryVisit).filter(HistoryVisit.source != "lake").count() == 0
