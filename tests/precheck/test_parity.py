"""Parity: every visit of a tiny synthetic city through the API gives the batch audit's
single-visit findings (same rule_code, feedetl_sn, amount)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest
from fastapi.testclient import TestClient

from fundguard import db, lake
from fundguard.auth import service as auth_service
from fundguard.precheck import reload, service
from fundguard.precheck.evaluator import BATCH_ONLY_TEMPLATES
from fundguard.rules.registry import RULES
from fundguard.web.app import create_app

# Single-visit templates whose batch result can depend on OTHER visits of the lake: trace codes sold
# in another visit (TRC-P01) and period frequency across visits (FRQ-N02) — pre-check sees one visit.
CROSS_VISIT_RULES = {"TRC-P01", "FRQ-N02"}
MAX_HIT, MAX_CLEAN = 120, 40


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
    comparable = {
        code
        for code, r in RULES.items()
        if r.template not in BATCH_ONLY_TEMPLATES and code not in CROSS_VISIT_RULES
    }
    batch = Counter(
        (f["mdtrt_id"], f["rule_code"], f["feedetl_sn"], Decimal(str(f["amount"])).quantize(Decimal("0.01")))
        for f in result.findings.to_pylist()
        if f["rule_code"] in comparable
    )
    con = duckdb.connect()
    lake.register_views(con)
    all_visits = _rows(con, "SELECT * FROM mdtrt ORDER BY mdtrt_id")
    # Bounded sample (latency of the full city is a bench matter): every visit with a comparable batch
    # finding up to MAX_HIT, plus MAX_CLEAN visits without one.
    hit_ids = sorted({k[0] for k in batch})[:MAX_HIT]
    clean = [v["mdtrt_id"] for v in all_visits if v["mdtrt_id"] not in set(hit_ids)][:MAX_CLEAN]
    chosen = set(hit_ids) | set(clean)
    visits = [v for v in all_visits if v["mdtrt_id"] in chosen]
    batch = Counter({k: n for k, n in batch.items() if k[0] in chosen})
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
    api = Counter()
    statuses = Counter()
    with TestClient(create_app()) as client:
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
            r = client.post("/api/v1/precheck", json=body, headers={"X-API-Key": keys[v["fixmedins_code"]]})
            statuses[r.status_code] += 1
            assert r.status_code == 200, r.text
            for f in r.json()["findings"]:
                if f["rule_code"] in comparable and not f["suggested_action"].startswith("急诊"):
                    amount = Decimal(str(f["amount"])).quantize(Decimal("0.01"))
                    api[(v["mdtrt_id"], f["rule_code"], f["feedetl_sn"], amount)] += 1
    assert sum(batch.values()) > 0, "the synthetic city should trigger single-visit rules"
    missing, extra = batch - api, api - batch
    assert not missing and not extra, (sorted(missing)[:10], sorted(extra)[:10])
