"""Property: the stored status (qualification_period) never disagrees with the status derived
from the ledger, whatever sequence of decisions, imports, appeals, reversals and repairs happened."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fundguard.errors import FundguardError
from fundguard.scoring import service

from ._helpers import add_person, behaviour_for

START = date(2024, 1, 1)
_codes = itertools.count(1)

day = st.integers(min_value=0, max_value=700)
operation = st.one_of(
    st.tuples(st.just("decide"), st.integers(1, 12), day, st.one_of(st.none(), st.integers(1, 6))),
    st.tuples(st.just("external"), st.integers(1, 12), day, st.none()),
    st.tuples(st.just("reverse"), st.integers(0, 20), day, st.none()),
    st.tuples(
        st.just("appeal"),
        st.integers(0, 20),
        st.integers(0, 16),
        st.sampled_from(["upheld", "reduced", "revoked", None]),
    ),
    st.tuples(st.just("repair"), st.integers(0, 3), day, st.none()),
)


def _apply(session, code, op, seqs):
    kind, a, b, c = op
    if kind == "decide":
        proposal = service.propose(session, prac_psn_code=code, behaviour_code=behaviour_for(a), points=a,
                                   admdvs="110101", proposed_by="p")  # fmt: skip
        seqs.append(service.approve(session, proposal.id, reviewer="r", decision_date=START + timedelta(b),
                                    suspend_months=c).seq)  # fmt: skip
    elif kind == "external":
        service.append_external_points(session, [{"prac_psn_code": code, "points": a, "admdvs": "310101",
                                                  "decision_date": START + timedelta(b), "_line": 1}], "b")  # fmt: skip
    elif kind == "reverse" and seqs:
        target = seqs[a % len(seqs)]
        service.reverse(session, target, operator="o", reason="更正", on=START + timedelta(b))
    elif kind == "appeal" and seqs:
        target = seqs[a % len(seqs)]
        from fundguard.scoring import ledger

        decided = ledger.get_entry(session, target).decision_date
        appeal = service.file_appeal(
            session, target, filed_on=decided + timedelta(b), reason="不服", operator="o"
        )
        if c:
            service.decide_appeal(session, appeal.id, outcome=c, decided_on=decided + timedelta(b + 3),
                                  reviewer="r", reason="复核", points=1)  # fmt: skip
    elif kind == "repair":
        service.repair_points(
            session, code, activity="training", on=START + timedelta(b * 90 + 30), operator="o"
        )


@settings(
    max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(operation, min_size=1, max_size=10), probes=st.lists(day, min_size=5, max_size=12))
def test_stored_status_never_disagrees_with_the_derived_status(session, ops, probes):
    code = add_person(session, f"D9{next(_codes):011d}")
    seqs: list[int] = []
    for op in ops:
        try:
            _apply(session, code, op, seqs)
            session.commit()
        except FundguardError:
            session.rollback()  # refused operations write nothing
    for offset in probes + [0, 365, 730, 1500]:
        on = START + timedelta(offset)
        derived = service.status_on(session, code, on)
        assert service.stored_status_on(session, code, on) == derived
        blocked = {b.prac_psn_code: b for b in service.blocked_persons(session, on)}
        if derived.status == "active":
            assert code not in blocked
        else:
            assert (blocked[code].status, blocked[code].until, blocked[code].barred_until) == (
                derived.status, derived.until, derived.barred_until,
            )  # fmt: skip
        assert derived.year_points >= 0
