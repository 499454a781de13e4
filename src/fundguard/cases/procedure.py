"""The statutory procedure of one case as a timeline (办案流程): each step's owner, due date and state.

Steps follow domain.md §2f: 线索登记 → 核实 → 立案 → 调查取证 → 告知 → 陈述申辩／听证 → 法制审核
(重大决定) → 集体讨论 (重大决定) → 决定 → 送达 → 执行 → 结案归档. A step is *done* when its event
was fired (date and actor from ``case_step``); its due date is the deadline by which that event
must happen, computed from the profile exactly as ``service`` sets ``step_deadline``:

- 立案: ``case.prelim_verification_wd`` working days after 核实 was assigned (holiday-aware);
- 调查取证 … 决定: ``case.decision_deadline_days`` calendar days after filing;
- 陈述申辩: ``case.defence_period_wd`` working days after the notice;
- 送达: ``case.service_days`` after the decision; 执行: ``case.fine_payment_days`` after service.

A step not done whose due date has passed is overdue; a step done after its due date was late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fundguard.cases import machine as m
from fundguard.cases.models import Case, CaseStep
from fundguard.profiles import get_profile
from fundguard.timeutil import localize
from fundguard.timeutil import today as local_today

DUTY_LABELS = {
    m.HANDLER: "办案人员",
    m.LEGAL: "法制审核人员",
    m.COLLECTIVE: "集体讨论成员",
    "admin": "系统管理员",
}


@dataclass
class Step:
    key: str
    label: str
    event: str | None  # the event that completes the step (None: registration)
    owner: str
    due: date | None = None
    due_rule: str = ""
    done_on: date | None = None
    done_by: str = ""
    note: str = ""
    state: str = "pending"  # done / current / pending / skipped / late
    overdue: bool = False

    @property
    def state_label(self) -> str:
        return {
            "done": "已完成",
            "late": "逾期完成",
            "current": "办理中",
            "pending": "未开始",
            "skipped": "不适用",
        }[self.state]


# (key, label, completing event)
STEPS = [
    ("register", "线索登记", None),
    ("verify", "核实", "assign_verification"),
    ("file", "立案", "file"),
    ("investigate", "调查取证", "start_investigation"),
    ("notify", "告知", "notify"),
    ("defence", "陈述申辩／听证", "hear_defence"),
    ("legal_review", "法制审核（重大决定）", "legal_review"),
    ("discussion", "集体讨论（重大决定）", "collective_discussion"),
    ("decide", "决定", "decide"),
    ("serve", "送达", "serve"),
    ("execute", "执行", "execute"),
    ("archive", "结案归档", "archive"),
]


def _owner(event: str | None, case: Case) -> str:
    if event is None:
        return DUTY_LABELS[m.HANDLER]
    if event == "collective_discussion":
        return DUTY_LABELS[m.COLLECTIVE]
    t = m.CASE_MACHINE.transitions[event]
    label = "／".join(DUTY_LABELS.get(r, r) for r in t.roles)
    if m.HANDLER in t.roles and case.assignee:
        label += f"（{case.assignee}）"
    return label


def timeline(
    case: Case, steps: list[CaseStep], major: bool | None, today: date | None = None, cal=None
) -> list[Step]:
    """The procedure of ``case`` with each step's owner, due date and state on ``today``.

    ``major``: the drafted decision is a major one (法制审核 and 集体讨论 apply), None while no
    decision is drafted (the two steps stay open); ``cal``: the
    working-day calendar (``machine.calendar(session)`` to include the administrator's overrides).
    """
    day = today or local_today()
    prof = get_profile()
    fired: dict[str, CaseStep] = {}
    for s in steps:
        fired[s.event] = s  # the latest firing counts (e.g. investigation resumed after a transfer)
    assigned = fired.get("assign_verification")
    decided = fired.get("decide")
    dues: dict[str, tuple[date | None, str]] = {
        "file": (
            m.prelim_deadline(localize(assigned.occurred_at).date(), cal) if assigned else None,
            f"核实后{prof['case.prelim_verification_wd']}个工作日内",
        ),
        "investigate": (case.decision_due, f"立案后{prof['case.decision_deadline_days']}日内作出决定"),
        "notify": (case.decision_due, f"立案后{prof['case.decision_deadline_days']}日内作出决定"),
        "defence": (case.defence_due, f"告知后{prof['case.defence_period_wd']}个工作日"),
        "legal_review": (case.decision_due, f"立案后{prof['case.decision_deadline_days']}日内作出决定"),
        "discussion": (case.decision_due, f"立案后{prof['case.decision_deadline_days']}日内作出决定"),
        "decide": (case.decision_due, f"立案后{prof['case.decision_deadline_days']}日内"),
        "serve": (
            m.service_due(localize(decided.occurred_at).date()) if decided else None,
            f"决定后{prof['case.service_days']}日内",
        ),
        "execute": (case.fine_due, f"送达后{prof['case.fine_payment_days']}日内缴纳罚款"),
    }
    # The current step's deadline is the one the service stored (it honours back-dated entries).
    if case.status == "PRELIM_VERIFYING":
        dues["file"] = (case.step_deadline, dues["file"][1])
    if case.status == "DECIDED":
        dues["serve"] = (case.step_deadline, dues["serve"][1])
    allowed = set(m.CASE_MACHINE.allowed_events(case.status))
    closed_early = case.status == "CLOSED_NO_CASE"
    out: list[Step] = []
    for key, label, event in STEPS:
        due, rule = dues.get(key, (None, ""))
        step = Step(key=key, label=label, event=event, owner=_owner(event, case), due=due, due_rule=rule)
        if event is None:
            step.state, step.done_on = "done", localize(case.created_at).date()
        elif event == "collective_discussion":
            if case.collective_discussion:
                step.state = "done"
                step.note = case.collective_discussion
            elif case.status == "LEGAL_REVIEWED":
                step.state = "current"
        elif event in fired:
            s = fired[event]
            step.done_on, step.done_by, step.note = localize(s.occurred_at).date(), s.actor, s.note
            step.state = "late" if due and step.done_on > due else "done"
        elif event in allowed:
            step.state = "current"
        optional = key in ("legal_review", "discussion") and step.state in ("pending", "current")
        if optional and (major is False or "decide" in fired):
            step.state = "skipped"
        if closed_early and step.state == "pending":
            step.state = "skipped"
        step.overdue = step.state == "current" and due is not None and due < day
        out.append(step)
    return out
