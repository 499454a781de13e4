"""The platform's closed loop (监管闭环), end to end on a tiny audited city and the real app:

rule hit → reviewer-confirmed finding → case filed, heard and decided → points proposed by the
decision and approved for the responsible practitioner (as many as ``scoring.suspend_threshold``)
→ that practitioner's next claim at the institution is blocked by ``POST /api/v1/precheck``
(before the decision the same claim was not) → the rule's precision counts the verdicts.

Only public service functions and the HTTP API are used; the pre-check internals are not touched.
The claim after the decision is sent once ``precheck.reload_check_seconds`` (the pre-check's
documented freshness bound for suspension periods, precheck/README.md) have passed since the change.

A pre-check that answers that claim with knowledge older than its freshness bound fails with
``StaleKnowledge`` (a background reload that serves the old snapshot first did exactly that once).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from time import sleep

import duckdb
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fundguard import db
from fundguard.profiles import get_profile

PRECHECK = "/api/v1/precheck"
OTHER = {"SUSPENDED_PERSON", "PHANTOM", "IMPERSONATION"}  # not an Art. 38 case / already a status rule


class StaleKnowledge(AssertionError):
    """The pre-check answered with knowledge older than its documented freshness bound."""


@pytest.fixture
def precheck_state():
    """Wait for the pre-check's background writers before the test's store goes away."""
    yield
    from fundguard.precheck import reload

    reload.reset()


def test_rule_hit_to_confirmed_case_to_points_to_blocked_claim(store, tmp_path, precheck_state):
    from fundguard.auth import service as auth
    from fundguard.calendar_admin.service import calendar
    from fundguard.cases import flows
    from fundguard.cases import service as cases
    from fundguard.cases.statemachine import Actor
    from fundguard.rules import service as rules
    from fundguard.rules.models import Finding
    from fundguard.scoring import proposals
    from fundguard.scoring import service as scoring
    from fundguard.synth import service as synth
    from fundguard.web.app import create_app

    city = tmp_path / "city"
    synth.generate(city, scale=0.01, seed=3)
    rules.audit(city, tmp_path / "out", actor="test")

    # 1. A rule hit of a practitioner with a clean record, and another hit of the same rule.
    with db.session_scope() as s:
        on_file = {e.prac_psn_code for e in scoring.ledger_entries(s)}
        hits = s.scalars(select(Finding).order_by(Finding.amount.desc(), Finding.finding_id)).all()
        per_rule = {}
        for f in hits:
            per_rule.setdefault(f.rule_code, []).append(f)
        hit = next(
            f
            for f in hits
            if f.category not in OTHER
            and f.prac_psn_code
            and f.prac_psn_code not in on_file
            and len(per_rule[f.rule_code]) >= 2
        )
        other = next(f for f in per_rule[hit.rule_code] if f.finding_id != hit.finding_id)
        rule, prac, inst, finding_id = hit.rule_code, hit.prac_psn_code, hit.fixmedins_code, hit.finding_id
        last_visit = _last_visit_day(city)
        cal = calendar(s)
        assert _stats(s, rule)["precision"] is None

    claim = _clean_claim(city, prac, inst)
    with db.session_scope() as s:
        raw_key, _ = auth.create_api_key(s, inst, actor="test")
    threshold = int(get_profile()["scoring.suspend_threshold"])
    behaviour = _behaviour_for(threshold)
    handler = Actor.of("办案员", "case_handler", "legal_reviewer", region="3204")
    day = lambda n: cal.add_working_days(last_visit, n)  # noqa: E731 — the bureau works after the data year

    with TestClient(create_app()) as client:
        first = _claim(client, raw_key, claim, day(30))
        assert first.status_code == 200, first.text
        assert first.json()["decision"] != "block"
        assert "SUS-P01" not in {f["rule_code"] for f in first.json()["findings"]}

        # 2. Review: the hit is confirmed, the other hit of the rule rejected with a reason.
        with db.session_scope() as s:
            rules.record_verdict(s, finding_id, "confirmed", "调阅病历，确认违规", actor="复核员")
            rules.record_verdict(s, other.finding_id, "rejected", "病历显示有明确指征", actor="复核员")

        # 3. The case: filed, investigated, notified, heard, reviewed and decided (Art. 38).
        with db.session_scope() as s:
            case = cases.create(
                s,
                handler,
                title="闭环测试：违规使用医保基金",
                actor_type="unit",
                amount=Decimal(str(hit.amount)),
                institution_code=inst,
                facts={
                    "kind": "improper_use",
                    "points": {prac: {"behaviour_code": behaviour, "points": threshold}},
                },
                finding_ids=[finding_id],
                practitioner_codes=[prac],
            )
            cases.assign_verification(s, case.id, handler, "稽核科", today=day(1))
            cases.file_case(s, case.id, handler, "达到立案标准", today=day(2))
            cases.start_investigation(s, case.id, handler, today=day(3))
            prop = cases.propose_penalty(s, case.id)
            cases.draft_decision(
                s, case.id, handler, fine_amount=prop.fine_suggested, measures=["责令改正", "追回", "罚款"],
                basis="；".join(prop.basis),
            )  # fmt: skip
            cases.notify(s, case.id, handler, today=day(4))
            cases.record_statement(s, case.id, handler, "对违规事实无异议")
            cases.hear_defence(s, case.id, handler, today=day(6))
            cases.legal_review(s, case.id, handler, "事实清楚，适用条款正确", today=day(7))
            decided = day(8)
            flows.decide_case(s, case.id, handler, "条例第三十八条", today=decided)
            case_no = case.case_no
            (delivered,) = [p for p in flows.proposals(s, case.id) if p.kind == "points"]
            assert delivered.status == "DELIVERED", delivered.payload

        # 4. Points: the decision's proposal is approved for the responsible practitioner.
        with db.session_scope() as s:
            (proposal,) = [
                p for p in proposals.proposals_of(s, prac, status="proposed") if p.case_ref == case_no
            ]
            entry = scoring.approve(s, proposal.id, reviewer="审核人", decision_date=decided)
            assert (entry.prac_psn_code, entry.points, entry.case_ref) == (prac, threshold, case_no)
            claim_day = decided + timedelta(days=1)
            assert scoring.stored_status_on(s, prac, claim_day).status == "suspended"
            assert prac in {b.prac_psn_code for b in scoring.blocked_persons(s, claim_day)}

        # 5. The rule's precision reflects the verdicts: the case confirmed one hit, the review rejected one.
        with db.session_scope() as s:
            row = _stats(s, rule)
            assert (row["confirmed"], row["rejected"], row["precision"]) == (1, 1, 0.5)

        # 6. The practitioner's next claim at the institution, after the freshness bound, is blocked.
        sleep(float(get_profile()["precheck.reload_check_seconds"]) + 0.3)
        answer = _claim(client, raw_key, claim, claim_day)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        if body["decision"] != "block":
            raise StaleKnowledge(f"{prac} suspended from {decided}, claim on {claim_day} answered {body}")
        blocked = [f for f in body["findings"] if f["rule_code"] == "SUS-P01"]
        assert blocked and {f["severity"] for f in blocked} == {"block"}
        assert {f["feedetl_sn"] for f in blocked} == {line["feedetl_sn"] for line in claim["fee_list"]}
        assert all(f["category"] == "SUSPENDED_PERSON" for f in blocked)


def _stats(session, rule_code: str) -> dict:
    from fundguard.rules import service as rules

    return next(r for r in rules.stats(session) if r["rule_code"] == rule_code)


def _behaviour_for(points: int) -> str:
    """A behaviour of the profile's points matrix whose band allows ``points``."""
    for band in get_profile()["scoring.points_matrix"].values():
        low, high = band["band"]
        if int(low) <= points <= int(high):
            return band["behaviours"][0]
    raise AssertionError(f"no behaviour band allows {points} points")


