"""Penalty calculator (处罚裁量建议): proposes consequences under 《医疗保障基金使用监督管理条例》.

条例 Art. 38 违规使用 (unit): 责令改正, 追回 (recover), 罚款 1–2倍; 拒不改正或造成严重后果 →
暂停相关责任部门 6–12 个月医保服务.  Art. 39 管理违规 (unit): 责令改正, 约谈; 拒不改正 → 1万–5万元.
Art. 40 欺诈骗保 (unit): 追回, 罚款 2–5倍, 暂停 6–12 个月, 直至解除协议.  Art. 41 个人: 追回,
暂停联网结算 3–12 个月; 以骗保为目的 → 罚款 2–5倍.  Art. 43 造成重大损失: 法定代表人/主要负责人
5 年内禁业.  All numbers come from the profile (``case.*``).

The calculator only *proposes*: a person decides and records the basis (``service.decide``).
Criminal referral to 公安 (移送) is a suggestion when the defrauded amount reaches
``case.criminal_hint_individual`` / ``case.criminal_hint_unit`` — 以上 includes the number itself
(刑法第九十九条). The suggested fine is the lower bound, or the upper bound for a repeat offence
(从重); every amount is an exact ``Decimal`` rounded half-up to the fen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from fundguard.errors import InputError
from fundguard.profiles import get_profile

CENT = Decimal("0.01")

# Violation kind → article of the 条例.
KIND_ARTICLE = {
    "improper_use": 38,  # 违规使用 (分解住院、过度诊疗、串换项目…)
    "management": 39,  # 内部管理违规 (制度缺失、未按规定上传数据、拒绝检查…)
    "fraud": 40,  # 机构欺诈骗保
    "individual": 41,  # 个人违规/骗保
    "serious_harm": 43,  # 造成重大损失或严重不良社会影响
}
UNIT_ARTICLES = {38, 39, 40, 43}
INDIVIDUAL_ARTICLES = {41}

# The nine agreement measures of seed 002 (协议处理), in increasing severity.
AGREEMENT_MEASURES = (
    "约谈",
    "限期整改",
    "暂停拨付",
    "拒付",
    "追回",
    "违约金",
    "减少服务范围",
    "暂停协议",
    "解除协议",
)
ADMIN_MEASURES = ("责令改正", "警告", "罚款", "暂停医保服务", "暂停联网结算", "禁业", "移送公安")
ALL_MEASURES = AGREEMENT_MEASURES + ADMIN_MEASURES


@dataclass(frozen=True)
class Facts:
    amount: Decimal
    actor_type: str  # unit / individual
    kind: str | None = None
    article: int | None = None
    repeat_offence: bool = False
    refused_correction: bool = False
    serious_consequences: bool = False
    fraud_purpose: bool = False  # Art. 41: 以骗取医保基金为目的


@dataclass
class Proposal:
    article: int
    recover_amount: Decimal
    fine_min: Decimal
    fine_max: Decimal
    fine_suggested: Decimal
    suspension_months: tuple[int, int] | None
    settlement_suspension_months: tuple[int, int] | None
    legal_rep_ban_years: int
    measures: list[str]
    criminal_referral: bool
    basis: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = asdict(self)
        for key in ("recover_amount", "fine_min", "fine_max", "fine_suggested"):
            out[key] = str(out[key])
        return out


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def resolve_article(facts: Facts) -> int:
    article = facts.article if facts.article is not None else KIND_ARTICLE.get(facts.kind or "")
    if article is None:
        raise InputError(
            "ARTICLE_UNKNOWN", f"无法确定适用条款：违规类型“{facts.kind}”未知", "unknown violation kind"
        )
    if facts.actor_type not in {"unit", "individual"}:
        raise InputError(
            "ACTOR_TYPE",
            "当事人类型须为 unit（单位）或 individual（个人）",
            "actor_type must be unit/individual",
        )
    allowed = UNIT_ARTICLES if facts.actor_type == "unit" else INDIVIDUAL_ARTICLES
    if article not in allowed:
        who = "单位" if facts.actor_type == "unit" else "个人"
        raise InputError(
            "ARTICLE_ACTOR",
            f"条例第{article}条不适用于{who}当事人",
            f"article {article} not for {facts.actor_type}",
        )
    if facts.amount < 0:
        raise InputError("AMOUNT_NEGATIVE", "涉案金额不能为负数", "amount must be >= 0")
    return article


def criminal_referral(amount: Decimal, actor_type: str) -> bool:
    """Suggest 移送公安 when a defrauded amount reaches the profile's hint (以上 includes the number)."""
    key = "case.criminal_hint_unit" if actor_type == "unit" else "case.criminal_hint_individual"
    return _money(amount) >= Decimal(get_profile()[key])


