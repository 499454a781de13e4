"""Tip handling (举报处理) state machine, domain.md §2h: 受理 → 检查 → 处理 → 反馈 → 奖励.

RECEIVED 已接收 → NOT_ACCEPTED 不予受理 | ACCEPTED 已受理 → INVESTIGATING 调查中 →
UNFOUNDED 不属实 | SUBSTANTIATED 属实 → FEEDBACK_SENT 已反馈 → REWARD_COMPUTED 奖励已核算 →
REWARD_APPROVED 奖励已审批 → REWARD_PAID 奖励已发放 → CLOSED 办结.
"""

from __future__ import annotations

from fundguard.cases.statemachine import Machine, Transition

OFFICER = "whistleblower_officer"
HANDLER = "case_handler"
APPROVER = "reward_approver"
PAYER = "payment_officer"

STATES = {
    "RECEIVED": "已接收",
    "NOT_ACCEPTED": "不予受理",
    "ACCEPTED": "已受理",
    "INVESTIGATING": "调查中",
    "UNFOUNDED": "经查不属实",
    "SUBSTANTIATED": "经查属实",
    "FEEDBACK_SENT": "已反馈",
    "REWARD_COMPUTED": "奖励已核算",
    "REWARD_APPROVED": "奖励已审批",
    "REWARD_PAID": "奖励已发放",
    "CLOSED": "已办结",
}
TERMINAL = {"CLOSED"}

TIP_MACHINE = Machine(
    "tip",
    "举报",
    STATES,
    [
        Transition("accept", ("RECEIVED",), "ACCEPTED", (OFFICER,), "受理"),
        Transition("reject", ("RECEIVED",), "NOT_ACCEPTED", (OFFICER,), "不予受理"),
        Transition("investigate", ("ACCEPTED",), "INVESTIGATING", (OFFICER, HANDLER), "开始调查"),
        Transition("find_unfounded", ("INVESTIGATING",), "UNFOUNDED", (OFFICER, HANDLER), "认定不属实"),
        Transition("substantiate", ("INVESTIGATING",), "SUBSTANTIATED", (OFFICER, HANDLER), "认定属实"),
        Transition(
            "send_feedback", ("UNFOUNDED", "SUBSTANTIATED"), "FEEDBACK_SENT", (OFFICER,), "反馈举报人"
        ),
        Transition("compute_reward", ("FEEDBACK_SENT",), "REWARD_COMPUTED", (OFFICER,), "核算奖励"),
        Transition("approve_reward", ("REWARD_COMPUTED",), "REWARD_APPROVED", (APPROVER,), "审批奖励"),
        Transition("pay_reward", ("REWARD_APPROVED",), "REWARD_PAID", (PAYER,), "发放奖励"),
        Transition("close", ("NOT_ACCEPTED", "FEEDBACK_SENT", "REWARD_PAID"), "CLOSED", (OFFICER,), "办结"),
    ],
)
