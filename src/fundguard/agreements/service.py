"""Agreements service (协议管理): the public functions of the domain, one import for callers.

The steps live in small modules: ``applications`` (定点申请 workflow and deadlines),
``exclusions`` (不予受理 E-5/E-6, reapply lock), ``lifecycle`` (服务协议 states,
``run_due_transitions``), ``supervision`` (被调查, 信息变更, responsible persons, penalties) and
``flows`` (signing, measures and the annual assessment, which touch the credit domain).
"""

from __future__ import annotations

from fundguard.agreements.applications import (  # noqa: F401
    accept,
    file_result,
    is_overdue,
    notice_end,
    overdue,
    receive_complaint,
    record_initial_result,
    record_network_test,
    request_materials,
    request_network_test,
    resolve_complaint,
    resubmit,
    sign_due,
    start_initial_evaluation,
    start_negotiation,
    start_network_test,
    start_public_notice,
    start_setup,
    steps,
    submit,
    waive,
)
from fundguard.agreements.applications import get as get_application  # noqa: F401
from fundguard.agreements.exclusions import exclusion_reasons  # noqa: F401
from fundguard.agreements.flows import (  # noqa: F401
    publish,
    record_annual_assessment,
    request_change,
    rescind,
    sign,
    suspend,
)
from fundguard.agreements.lifecycle import (  # noqa: F401
    apply_renewal,
    conclude_re_evaluation,
    conclude_renewal,
    end_of_term,
    for_institution,
    interruption_on,
    interruptions,
    pause,
    renewal_deadline,
    renewal_due_on,
    renewal_overdue,
    request_resume,
    run_due_transitions,
    term_for_grade,
    terminate,
)
from fundguard.agreements.lifecycle import create as create_agreement  # noqa: F401
from fundguard.agreements.lifecycle import get as get_agreement  # noqa: F401
from fundguard.agreements.supervision import (  # noqa: F401
    is_under_investigation,
    mark_penalty_paid,
    record_penalty,
    register_person,
    set_under_investigation,
)
