"""不予受理 (domain.md §2b E-5, E-6): rescission within 3 years, unpaid penalties, and responsible
persons of a rescinded institution matched by name + ID number and by unified social credit code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fundguard.agreements import service
from fundguard.errors import Conflict

OLD_USCC = "91320400OLDCLINIC1"
LEGAL_REP = {"role": "LEGAL_REP", "name": "李四", "certno": "320402198001012345"}


def _rescinded(session, on: date, code="H32040000009", uscc=OLD_USCC):
    agr = service.create_agreement(session, code, date(2020, 1, 1), "B", uscc=uscc)
    service.rescind(session, agr.id, on, "伪造病历骗取医保基金")
    return agr


def _apply(session, on: date, uscc=OLD_USCC, persons=None):
    return service.submit(session, "新诊所", uscc, "MEDICAL", "OFFLINE", persons or [], ["申请表"], on)


def test_agreement_rescinded_less_than_three_years_ago_excludes_the_applicant(session):
    _rescinded(session, date(2023, 5, 10))
    with pytest.raises(Conflict) as err:
        _apply(session, date(2026, 5, 9))
    assert "E-5" in err.value.message_zh and "不予受理" in err.value.message_zh
    assert _apply(session, date(2026, 5, 10)).status == "SUBMITTED"


def test_unpaid_penalty_excludes_even_after_three_years_until_paid(session):
    _rescinded(session, date(2022, 1, 10))
    penalty = service.record_penalty(
        session, "H32040000009", Decimal("300000.00"), date(2022, 1, 10), uscc=OLD_USCC
    )
    with pytest.raises(Conflict) as err:
        _apply(session, date(2026, 3, 2))
    assert "300000.00" in err.value.message_zh
    service.mark_penalty_paid(session, penalty.id, date(2026, 3, 3))
    assert _apply(session, date(2026, 3, 4)).status == "SUBMITTED"


def test_legal_representative_of_a_recently_rescinded_institution_excludes_a_new_institution(session):
    _rescinded(session, date(2025, 6, 1))
    service.register_person(session, "H32040000009", "PRINCIPAL", LEGAL_REP["name"], LEGAL_REP["certno"])
    reasons = service.exclusion_reasons(session, "91320400NEWCLINIC", [LEGAL_REP], date(2026, 3, 2))
    assert len(reasons) == 1 and "E-6" in reasons[0] and "李四" in reasons[0]
    with pytest.raises(Conflict):
        _apply(session, date(2026, 3, 2), uscc="91320400NEWCLINIC", persons=[LEGAL_REP])


def test_person_registered_under_the_rescinded_institutions_uscc_is_matched(session):
    _rescinded(session, date(2025, 6, 1), code="H32040000009", uscc=OLD_USCC)
    service.register_person(session, "P32040000077", "CONTROLLER", "李四", LEGAL_REP["certno"], uscc=OLD_USCC)
    assert service.exclusion_reasons(session, "91320400NEWCLINIC", [LEGAL_REP], date(2026, 3, 2))


def test_same_name_with_another_id_number_is_not_excluded(session):
    _rescinded(session, date(2025, 6, 1))
    service.register_person(session, "H32040000009", "LEGAL_REP", "李四", "320402198001019999")
    assert service.exclusion_reasons(session, "91320400NEWCLINIC", [LEGAL_REP], date(2026, 3, 2)) == []


def test_responsible_person_exclusion_ends_three_years_after_rescission(session):
    _rescinded(session, date(2023, 3, 2))
    service.register_person(session, "H32040000009", "LEGAL_REP", LEGAL_REP["name"], LEGAL_REP["certno"])
    assert service.exclusion_reasons(session, "91320400NEWCLINIC", [LEGAL_REP], date(2026, 3, 1))
    assert service.exclusion_reasons(session, "91320400NEWCLINIC", [LEGAL_REP], date(2026, 3, 2)) == []


def test_signing_registers_the_applicants_responsible_persons_for_later_matching(session):
    from .helpers import drive

    app, on = drive(session, "NEGOTIATING")
    agr = service.sign(session, app.id, "H32040000123", on)
    service.rescind(session, agr.id, date(2026, 12, 1), "虚假住院")
    reasons = service.exclusion_reasons(session, "91320400OTHER", app.persons, date(2027, 1, 4))
    assert any("E-6" in r for r in reasons)
