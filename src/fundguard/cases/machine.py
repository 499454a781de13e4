"""Case procedure (案件办理程序) as a state machine, domain.md §2f, with owners and deadlines.

线索 CLUE → 初步核实 PRELIM_VERIFYING → 立案 FILED / 不予立案 CLOSED_NO_CASE → 调查取证 INVESTIGATING
→ (移送司法 TRANSFERRED_CRIMINAL) → 告知 NOTIFIED → 陈述申辩 DEFENCE_HEARD → 法制审核 LEGAL_REVIEWED
→ 作出决定 DECIDED → 送达 SERVED → 执行 EXECUTED → 结案归档 CLOSED_ARCHIVED.

A decision that is not major may go from DEFENCE_HEARD straight to DECIDED; a major one
(``case.major_fine_threshold``, rescission, person ban) must pass LEGAL_REVIEWED and a recorded
collective discussion (集体讨论) first — checked in ``service.decide``.
"""

from __future__ import annotations

from datetime import date, timedelta

from fundguard.cases.statemachine import Machine, Transition
from fundguard.profiles import get_profile
from fundguard.workdays import Calendar

HANDLER = "case_handler"
LEGAL = "legal_reviewer"
COLLECTIVE = "collective_discussion_member"

STATES = {
    "CLUE": "线索",
    "PRELIM_VERIFYING": "初步核实",
    "CLOSED_NO_CASE": "不予立案",
    "FILED": "已立案",
    "INVESTIGATING": "调查取证",
    "TRANSFERRED_CRIMINAL": "已移送司法机关",
    "NOTIFIED": "已告知",
    "DEFENCE_HEARD": "已听取陈述申辩",
    "LEGAL_REVIEWED": "已法制审核",
    "DECIDED": "已作出决定",
    "SERVED": "已送达",
    "EXECUTED": "已执行",
    "CLOSED_ARCHIVED": "已结案归档",
}
TERMINAL = {"CLOSED_NO_CASE", "CLOSED_ARCHIVED"}

CASE_MACHINE = Machine(
    "case",
    "案件",
    STATES,
    [
        Transition("assign_verification", ("CLUE",), "PRELIM_VERIFYING", (HANDLER,), "分派初步核实"),
        Transition("close_no_case", ("PRELIM_VERIFYING",), "CLOSED_NO_CASE", (HANDLER,), "不予立案"),
        Transition("file", ("PRELIM_VERIFYING",), "FILED", (HANDLER,), "立案"),
        Transition("start_investigation", ("FILED",), "INVESTIGATING", (HANDLER,), "开始调查取证"),
        Transition(
            "transfer_criminal", ("INVESTIGATING",), "TRANSFERRED_CRIMINAL", (HANDLER,), "移送司法机关"
        ),
        Transition("resume", ("TRANSFERRED_CRIMINAL",), "INVESTIGATING", (HANDLER,), "恢复行政调查"),
        Transition("notify", ("INVESTIGATING",), "NOTIFIED", (HANDLER,), "告知拟处罚决定及权利"),
        Transition("hear_defence", ("NOTIFIED",), "DEFENCE_HEARD", (HANDLER,), "听取陈述申辩"),
        Transition("legal_review", ("DEFENCE_HEARD",), "LEGAL_REVIEWED", (LEGAL,), "法制审核"),
        Transition(
            "decide", ("DEFENCE_HEARD", "LEGAL_REVIEWED"), "DECIDED", (HANDLER, COLLECTIVE), "作出处罚决定"
        ),
        Transition("serve", ("DECIDED",), "SERVED", (HANDLER,), "送达文书"),
        Transition("execute", ("SERVED",), "EXECUTED", (HANDLER,), "执行完毕"),
        Transition(
            "archive", ("EXECUTED", "TRANSFERRED_CRIMINAL"), "CLOSED_ARCHIVED", (HANDLER,), "结案归档"
        ),
    ],
)

# Who owns the case while it sits in a state (the role expected to act next).
OWNER_ROLE = {
    "CLUE": HANDLER,
    "PRELIM_VERIFYING": HANDLER,
    "FILED": HANDLER,
    "INVESTIGATING": HANDLER,
    "TRANSFERRED_CRIMINAL": HANDLER,
    "NOTIFIED": HANDLER,
    "DEFENCE_HEARD": LEGAL,
    "LEGAL_REVIEWED": COLLECTIVE,
    "DECIDED": HANDLER,
    "SERVED": HANDLER,
    "EXECUTED": HANDLER,
    "CLOSED_NO_CASE": HANDLER,
    "CLOSED_ARCHIVED": HANDLER,
}


def calendar(session=None) -> Calendar:
    """The holiday-aware calendar; with a session, the administrator's overrides (调休) apply."""
    if session is None:
        return Calendar()
    from fundguard.calendar_admin.service import calendar as effective

    return effective(session)


def prelim_deadline(start: date, cal: Calendar | None = None) -> date:
    """初步核实: ``case.prelim_verification_wd`` working days to decide whether to file."""
    return (cal or calendar()).add_working_days(start, int(get_profile()["case.prelim_verification_wd"]))


def decision_due(filed_on: date) -> date:
    """作出决定: ``case.decision_deadline_days`` calendar days from filing (行政处罚法 says 日)."""
    return filed_on + timedelta(days=int(get_profile()["case.decision_deadline_days"]))


def defence_due(notified_on: date, cal: Calendar | None = None) -> date:
    """陈述申辩: ``case.defence_period_wd`` working days after the notice."""
    return (cal or calendar()).add_working_days(notified_on, int(get_profile()["case.defence_period_wd"]))


def hearing_request_due(notified_on: date) -> date:
    return notified_on + timedelta(days=int(get_profile()["case.hearing_request_days"]))


def service_due(decided_on: date) -> date:
    return decided_on + timedelta(days=int(get_profile()["case.service_days"]))


def fine_due(served_on: date) -> date:
    return served_on + timedelta(days=int(get_profile()["case.fine_payment_days"]))
