"""Reward calculator (举报奖励核算), domain.md §5.3 (医保办发〔2022〕22号) and ``report.*`` profile keys.

Level 1/2/3 (一/二/三等) picks a tier of ``report.reward_tiers`` (default 3 % / 2 % / 1 % of the
verified case amount, floors 400 / 300 / 200 yuan). reward = max(floor, amount × rate), then
clamped to [``report.reward_min``, ``report.reward_max``] (200 / 200,000 yuan).
Rounding: the product is computed exactly in ``Decimal`` and rounded once, half-up, to the fen
(0.01 yuan) before the floor and the clamp are applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from fundguard.errors import InputError
from fundguard.profiles import get_profile

CENT = Decimal("0.01")


@dataclass(frozen=True)
class RewardCalculation:
    basis_amount: Decimal
    level: int
    rate: Decimal
    raw: Decimal
    floor: Decimal
    amount: Decimal
    rule: str

    def as_dict(self) -> dict:
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in self.__dict__.items()}


def compute(basis_amount: Decimal, level: int) -> RewardCalculation:
    prof = get_profile()
    tiers = prof["report.reward_tiers"]
    if not 1 <= level <= len(tiers):
        raise InputError(
            "REWARD_LEVEL", f"奖励等级须为 1–{len(tiers)}", "reward level out of range", field="level"
        )
    basis = Decimal(str(basis_amount))
    if basis < 0:
        raise InputError("AMOUNT_NEGATIVE", "查实金额不能为负数", field="basis_amount")
    tier = tiers[level - 1]
    rate = Decimal(str(tier["rate"]))
    floor = Decimal(str(tier["floor"])).quantize(CENT)
    raw = (basis * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    low, high = Decimal(prof["report.reward_min"]), Decimal(prof["report.reward_max"])
    amount, rule = raw, f"查实金额×{rate}"
    if amount < floor:
        amount, rule = floor, f"不足本档最低额，按{floor}元"
    if amount < low:
        amount, rule = low, f"低于最低奖励，按{low}元"
    if amount > high:
        amount, rule = high, f"超过最高奖励，按{high}元"
    return RewardCalculation(basis.quantize(CENT), level, rate, raw, floor, amount.quantize(CENT), rule)