def _multiplied(amount: Decimal, article_key: str) -> tuple[Decimal, Decimal]:
    low, high = get_profile()["case.fine_multipliers"][article_key]
    return _money(amount * Decimal(str(low))), _money(amount * Decimal(str(high)))


def propose(facts: Facts) -> Proposal:
    """The consequences the 条例 allows for these facts (a proposal for the deciding person)."""
    prof = get_profile()
    article = resolve_article(facts)
    amount = _money(facts.amount)
    zero = Decimal("0.00")
    susp = tuple(prof["case.service_suspension_months"])
    recover, fine_min, fine_max = amount, zero, zero
    suspension = settlement = None
    ban = 0
    referral = False
    measures: list[str] = ["责令改正"]
    basis = [f"《医疗保障基金使用监督管理条例》第{article}条"]

    if article == 38:
        fine_min, fine_max = _multiplied(amount, "art38")
        measures += ["追回", "罚款", "拒付", "限期整改"]
        if facts.refused_correction or facts.serious_consequences:
            suspension = susp
            measures += ["暂停医保服务", "暂停拨付"]
    elif article == 39:
        recover = zero
        measures += ["约谈", "限期整改"]
        if facts.refused_correction:
            fine_min, fine_max = (_money(v) for v in prof["case.art39_fine_range"])
            measures.append("罚款")
    elif article == 40:
        fine_min, fine_max = _multiplied(amount, "art40")
        suspension = susp
        measures += ["追回", "罚款", "暂停医保服务", "暂停协议", "违约金"]
        if facts.repeat_offence or facts.serious_consequences:
            measures.append("解除协议")
        referral = criminal_referral(amount, "unit")
    elif article == 41:
        settlement = tuple(prof["case.insured_settlement_suspension_months"])
        measures += ["追回", "暂停联网结算"]
        if facts.fraud_purpose:
            fine_min, fine_max = _multiplied(amount, "art41")
            measures.append("罚款")
            referral = criminal_referral(amount, "individual")
    else:  # 43
        ban = int(prof["case.legal_rep_ban_years"])
        measures += ["追回", "禁业"]

    if facts.repeat_offence:
        basis.append("再次违法，建议从重（罚款取上限）")
    if referral:
        measures.append("移送公安")
        basis.append("涉案金额达到移送公安参考标准（仅为建议，是否移送由办案机关决定）")
    suggested = fine_max if facts.repeat_offence else fine_min
    return Proposal(
        article=article,
        recover_amount=recover,
        fine_min=fine_min,
        fine_max=fine_max,
        fine_suggested=suggested,
        suspension_months=suspension,
        settlement_suspension_months=settlement,
        legal_rep_ban_years=ban,
        measures=list(dict.fromkeys(measures)),
        criminal_referral=referral,
        basis=basis,
    )


def is_major(fine_amount: Decimal, measures: list[str], legal_rep_ban_years: int = 0) -> bool:
    """重大执法决定: fine ≥ ``case.major_fine_threshold``, rescission (解除协议) or a person ban (禁业)."""
    threshold = Decimal(get_profile()["case.major_fine_threshold"])
    return (
        _money(fine_amount) >= threshold
        or "解除协议" in measures
        or "禁业" in measures
        or legal_rep_ban_years > 0
    )
