"""State machines of the agreements domain, as data: event → (allowed from-states, to-state).

申请 application (domain.md §2b): SUBMITTED 已提交 → MATERIALS_REQUESTED 一次性告知补正 → SUBMITTED
→ ACCEPTED 已受理 → INITIAL_EVAL 初次评估 → INITIAL_FAILED 初评不合格 | INITIAL_PASSED 初评合格 →
SETUP 准备（PSAM卡、专网备案） → NETWORK_TEST_REQUESTED 申请联网测试 → NETWORK_TEST 联网测试 →
TEST_FAILED_1 测试未通过（可再测） | TEST_FAILED_2 → EVAL_FAILED 评估不合格 | QUALIFIED 评估合格 →
FILED 已备案 → PUBLIC_NOTICE 公示 → COMPLAINT_VERIFYING 投诉核实中 → NOT_SIGNED 不予签约 |
NEGOTIATING 协商谈判 → SIGNED 已签约 | WAIVED 视同放弃 → PUBLISHED 已公布.

协议 agreement: ACTIVE 有效, RENEWAL_NEGOTIATION 续签协商, PAUSED 中止, SUSPENDED 暂停,
RE_EVALUATION 重新评估, RESCINDED 解除, TERMINATED 终止, EXPIRED_EXIT 到期退出.
"""

from __future__ import annotations

from fundguard.transitions import target_state  # noqa: F401  (re-exported for the domain)

APP_ZH = {
    "SUBMITTED": "已提交",
    "MATERIALS_REQUESTED": "待补正材料",
    "ACCEPTED": "已受理",
    "INITIAL_EVAL": "初次评估中",
    "INITIAL_FAILED": "初次评估不合格",
    "INITIAL_PASSED": "初次评估合格",
    "SETUP": "联网准备中",
    "NETWORK_TEST_REQUESTED": "已申请联网测试",
    "NETWORK_TEST": "联网测试中",
    "TEST_FAILED_1": "联网测试未通过（可再次申请）",
    "TEST_FAILED_2": "联网测试第二次未通过",
    "EVAL_FAILED": "评估不合格",
    "QUALIFIED": "评估合格",
    "FILED": "已备案",
    "PUBLIC_NOTICE": "公示中",
    "COMPLAINT_VERIFYING": "投诉核实中",
    "NOT_SIGNED": "不予签约",
    "NEGOTIATING": "协商谈判中",
    "SIGNED": "已签约",
    "WAIVED": "视同自动放弃",
    "PUBLISHED": "已公布",
}

APP_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "request_materials": (frozenset({"SUBMITTED"}), "MATERIALS_REQUESTED"),
    "resubmit": (frozenset({"MATERIALS_REQUESTED"}), "SUBMITTED"),
    "accept": (frozenset({"SUBMITTED"}), "ACCEPTED"),
    "start_initial_eval": (frozenset({"ACCEPTED"}), "INITIAL_EVAL"),
    "initial_pass": (frozenset({"INITIAL_EVAL"}), "INITIAL_PASSED"),
    "initial_fail": (frozenset({"INITIAL_EVAL"}), "INITIAL_FAILED"),
    "start_setup": (frozenset({"INITIAL_PASSED"}), "SETUP"),
    "request_network_test": (frozenset({"SETUP", "TEST_FAILED_1"}), "NETWORK_TEST_REQUESTED"),
    "start_network_test": (frozenset({"NETWORK_TEST_REQUESTED"}), "NETWORK_TEST"),
    "test_pass": (frozenset({"NETWORK_TEST"}), "QUALIFIED"),
    "test_fail_retry": (frozenset({"NETWORK_TEST"}), "TEST_FAILED_1"),
    "test_fail_final": (frozenset({"NETWORK_TEST"}), "TEST_FAILED_2"),
    "fail_evaluation": (frozenset({"TEST_FAILED_2"}), "EVAL_FAILED"),
    "file": (frozenset({"QUALIFIED"}), "FILED"),
    "start_public_notice": (frozenset({"FILED"}), "PUBLIC_NOTICE"),
    "receive_complaint": (frozenset({"PUBLIC_NOTICE"}), "COMPLAINT_VERIFYING"),
    "clear_complaint": (frozenset({"COMPLAINT_VERIFYING"}), "PUBLIC_NOTICE"),
    "uphold_complaint": (frozenset({"COMPLAINT_VERIFYING"}), "NOT_SIGNED"),
    "start_negotiation": (frozenset({"PUBLIC_NOTICE"}), "NEGOTIATING"),
    "sign": (frozenset({"NEGOTIATING"}), "SIGNED"),
    "waive": (frozenset({"NEGOTIATING"}), "WAIVED"),
    "publish": (frozenset({"SIGNED"}), "PUBLISHED"),
}

AGR_ZH = {
    "ACTIVE": "有效",
    "RENEWAL_NEGOTIATION": "续签协商中",
    "PAUSED": "中止",
    "SUSPENDED": "暂停",
    "RE_EVALUATION": "重新评估中",
    "RESCINDED": "已解除",
    "TERMINATED": "已终止",
    "EXPIRED_EXIT": "到期退出",
}

AGR_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "apply_renewal": (frozenset({"ACTIVE"}), "RENEWAL_NEGOTIATION"),
    "renew": (frozenset({"RENEWAL_NEGOTIATION"}), "ACTIVE"),
    "refuse_renewal": (frozenset({"RENEWAL_NEGOTIATION"}), "EXPIRED_EXIT"),
    "expire": (frozenset({"ACTIVE"}), "EXPIRED_EXIT"),
    "pause": (frozenset({"ACTIVE"}), "PAUSED"),
    "auto_terminate": (frozenset({"PAUSED"}), "TERMINATED"),
    "request_resume": (frozenset({"PAUSED", "SUSPENDED"}), "RE_EVALUATION"),
    "change_re_evaluation": (frozenset({"ACTIVE"}), "RE_EVALUATION"),
    "resume": (frozenset({"RE_EVALUATION"}), "ACTIVE"),
    "refuse_resume_paused": (frozenset({"RE_EVALUATION"}), "PAUSED"),
    "refuse_resume_suspended": (frozenset({"RE_EVALUATION"}), "SUSPENDED"),
    "suspend": (frozenset({"ACTIVE"}), "SUSPENDED"),
    "rescind": (frozenset({"ACTIVE", "SUSPENDED"}), "RESCINDED"),
    "terminate": (frozenset({"ACTIVE"}), "TERMINATED"),
}
