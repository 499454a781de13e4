"""Penalty proposals under 《医疗保障基金使用监督管理条例》 Art. 38/39/40/41/43 (profile numbers)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fundguard.cases.penalty import Facts, criminal_referral, is_major, propose
from fundguard.errors import InputError

D = Decimal


def test_art38_improper_use_recovers_and_fines_one_to_two_times():
    p = propose(Facts(amount=D("12345.67"), actor_type="unit", kind="improper_use"))
    assert p.article == 38
    assert p.recover_amount == D("12345.67")
    assert (p.fine_min, p.fine_max) == (D("12345.67"), D("24691.34"))
    assert p.fine_suggested == D("12345.67")
    assert p.suspension_months is None
    assert not p.criminal_referral


def test_art38_refused_correction_adds_six_to_twelve_months_suspension():
    p = propose(Facts(amount=D("1000"), actor_type="unit", article=38, refused_correction=True))
    assert p.suspension_months == (6, 12)
    assert "暂停医保服务" in p.measures


def test_art38_serious_consequences_also_suspend():
    assert propose(
        Facts(amount=D("1000"), actor_type="unit", article=38, serious_consequences=True)
    ).suspension_months == (6, 12)


def test_art39_management_violation_without_refusal_has_no_fine():
    p = propose(Facts(amount=D("0"), actor_type="unit", kind="management"))
    assert (p.fine_min, p.fine_max) == (D("0.00"), D("0.00"))
    assert p.recover_amount == D("0.00")
    assert "约谈" in p.measures


def test_art39_refused_correction_fines_ten_to_fifty_thousand():
    p = propose(Facts(amount=D("0"), actor_type="unit", article=39, refused_correction=True))
    assert (p.fine_min, p.fine_max) == (D("10000.00"), D("50000.00"))


def test_art40_fraud_fines_two_to_five_times_and_suspends():
    p = propose(Facts(amount=D("20000"), actor_type="unit", kind="fraud"))
    assert (p.fine_min, p.fine_max) == (D("40000.00"), D("100000.00"))
    assert p.suspension_months == (6, 12)
    assert "解除协议" not in p.measures
    assert not p.criminal_referral


def test_art40_repeat_fraud_suggests_upper_fine_and_rescission():
    p = propose(Facts(amount=D("20000"), actor_type="unit", kind="fraud", repeat_offence=True))
    assert p.fine_suggested == D("100000.00")
    assert "解除协议" in p.measures


def test_unit_fraud_of_one_hundred_thousand_suggests_police_referral():
    p = propose(Facts(amount=D("100000.00"), actor_type="unit", kind="fraud"))
    assert p.criminal_referral
    assert "移送公安" in p.measures


def test_unit_fraud_just_below_one_hundred_thousand_does_not():
    assert not propose(Facts(amount=D("99999.99"), actor_type="unit", kind="fraud")).criminal_referral


def test_art41_individual_without_fraud_purpose_only_suspends_settlement():
    p = propose(Facts(amount=D("5000"), actor_type="individual", kind="individual"))
    assert p.settlement_suspension_months == (3, 12)
    assert (p.fine_min, p.fine_max) == (D("0.00"), D("0.00"))
    assert not p.criminal_referral


def test_art41_individual_fraud_fines_two_to_five_times_and_refers_from_thirty_thousand():
    p = propose(Facts(amount=D("30000"), actor_type="individual", article=41, fraud_purpose=True))
    assert (p.fine_min, p.fine_max) == (D("60000.00"), D("150000.00"))
    assert p.criminal_referral


def test_art41_individual_fraud_below_thirty_thousand_is_not_referred():
    assert not propose(
        Facts(amount=D("29999.99"), actor_type="individual", article=41, fraud_purpose=True)
    ).criminal_referral


def test_art43_bans_the_legal_representative_for_five_years():
    p = propose(Facts(amount=D("500000"), actor_type="unit", kind="serious_harm"))
    assert p.legal_rep_ban_years == 5
    assert "禁业" in p.measures


def test_improper_use_is_never_referred_to_police():
    assert not propose(Facts(amount=D("9000000"), actor_type="unit", article=38)).criminal_referral


def test_a_province_can_change_the_referral_hint(province):
    province({"case.criminal_hint_individual": "50000.00"})
    assert not criminal_referral(D("30000"), "individual")
    assert criminal_referral(D("50000"), "individual")


def test_national_individual_hint_is_thirty_thousand_inclusive():
    assert criminal_referral(D("30000"), "individual")
    assert not criminal_referral(D("29999.99"), "individual")


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (Facts(amount=D("1"), actor_type="individual", article=40), "ARTICLE_ACTOR"),
        (Facts(amount=D("1"), actor_type="unit", article=41), "ARTICLE_ACTOR"),
        (Facts(amount=D("1"), actor_type="unit", kind="unknown"), "ARTICLE_UNKNOWN"),
        (Facts(amount=D("1"), actor_type="company", article=38), "ACTOR_TYPE"),
        (Facts(amount=D("-1"), actor_type="unit", article=38), "AMOUNT_NEGATIVE"),
    ],
)
def test_inconsistent_facts_are_refused(facts, code):
    with pytest.raises(InputError) as err:
        propose(facts)
    assert err.value.code == code


def test_major_decision_criteria():
    assert is_major(D("100000.00"), [])
    assert not is_major(D("99999.99"), ["罚款"])
    assert is_major(D("0"), ["解除协议"])
    assert is_major(D("0"), ["禁业"])
    assert is_major(D("0"), [], legal_rep_ban_years=5)


def test_amounts_are_exact_decimals_rounded_half_up_to_the_fen():
    p = propose(Facts(amount=D("0.005"), actor_type="unit", article=38))
    assert p.recover_amount == D("0.01")
