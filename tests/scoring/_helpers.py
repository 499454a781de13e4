"""Helpers for scoring tests: master-data persons and a one-call 'decide' (propose + approve)."""

from __future__ import annotations

from datetime import date

from fundguard.masterdata.models import Institution, Practitioner, Registration
from fundguard.scoring import service

BEHAVIOUR_FOR = {  # one behaviour per national band, so tests pick points inside the band
    range(1, 4): "CODING_DEFECT",
    range(4, 7): "V-9",
    range(7, 10): "V-4",
    range(10, 13): "V-6",
}


def behaviour_for(points: int) -> str:
    return next(code for band, code in BEHAVIOUR_FOR.items() if points in band)


def add_person(
    session,
    code: str = "D110101000001",
    name: str = "张医生",
    psn_type: str = "1",
    inst: str = "H11010100001",
):
    if session.get(Institution, inst) is None:
        session.add(
            Institution(fixmedins_code=inst, fixmedins_name="示例医院", fixmedins_type="1", admdvs="110101")
        )
    session.add(Practitioner(prac_psn_code=code, prac_psn_name=name, prac_psn_type=psn_type))
    session.flush()
    session.add(Registration(prac_psn_code=code, fixmedins_code=inst, begn_date=date(2020, 1, 1)))
    session.commit()
    return code


def decide(
    session,
    code: str,
    points: int,
    on: date,
    *,
    admdvs: str = "110101",
    suspend_months=None,
    behaviour=None,
    notified_on=None,
):
    """A reviewed decision (proposal approved unchanged), committed."""
    proposal = service.propose(
        session,
        prac_psn_code=code,
        behaviour_code=behaviour or behaviour_for(points),
        points=points,
        admdvs=admdvs,
        proposed_by="稽核员",
        facts="测试事实",
        legal_basis="记分规则第五条",
        case_ref=f"CASE-{on}",
        agency="某市医保局",
    )
    entry = service.approve(
        session,
        proposal.id,
        reviewer="审核员",
        decision_date=on,
        suspend_months=suspend_months,
        notified_on=notified_on,
    )
    session.commit()
    return entry


def run_cli(*args: str, env: dict[str, str]):
    """Run the real ``fundguard`` command in a subprocess."""
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "fundguard.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )
