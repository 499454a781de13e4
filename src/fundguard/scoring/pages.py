"""Web pages of the scoring domain (记分管理): 人员列表, 一人一档, 申诉待办, 机构汇总.

Read-only HTML over ``fundguard.scoring.service`` and the scoring tables. A person is visible to a
user when one of the person's ledger entries, or one of the person's registrations (登记备案), lies
in the user's scope (institution users: their own institution; others: their region prefix).
Points and status are shared nationwide (S-6): once a person is visible, the whole file is shown.
Names are masked unless the role may see identifiers (``auth.sees_identifiers``).
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.auth.privacy import mask_name
from fundguard.db import session_scope
from fundguard.errors import Forbidden, NotFound
from fundguard.masterdata.models import Institution, Practitioner, Registration
from fundguard.scoring import ledger, service
from fundguard.scoring.models import Appeal, PersonFile, PointsEntry, QualificationPeriod
from fundguard.timeutil import today
from fundguard.web.security import require_roles
from fundguard.web.templating import ALL_ROLES, Page, render

router = APIRouter()
PAGE_SIZE = 50

STATUS_LABELS = {"active": "正常", "suspended": "暂停", "terminated": "终止"}
KIND_LABELS = {
    "decision": "记分决定",
    "external": "异地/外部记分",
    "reversal": "更正冲销",
    "appeal_filed": "提出申诉",
    "appeal_outcome": "申诉复核结果",
    "repair": "记分修复",
    "reinstatement": "重新登记备案",
}
OUTCOME_LABELS = {"upheld": "维持", "reduced": "变更分值", "revoked": "撤销"}
APPEAL_STATUS_LABELS = {"pending": "待复核", **OUTCOME_LABELS}
PERIOD_LABELS = {"suspension": "暂停", "termination": "终止"}


# --- scope ------------------------------------------------------------------------------------


def _visible(user: User, code):
    """Condition: the person ``code`` (a column or a value) has an entry or a registration in scope."""
    entry_in = (
        select(PointsEntry.id)
        .where(
            PointsEntry.prac_psn_code == code,
            auth.scope_filter(user, PointsEntry.fixmedins_code, PointsEntry.admdvs),
        )
        .exists()
    )
    registration_in = (
        select(Registration.id)
        .join(Institution, Institution.fixmedins_code == Registration.fixmedins_code)
        .where(
            Registration.prac_psn_code == code,
            auth.scope_filter(user, Registration.fixmedins_code, Institution.admdvs),
        )
        .exists()
    )
    return or_(entry_in, registration_in)


def _current(code, on: date):
    """Condition: the person has an entry in ``on``'s year or a stored period in force on ``on``."""
    year_entry = (
        select(PointsEntry.id)
        .where(
            PointsEntry.prac_psn_code == code,
            PointsEntry.effective_date >= date(on.year, 1, 1),
            PointsEntry.effective_date <= date(on.year, 12, 31),
        )
        .exists()
    )
    in_force = (
        select(QualificationPeriod.id)
        .where(
            QualificationPeriod.prac_psn_code == code,
            QualificationPeriod.start_date <= on,
            or_(QualificationPeriod.end_date.is_(None), QualificationPeriod.end_date > on),
        )
        .exists()
    )
    return or_(year_entry, in_force)


def _name_column():
    return func.coalesce(Practitioner.prac_psn_name, PersonFile.name)


def _shown_name(name: str | None, masked: bool) -> str:
    return mask_name(name) if masked else (name or "")


def _status_view(st) -> dict:
    warning = service.is_warning(st)
    return {
        "status": st.status,
        "label": "预警（约谈、重点监管）" if warning else STATUS_LABELS.get(st.status, st.status),
        "warning": warning,
        "year_points": st.year_points,
        "until": st.until,
        "barred_until": st.barred_until,
    }


# --- 记分管理: persons ------------------------------------------------------------------------


@router.get("/scoring", include_in_schema=False)
def scoring_nav(user: User = Depends(require_roles(*ALL_ROLES))):
    return RedirectResponse("/points", status_code=303)


