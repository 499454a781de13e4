"""举报奖励 (domain.md §5.3): tiers 3 %/2 %/1 % with floors 400/300/200, overall 200–200,000 yuan, exact Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fundguard.errors import InputError
from fundguard.tips.reward import compute

D = Decimal


def test_first_tier_pays_three_percent():
    calc = compute(D("100000"), 1)
    assert calc.amount == D("3000.00")
    assert calc.rate == D("0.03")


def test_second_and_third_tiers_pay_two_and_one_percent():
    assert compute(D("100000"), 2).amount == D("2000.00")
    assert compute(D("100000"), 3).amount == D("1000.00")


def test_small_cases_get_the_tier_floor():
    assert compute(D("5000"), 1).amount == D("400.00")
    assert compute(D("5000"), 2).amount == D("300.00")
    assert compute(D("5000"), 3).amount == D("200.00")


def test_a_case_without_money_still_gets_the_floor():
    assert compute(D("0"), 3).amount == D("200.00")


def test_reward_is_capped_at_two_hundred_thousand():
    calc = compute(D("10000000"), 1)
    assert calc.amount == D("200000.00")
    assert "最高" in calc.rule


def test_rounding_is_half_up_to_the_fen():
    assert compute(D("33333.50"), 1).raw == D("1000.01")  # 1000.005 → 1000.01
    assert compute(D("33333.16"), 1).raw == D("999.99")  # 999.9948 → 999.99


def test_a_province_floor_below_the_national_minimum_is_lifted_to_the_minimum(province):
    province({"report.reward_tiers": [{"rate": 0.03, "floor": "100.00"}]})
    calc = compute(D("1000"), 1)
    assert calc.amount == D("200.00")
    assert "最低奖励" in calc.rule


@pytest.mark.parametrize("level", [0, 4])
def test_unknown_level_is_refused(level):
    with pytest.raises(InputError):
        compute(D("1000"), level)


def test_negative_amount_is_refused():
    with pytest.raises(InputError):
        compute(D("-1"), 1)
