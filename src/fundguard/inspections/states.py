"""State machines of the inspections domain (event → allowed from-states, to-state).

抽查计划 random plan: PLANNED 已计划 → DRAWN 已抽取对象 → TEAM_ASSIGNED 已选派人员 → CLOSED 已办结.
检查任务 random inspection (domain.md §2e.1): DRAWN → TEAM_ASSIGNED → ON_SITE 现场检查 → RECORDED
检查记录已签字 → REPORTED 已出具报告 → DISPOSED 已处理（整改/立案/移送） → PUBLISHED 已公开 → CLOSED.
飞行检查 flight plan (§2e.2, 7 steps): TARGET_SELECTED 确定检查对象 → TEAM_FORMED 组建检查组 →
PLAN_MADE 制定检查方案 → ON_SITE 突击进入现场 → MATERIALS_CHECKED 调取资料核查 → REPORTED
形成检查报告 → HANDLED 依法处理处罚.
"""

from __future__ import annotations

from fundguard.transitions import target_state  # noqa: F401  (re-exported for the domain)

PLAN_ZH = {"PLANNED": "已计划", "DRAWN": "已抽取对象", "TEAM_ASSIGNED": "已选派人员", "CLOSED": "已办结"}
PLAN_TRANSITIONS = {
    "draw": (frozenset({"PLANNED"}), "DRAWN"),
    "assign_teams": (frozenset({"DRAWN"}), "TEAM_ASSIGNED"),
    "close": (frozenset({"TEAM_ASSIGNED"}), "CLOSED"),
}
INSPECTION_ZH = {
    "DRAWN": "已抽中",
    "TEAM_ASSIGNED": "已选派人员",
    "ON_SITE": "现场检查中",
    "RECORDED": "检查记录已签字",
    "REPORTED": "已出具检查报告",
    "DISPOSED": "已处理",
    "PUBLISHED": "已公开",
    "CLOSED": "已办结",
}
INSPECTION_TRANSITIONS = {
    "assign_team": (frozenset({"DRAWN"}), "TEAM_ASSIGNED"),
    "start_on_site": (frozenset({"TEAM_ASSIGNED"}), "ON_SITE"),
    "record": (frozenset({"ON_SITE"}), "RECORDED"),
    "report": (frozenset({"RECORDED"}), "REPORTED"),
    "dispose": (frozenset({"REPORTED"}), "DISPOSED"),
    "publish": (frozenset({"DISPOSED"}), "PUBLISHED"),
    "close": (frozenset({"PUBLISHED"}), "CLOSED"),
}
FLIGHT_ZH = {
    "TARGET_SELECTED": "已确定检查对象",
    "TEAM_FORMED": "已组建检查组",
    "PLAN_MADE": "已制定检查方案",
    "ON_SITE": "已进入现场",
    "MATERIALS_CHECKED": "已调取资料核查",
    "REPORTED": "已形成检查报告",
    "HANDLED": "已依法处理",
}
FLIGHT_TRANSITIONS = {
    "form_team": (frozenset({"TARGET_SELECTED"}), "TEAM_FORMED"),
    "make_scheme": (frozenset({"TEAM_FORMED"}), "PLAN_MADE"),
    "enter_site": (frozenset({"PLAN_MADE"}), "ON_SITE"),
    "check_materials": (frozenset({"ON_SITE"}), "MATERIALS_CHECKED"),
    "report": (frozenset({"MATERIALS_CHECKED"}), "REPORTED"),
    "handle": (frozenset({"REPORTED"}), "HANDLED"),
}