def _persons_query(user: User, base, q: str, on: date, masked: bool):
    query = (
        base.select_from(PersonFile)
        .outerjoin(Practitioner, Practitioner.prac_psn_code == PersonFile.prac_psn_code)
        .where(_visible(user, PersonFile.prac_psn_code), _current(PersonFile.prac_psn_code, on))
    )
    if q:
        conditions = [PersonFile.prac_psn_code.contains(q, autoescape=True)]
        if not masked:  # a masked user may not look people up by name
            conditions.append(_name_column().contains(q, autoescape=True))
        query = query.where(or_(*conditions))
    return query


@router.get("/points", response_class=HTMLResponse, include_in_schema=False)
def points_index(
    request: Request,
    q: str = "",
    page: int = Query(1, ge=1),
    user: User = Depends(require_roles(*ALL_ROLES)),
):
    q = q.strip()
    on = today()
    masked = not auth.sees_identifiers(user)
    with session_scope() as session:
        total = session.execute(_persons_query(user, select(func.count()), q, on, masked)).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        found = session.execute(
            _persons_query(user, select(PersonFile.prac_psn_code, _name_column()), q, on, masked)
            .order_by(PersonFile.prac_psn_code)
            .offset(pg.offset)
            .limit(pg.size)
        ).all()
        rows = [
            {
                "prac_psn_code": code,
                "name": _shown_name(name, masked),
                **_status_view(service.status_on(session, code, on)),
            }
            for code, name in found
        ]
    return render(
        request,
        "scoring/index.html",
        {"rows": rows, "page": pg, "q": q, "year": on.year, "on": on, "masked": masked},
        active="scoring",
    )


# --- 一人一档 ---------------------------------------------------------------------------------


def _check_person(session: Session, user: User, code: str) -> None:
    if session.get(PersonFile, code) is None and session.get(Practitioner, code) is None:
        raise NotFound("PERSON_NOT_FOUND", f"人员 {code} 不存在", f"no person {code}", "prac_psn_code")
    if not session.execute(select(_visible(user, code))).scalar():
        raise Forbidden("OUT_OF_SCOPE", "无权查看该人员的档案", "person is outside your scope")


def _entry_view(e: PointsEntry) -> dict:
    return {
        "seq": e.seq,
        "decision_date": e.decision_date,
        "effective_date": e.effective_date,
        "kind": e.kind,
        "kind_label": KIND_LABELS.get(e.kind, e.kind),
        "points": e.points,
        "behaviour_code": e.behaviour_code,
        "admdvs": e.admdvs,
        "fixmedins_code": e.fixmedins_code,
        "legal_basis": e.legal_basis,
        "facts": e.facts,
        "case_ref": e.case_ref,
        "agency": e.agency,
        "operator": e.operator,
        "target_seq": e.target_seq,
        "outcome": OUTCOME_LABELS.get(e.outcome, e.outcome),
        "suspend_months": e.suspend_months,
        "hash_prefix": e.hash[:12],
    }


@router.get("/points/appeals", response_class=HTMLResponse, include_in_schema=False)
def appeals_queue(
    request: Request,
    show: str = "pending",
    page: int = Query(1, ge=1),
    user: User = Depends(require_roles(*ALL_ROLES)),
):
    show = "all" if show == "all" else "pending"
    on = today()
    masked = not auth.sees_identifiers(user)

    def query(base):
        found = (
            base.select_from(Appeal)
            .outerjoin(PersonFile, PersonFile.prac_psn_code == Appeal.prac_psn_code)
            .outerjoin(Practitioner, Practitioner.prac_psn_code == Appeal.prac_psn_code)
            .where(_visible(user, Appeal.prac_psn_code))
        )
        return found.where(Appeal.status == "pending") if show == "pending" else found

    with session_scope() as session:
        total = session.execute(query(select(func.count()))).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        found = session.execute(
            query(select(Appeal, _name_column()))
            .order_by(Appeal.decide_by, Appeal.id)
            .offset(pg.offset)
            .limit(pg.size)
        ).all()
        rows = []
        for appeal, name in found:
            entry = ledger.get_entry(session, appeal.entry_seq)
            rows.append(
                {
                    "id": appeal.id,
                    "prac_psn_code": appeal.prac_psn_code,
                    "name": _shown_name(name, masked),
                    "entry_seq": appeal.entry_seq,
                    "points": entry.points if entry else None,
                    "behaviour_code": entry.behaviour_code if entry else "",
                    "admdvs": entry.admdvs if entry else "",
                    "filed_on": appeal.filed_on,
                    "deadline": appeal.deadline,
                    "decide_by": appeal.decide_by,
                    "status": appeal.status,
                    "status_label": APPEAL_STATUS_LABELS.get(appeal.status, appeal.status),
                    "overdue": appeal.status == "pending" and appeal.decide_by < on,
                }
            )
    return render(
        request,
        "scoring/appeals.html",
        {"rows": rows, "page": pg, "show": show, "on": on},
        active="scoring",
    )