def _last_visit_day(city: Path):
    return duckdb.connect().execute(f"SELECT max(CAST(begntime AS DATE)) FROM read_parquet('{city / 'mdtrt.parquet'}')").fetchone()[0]  # fmt: skip


def _clean_claim(city: Path, prac: str, inst: str) -> dict:
    """One of the practitioner's outpatient visits at the institution that batch audit found clean:
    its lines billed by the practitioner, as a new claim (times set by ``_claim``)."""
    con = duckdb.connect()
    for name in ("mdtrt", "fee_list", "diag"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{city / (name + '.parquet')}')")
    flagged = _flagged_visits(city)
    rows = con.execute(
        "SELECT m.mdtrt_id, m.psn_no, m.gend, m.age, m.med_type FROM mdtrt m "
        "WHERE m.fixmedins_code = ? AND m.med_type = '11' "
        "AND EXISTS (SELECT 1 FROM fee_list f WHERE f.mdtrt_id = m.mdtrt_id AND f.bilg_dr_codg = ?) "
        "ORDER BY m.mdtrt_id",
        [inst, prac],
    ).fetchall()
    mdtrt_id, psn_no, gend, age, med_type = next(r for r in rows if r[0] not in flagged)
    lines = con.execute(
        "SELECT feedetl_sn, med_list_codg, cnt, pric, det_item_fee_sumamt FROM fee_list "
        "WHERE mdtrt_id = ? AND bilg_dr_codg = ? ORDER BY feedetl_sn",
        [mdtrt_id, prac],
    ).fetchall()
    diag = con.execute(
        "SELECT diag_code, maindiag_flag FROM diag WHERE mdtrt_id = ? ORDER BY maindiag_flag DESC, diag_code",
        [mdtrt_id],
    ).fetchall()
    return {
        "scene": "settle",
        "mdtrt": {"mdtrt_id": f"CL-{mdtrt_id}", "psn_no": psn_no, "gend": gend, "age": int(age),
                  "fixmedins_code": inst, "med_type": med_type},
        "diag": [{"diag_code": c, "maindiag_flag": f} for c, f in diag],
        "fee_list": [{"feedetl_sn": f"CL-{sn}", "med_list_codg": code, "cnt": float(cnt), "pric": float(pric),
                      "det_item_fee_sumamt": float(total), "bilg_dr_codg": prac}
                     for sn, code, cnt, pric, total in lines],
    }  # fmt: skip


def _flagged_visits(city: Path) -> set[str]:
    """Visits with any batch finding (the audit's findings.parquet beside the city)."""
    path = city.parent / "out" / "findings.parquet"
    return {r[0] for r in duckdb.connect().execute(f"SELECT DISTINCT mdtrt_id FROM read_parquet('{path}')").fetchall()}  # fmt: skip


def _claim(client, raw_key: str, claim: dict, on) -> object:
    stamp = f"{on.isoformat()} 09:30:00"
    body = {
        **claim,
        "mdtrt": {
            **claim["mdtrt"],
            "mdtrt_id": f"{claim['mdtrt']['mdtrt_id']}-{on:%Y%m%d}",
            "begntime": stamp,
        },
        "fee_list": [dict(line, fee_ocur_time=f"{on.isoformat()} 09:40:00") for line in claim["fee_list"]],
    }
    return client.post(PRECHECK, json=body, headers={"X-API-Key": raw_key})
