"""``demo_workflows.seed``: the demo's bureau work on a tiny audited city, object by object.

One test per backend on one city (scale 0.01, seed 3): the records of every domain exist and hang
together, everything went through the audit log as ``demo``, a second call is a no-op, the same
city seeded into a fresh copy of the audited store gives the same result (SQLite), and the demo
supervisor sees every navigation page answer 200 with content on the listing pages.
"""

from __future__ import annotations

import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fundguard import db, demo, demo_workflows, settings
from fundguard.profiles import get_profile

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SUPERVISOR_PAGES_WITH_CONTENT = {
    # path: text that only the seeded records put on the page
    "/cases": "AJ-",
    "/clues": "XS-",
    "/agreements": "常州市康宁大药房",
    "/agreements?tab=agreements": "有效",
    "/inspections": "已选派人员",
    "/inspections?tab=flight": "风险排名前列机构",
    "/inspections?tab=selfcheck": "已提交",
    "/credit": "H3204",
}


@pytest.fixture(autouse=True)
def quick_argon2(monkeypatch):
    """Real argon2id with light cost parameters, so that the demo logins take milliseconds."""
    from argon2 import PasswordHasher

    from fundguard.auth import service

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


def audited_city(tmp_path: Path) -> Path:
    """Generate, ingest, audit and risk-score a tiny city, like ``fundguard demo`` does."""
    from fundguard.analytics import service as analytics
    from fundguard.rules import service as rules
    from fundguard.synth import service as synth

    city = tmp_path / "city"
    synth.generate(city, scale=0.01, seed=3)
    rules.audit(city, tmp_path / "out", actor="test")
    analytics.risk_folder(None, tmp_path / "out")
    return city


def fingerprint(session) -> dict:
    """What the seed decided, beyond counts: parties, practitioner, points, draw, ranking."""
    from fundguard.cases.models import Case, Clue
    from fundguard.inspections.models import Draw, FlightTarget
    from fundguard.scoring.models import PointsEntry

    return {
        "clues": [(c.institution_code, c.status, sorted(c.subjects)) for c in session.scalars(select(Clue).order_by(Clue.id))],
        "cases": [(c.institution_code, c.status, c.finding_ids, c.practitioner_codes, str(c.amount))
                  for c in session.scalars(select(Case).order_by(Case.id))],
        "points": [(e.prac_psn_code, e.points, e.decision_date) for e in session.scalars(
            select(PointsEntry).where(PointsEntry.kind == "decision").order_by(PointsEntry.seq))],
        "draws": [(d.kind, d.seed, d.result) for d in session.scalars(select(Draw).order_by(Draw.id))],
        "flight": [(t.rank, t.fixmedins_code) for t in session.scalars(select(FlightTarget).order_by(FlightTarget.id))],
    }  # fmt: skip


def test_demo_workflows_fill_every_domain_consistently(store, tmp_path, monkeypatch):
    from fundguard.auth.models import AuditEvent

    city = audited_city(tmp_path)
    fresh = tmp_path / "audited-copy.db"
    if store.startswith("sqlite"):
        _backup(store, fresh)
    with db.session_scope() as s:
        before = s.scalar(select(func.max(AuditEvent.seq)))

    counts = demo_workflows.seed(city)

    assert all(n > 0 for n in counts.values()), counts
    assert {"verdicts", "clues", "cases", "points", "credit_events", "publications", "problems", "tips",
            "agreements", "applications", "random_plans", "flight_plans", "self_checks",
            "credit_evaluations"} <= set(counts)  # fmt: skip
    with db.session_scope() as s:
        _check_relations(s, city)
        assert set(s.scalars(select(AuditEvent.actor).where(AuditEvent.seq > before))) == {"demo"}
        seeded = s.scalar(select(func.max(AuditEvent.seq)))
        first = fingerprint(s)
    assert demo_workflows.seed(city) == counts  # idempotent: a second call changes nothing
    with db.session_scope() as s:
        assert s.scalar(select(func.max(AuditEvent.seq))) == seeded

    _check_pages(city)

    if store.startswith("sqlite"):  # the same city in a fresh store: the same result
        monkeypatch.setenv("FUNDGUARD_DATABASE_URL", f"sqlite:///{fresh}")
        settings.reset_settings_cache()
        db.reset_engines()
        assert demo_workflows.seed(city) == counts
        with db.session_scope() as s:
            assert fingerprint(s) == first


def _backup(url: str, target: Path) -> None:
    db.reset_engines()
    src = sqlite3.connect(url.removeprefix("sqlite:///"))
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def _latest_verdicts(session) -> dict[str, str]:
    from fundguard.rules.models import Verdict

    out = {}
    for v in session.scalars(select(Verdict).order_by(Verdict.id)):
        out[v.finding_id] = v.verdict
    return out