# --- 机构汇总 ---------------------------------------------------------------------------------


@router.get("/points/institutions", response_class=HTMLResponse, include_in_schema=False)
def institutions_summary(
    request: Request,
    page: int = Query(1, ge=1),
    user: User = Depends(require_roles(*ALL_ROLES)),
):
    on = today()
    with session_scope() as session:
        found = session.execute(
            select(
                Institution.fixmedins_code,
                Institution.fixmedins_name,
                Institution.admdvs,
                PersonFile.prac_psn_code,
            )
            .join(Registration, Registration.fixmedins_code == Institution.fixmedins_code)
            .join(PersonFile, PersonFile.prac_psn_code == Registration.prac_psn_code)
            .where(
                auth.scope_filter(user, Institution.fixmedins_code, Institution.admdvs),
                _current(PersonFile.prac_psn_code, on),
            )
            .order_by(Institution.fixmedins_code)
        ).all()
        statuses: dict[str, object] = {}
        summary: dict[str, dict] = {}
        for inst_code, inst_name, admdvs, code in found:
            if code not in statuses:
                statuses[code] = service.status_on(session, code, on)
            st = statuses[code]
            row = summary.setdefault(
                inst_code,
                {
                    "fixmedins_code": inst_code,
                    "fixmedins_name": inst_name,
                    "admdvs": admdvs or "",
                    "scored": 0,
                    "with_points": 0,
                    "suspended": 0,
                    "terminated": 0,
                },
            )
            row["scored"] += 1
            row["with_points"] += 1 if st.year_points > 0 else 0
            row["suspended"] += 1 if st.status == "suspended" else 0
            row["terminated"] += 1 if st.status == "terminated" else 0
    rows = list(summary.values())
    pg = Page.of(len(rows), page, PAGE_SIZE)
    return render(
        request,
        "scoring/institutions.html",
        {"rows": rows[pg.offset : pg.offset + pg.size], "page": pg, "year": on.year, "on": on},
        active="scoring",
    )


@router.get("/points/person/{prac_psn_code}", response_class=HTMLResponse, include_in_schema=False)
def person_page(request: Request, prac_psn_code: str, user: User = Depends(require_roles(*ALL_ROLES))):
    on = today()
    masked = not auth.sees_identifiers(user)
    with session_scope() as session:
        _check_person(session, user, prac_psn_code)
        file = service.person_file(session, prac_psn_code, on)
        st = service.status_on(session, prac_psn_code, on)
        entries = [_entry_view(e) for e in service.ledger_entries(session, prac_psn_code, limit=100000)]
        inst_codes = {r["fixmedins_code"] for r in file["registrations"]}
        names = dict(
            session.execute(
                select(Institution.fixmedins_code, Institution.fixmedins_name).where(
                    Institution.fixmedins_code.in_(inst_codes)
                )
            ).all()
        )
    registrations = [
        {**r, "fixmedins_name": names.get(r["fixmedins_code"], "")} for r in file["registrations"]
    ]
    appeals = [
        {**a, "status_label": APPEAL_STATUS_LABELS.get(a["status"], a["status"])} for a in file["appeals"]
    ]
    periods = [{**p, "label": PERIOD_LABELS.get(p["kind"], p["kind"])} for p in file["periods"]]
    return render(
        request,
        "scoring/person.html",
        {
            "code": prac_psn_code,
            "name": _shown_name(file["name"], masked),
            "status": _status_view(st),
            "entries": list(reversed(entries)),  # newest first
            "registrations": registrations,
            "appeals": appeals,
            "periods": periods,
            "on": on,
        },
        active="scoring",
    )
