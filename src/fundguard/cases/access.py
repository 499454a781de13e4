"""Who may see and act on which case, clue, problem item and tip (角色与数据范围).

Login roles (auth): staff = admin, supervisor, auditor, inspector, leader; ``leader`` only reads;
``institution`` users see only their own institution's rectification items and may only submit
rectification. Region scope: a record belongs to its ``region`` (医保区划) and, for problem items
and cases, to its institution; ``fundguard.auth.service.check_access`` / ``scope_filter`` decide.
A record outside the user's scope answers 403 (by URL, in pages and in the JSON API alike).
The finer duties of domain.md §1.2 (case handler, legal reviewer, whistleblower officer…) are
checked by the state machines through ``Actor`` (see ``deps.DUTIES``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from fundguard.auth.models import User
from fundguard.auth.service import check_access, scope_filter
from fundguard.cases import clues, documents, rectification, service
from fundguard.cases.deps import actor_for
from fundguard.cases.models import Case, CaseDocument, CaseEvidence, Clue, ProblemItem
from fundguard.cases.statemachine import Actor
from fundguard.errors import Forbidden, NotFound

READ_ROLES = ("admin", "supervisor", "auditor", "inspector", "leader")
HANDLE_ROLES = ("admin", "supervisor", "auditor", "inspector")
ALL_ROLES = (*READ_ROLES, "institution")
# Who may act on rectification: staff for registering/notifying/closing, institutions to submit.
SUBMIT_ROLES = (*HANDLE_ROLES, "institution")


def actor_of(user: User) -> Actor:
    return actor_for(user.username, user.role, user.region)


def staff_only(user: User) -> None:
    if user.role not in READ_ROLES:
        raise Forbidden("ROLE_FORBIDDEN", "当前角色无权执行此操作", f"role {user.role} may not do this")


# --- conditions for listings ------------------------------------------------------------------


def case_condition(user: User):
    return scope_filter(user, Case.institution_code, Case.region)


def clue_condition(user: User):
    return scope_filter(user, Clue.institution_code, Clue.region)


def problem_condition(user: User):
    return scope_filter(user, ProblemItem.institution_code, ProblemItem.region)


def tip_condition(user: User):
    from fundguard.tips.models import Tip

    return scope_filter(user, Tip.accused_institution, Tip.region)


# --- single records ---------------------------------------------------------------------------


def case(session: Session, user: User, case_id: int) -> Case:
    staff_only(user)
    found = service.get(session, case_id)
    check_access(user, found.institution_code, found.region)
    return found


def clue(session: Session, user: User, clue_id: int) -> Clue:
    staff_only(user)
    found = clues.get(session, clue_id)
    check_access(user, found.institution_code, found.region)
    return found


def problem(session: Session, user: User, problem_id: int) -> ProblemItem:
    found = rectification.get(session, problem_id)
    check_access(user, found.institution_code, found.region)
    return found


def tip(session: Session, user: User, tip_id: int):
    from fundguard.tips import service as tips

    staff_only(user)
    found = tips.get(session, tip_id)
    check_access(user, found.accused_institution, found.region)
    return found


def evidence(session: Session, user: User, evidence_id: int) -> CaseEvidence:
    item = session.get(CaseEvidence, evidence_id)
    if item is None:
        raise NotFound("EVIDENCE_NOT_FOUND", f"证据不存在：{evidence_id}", "evidence not found")
    case(session, user, item.case_id)
    return item


def document(session: Session, user: User, document_id: int) -> CaseDocument:
    """A case document for staff in scope; a 整改通知书 also for its institution."""
    row = documents.get(session, document_id)
    if row.case_id is not None:
        case(session, user, row.case_id)
    else:
        problem(session, user, row.problem_id)
    return row
