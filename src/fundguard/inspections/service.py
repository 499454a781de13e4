"""Inspections service (监督检查): the public functions of the domain, one import for callers.

Modules: ``directory`` (名录库, 回避), ``draw`` (the reproducible random algorithm),
``random_plans`` (双随机 plans, draws, replay, per-target workflow), ``flows`` (一公开 publication),
``flight`` (飞行检查), ``self_check`` (自查自纠), ``clues`` (线索移交 to the cases domain).
"""

from __future__ import annotations

from fundguard.inspections.clues import hand_off_clue, mark_taken, pending_clues  # noqa: F401
from fundguard.inspections.directory import (  # noqa: F401
    add_affiliation,
    add_inspector,
    add_target,
    conflicts,
    declare_relation,
    inspectors,
    sync_targets,
    targets,
)
from fundguard.inspections.flows import flag_overdue_self_checks, publish_result  # noqa: F401
from fundguard.inspections.random_plans import (  # noqa: F401
    assign_teams,
    close,
    coverage,
    create_plan,
    dispose,
    draw_targets,
    get_inspection,
    get_plan,
    inspections,
    record,
    replay,
    report,
    start_on_site,
)
