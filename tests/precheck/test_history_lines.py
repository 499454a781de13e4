"""Settled pre-check calls keep only the fee lines a windowed rule (FREQUENCY, OVERUSE) can read,
and that changes no finding; ``precheck.history_all_lines`` keeps every line."""

from __future__ import annotations

from collections import Counter

import pytest
from precheck_helpers import line, visit
from sqlalchemy import select

from fundguard import db
from fundguard.precheck import evaluator, fastpath, history, reload, service
from fundguard.precheck.models import HistoryLine, HistoryTrace, HistoryVisit
from fundguard.precheck.schemas import PrecheckRequest
from fundguard.rules import service as rules_service

URL = "/api/v1/precheck"
WARD_ROUND = "001102000050000"  # FRQ-N01 (national table): 住院诊查费, at most 1 a day
OTHER = "XJ01CRA040A001010100000"  # no windowed rule reads it


@pytest.fixture
def national(api):
    with db.session_scope() as s:
        rules_service.import_knowledge(s, "national")
    reload.refresh()
    return api


def _settled_day(mdtrt_id: str, day: int, trace: str | None = None) -> dict:
    when = f"2026-03-{day:02d}"
    other = line(f"{mdtrt_id}-2", med_list_codg=OTHER, fee_ocur_time=f"{when} 11:00:00")
    if trace:
        other["drug_trac_codg"] = [trace]
    lines = [line(f"{mdtrt_id}-1", med_list_codg=WARD_ROUND, fee_ocur_time=f"{when} 10:00:00"), other]
    return dict(visit(lines, mdtrt_id=mdtrt_id, med_type="21", begntime=f"{when} 09:00:00"), scene="settle")


def _stored_lines() -> list[tuple[str, str]]:
    with db.session_scope() as s:
        return sorted(tuple(r) for r in s.execute(select(HistoryLine.feedetl_sn, HistoryLine.med_list_codg)))


def test_reads_history_line_follows_the_knowledge(national) -> None:
    ix = reload.current().index
    assert fastpath.reads_history_line(ix, WARD_ROUND)
    assert not fastpath.reads_history_line(ix, OTHER)
    platform_only = fastpath.Index(**{**ix.__dict__, "ktables": {}})
    assert not fastpath.reads_history_line(platform_only, WARD_ROUND)


def test_only_lines_a_windowed_rule_reads_are_kept(national) -> None:
    client, raw = national
    r = client.post(URL, json=_settled_day("V1", 3, trace="81234567890123456789"), headers={"X-API-Key": raw})
    assert r.status_code == 200, r.text
    assert history.WRITER.flush()
    assert _stored_lines() == [("V1-1", WARD_ROUND)]
    with db.session_scope() as s:  # the visit, and the trace code of the line that was not kept
        assert s.scalars(select(HistoryVisit.mdtrt_id)).all() == ["V1"]
        assert s.scalars(select(HistoryTrace.feedetl_sn)).all() == ["V1-2"]


def test_the_profile_keeps_every_line(all_lines, national) -> None:
    client, raw = national
    assert client.post(URL, json=_settled_day("V1", 3), headers={"X-API-Key": raw}).status_code == 200
    assert history.WRITER.flush()
    assert _stored_lines() == [("V1-1", WARD_ROUND), ("V1-2", OTHER)]


def test_a_later_call_counts_the_kept_lines(national) -> None:
    client, raw = national
    h = {"X-API-Key": raw}
    assert client.post(URL, json=_settled_day("V1", 3), headers=h).json()["decision"] == "pass"
    assert history.WRITER.flush()
    again = _settled_day("V2", 3)  # a second ward round the same day, in another visit
    found = {
        (f["rule_code"], f["feedetl_sn"]) for f in client.post(URL, json=again, headers=h).json()["findings"]
    }
    assert ("FRQ-N01", "V2-1") in found


def test_filtered_and_complete_histories_give_the_same_findings(national) -> None:
    """Every visit of a patient's month, checked against the history of all the others: the same
    findings whether the history holds every line or only the kept ones (and it holds fewer)."""
    snap = reload.current()
    visits = []
    for day in range(1, 29):
        body = _settled_day(f"M{day:02d}", day)
        body["fee_list"].append(
            line(f"M{day:02d}-3", med_list_codg=WARD_ROUND, fee_ocur_time=f"2026-03-{day:02d} 12:00:00")
        )
        if day % 3 == 0:
            body["fee_list"][0]["fee_ocur_time"] = f"2026-03-{day - 1:02d} 23:00:00"
        visits.append(service.visit_rows(PrecheckRequest.model_validate(body)))

    def findings(index) -> tuple[Counter, int]:
        with db.session_scope() as s:
            for model in history.TABLES:
                s.execute(model.__table__.delete())
            history.record_visits(s, visits, index)
        out = Counter()
        with db.get_engine().connect() as conn:
            lines = conn.execute(select(HistoryLine.feedetl_sn)).all()
            for v in visits:
                for f in evaluator.evaluate(snap, v, lambda need: history.fetch(conn, need)):
                    out[(f["rule_code"], f["feedetl_sn"], f["amount"], f["message"])] += 1
        return out, len(lines)

    complete, n_all = findings(None)
    kept, n_kept = findings(snap.index)
    assert Counter(k[0] for k in complete)["FRQ-N01"] >= 28  # the windowed rule did fire
    assert kept == complete
    assert n_kept == 2 * 28 and n_all == 3 * 28