def _check_relations(s, city: Path) -> None:
    from fundguard.agreements.models import Agreement, Application
    from fundguard.cases import clues
    from fundguard.cases.models import Case, Clue, PenaltyDecision, ProblemItem
    from fundguard.credit.models import CreditEvaluation, CreditEvent
    from fundguard.disclosure.models import Publication
    from fundguard.inspections import random_plans
    from fundguard.inspections.models import Draw, FlightTarget, RandomPlan, SelfCheckTask
    from fundguard.masterdata.models import Institution
    from fundguard.rules.models import Finding
    from fundguard.scoring import service as scoring
    from fundguard.scoring.models import PointsEntry
    from fundguard.tips.models import Tip

    verdicts = _latest_verdicts(s)
    assert "rejected" in verdicts.values() and list(verdicts.values()).count("confirmed") >= 3
    totals = s.execute(
        select(Finding.fixmedins_code, func.sum(Finding.amount)).group_by(Finding.fixmedins_code)
    )
    top = min(totals, key=lambda r: (-Decimal(str(r[1])), r[0]))[0]

    # Clue 1 names the institution with the highest suspect amount; its sources are confirmed findings.
    opened = s.scalars(select(Clue).where(Clue.status == "CASE_OPENED")).one()
    assert opened.institution_code == top
    refs = [src.source_ref for src in clues.sources(s, opened.id)]
    assert refs and {verdicts.get(r) for r in refs} == {"confirmed"}
    hotline = [c for c in s.scalars(select(Clue).where(Clue.status == "OPEN"))
               if [src.source_type for src in clues.sources(s, c.id)] == ["hotline_12345"]]  # fmt: skip
    assert len(hotline) == 1 and hotline[0].institution_code != top

    # Case 1: opened from that clue, under investigation, its deadline visible.
    case1 = s.get(Case, opened.case_id)
    assert case1.status == "INVESTIGATING" and case1.institution_code == top
    assert case1.step_deadline is not None and case1.step_deadline == case1.decision_due
    assert sorted(case1.finding_ids) == sorted(refs)
    # Case 2: decided and served; its findings confirmed; points, credit, disclosure, rectification.
    case2 = s.scalars(select(Case).where(Case.id != case1.id)).one()
    assert case2.status == "SERVED" and case2.fine_due is not None
    decision = s.scalars(select(PenaltyDecision).where(PenaltyDecision.case_id == case2.id)).one()
    assert decision.stage == "final" and decision.fine_amount > 0
    assert case2.finding_ids and {verdicts[f] for f in case2.finding_ids} == {"confirmed"}
    (prac,) = case2.practitioner_codes
    assert prac in {s.get(Finding, f).prac_psn_code for f in case2.finding_ids}
    entry = s.scalars(select(PointsEntry).where(PointsEntry.case_ref == case2.case_no)).one()
    assert (entry.prac_psn_code, entry.kind) == (prac, "decision") and entry.points > 0
    if entry.points >= int(get_profile()["scoring.suspend_threshold"]):
        assert scoring.status_on(s, prac, entry.effective_date).status == "suspended"
    _, last_visit = demo_workflows._data_period(city)  # dated after the data, not "now"
    assert last_visit < case1.filed_on < entry.decision_date < last_visit.replace(year=last_visit.year + 1)
    event = s.scalars(select(CreditEvent).where(CreditEvent.source_id == case2.case_no)).one()
    assert (event.subject_id, event.occurred_on) == (case2.institution_code, entry.decision_date)
    pub = s.scalars(select(Publication).where(Publication.source_id == case2.case_no)).one()
    assert (pub.pub_type, pub.status) == ("TYPICAL_CASE", "PUBLISHED") and prac not in pub.content
    item = s.scalars(select(ProblemItem).where(ProblemItem.source_id == case2.case_no)).one()
    assert (item.institution_code, item.status) == (case2.institution_code, "RECTIFYING") and item.deadline

    tip = s.scalars(select(Tip)).one()
    assert tip.anonymous and tip.status == "ACCEPTED" and tip.triage_score is not None

    region = [
        i.fixmedins_code for i in s.scalars(select(Institution).where(Institution.admdvs.like("3204%")))
    ]
    agreements = s.scalars(select(Agreement)).all()
    assert {a.fixmedins_code for a in agreements} == set(region) and {a.status for a in agreements} == {
        "ACTIVE"
    }
    app = s.scalars(select(Application)).one()
    assert app.status == "INITIAL_EVAL" and app.due_on is not None and app.fixmedins_code is None

    plan = s.scalars(select(RandomPlan)).one()
    assert plan.status == "TEAM_ASSIGNED" and random_plans.inspections(s, plan.id)
    for draw in s.scalars(select(Draw)):
        assert random_plans.replay(s, draw.id).equal
    targets = s.scalars(select(FlightTarget).order_by(FlightTarget.rank)).all()
    assert targets and [t.risk_score for t in targets] == sorted(
        (t.risk_score for t in targets), reverse=True
    )
    tasks = s.scalars(select(SelfCheckTask)).all()
    assert {t.fixmedins_code for t in tasks} == set(region) and "SUBMITTED" in {t.status for t in tasks}
    assert {e.subject_id for e in s.scalars(select(CreditEvaluation))} == set(region)


def _check_pages(city: Path) -> None:
    from fundguard.web.app import create_app
    from fundguard.web.templating import NAV

    logins = {u: p for u, p, _ in demo._create_demo_users(demo._first_hospital(city))}
    client = TestClient(create_app())
    token = CSRF_RE.search(client.get("/login").text).group(1)
    r = client.post(
        "/login",
        data={"username": "supervisor", "password": logins["supervisor"], "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303) and "/login" not in r.headers["location"], r.text
    for item in NAV:
        if "supervisor" not in item.roles:
            continue
        r = client.get(item.path)
        assert r.status_code == 200, (item.path, r.status_code)
        assert "建设中" not in r.text, item.path
    for path, marker in SUPERVISOR_PAGES_WITH_CONTENT.items():
        text = client.get(path).text
        assert marker in text, path
        assert 'class="empty"' not in text, path
