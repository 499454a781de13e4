"""Web pages of clues (线索管理 /clues), cases (案件办理 /cases) and rectification (问题整改 /rectification).

Every page checks the role (staff read, ``leader`` only reads; institution users reach only
their own rectification items) and the data scope (``cases.access``); a record outside the
user's region or institution answers 403. Every change goes through the services with the
logged-in user as the actor, so it lands in the audit log. After a change the page redirects
back (303) with ``?ok=<what>``; a refused step (e.g. an illegal transition) shows the Chinese
error page with its status (409, 403, 422).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from fundguard.auth.models import User
from fundguard.auth.service import scope_filter
from fundguard.cases import access, clues, documents, exchange, flows, penalty, procedure, schemas, service
from fundguard.cases import machine as m
from fundguard.cases import rectification as rect
from fundguard.cases import views as api
from fundguard.cases.models import (
    Case,
    CaseEvidence,
    Clue,
    ClueSource,
    FindingVerdict,
    ProblemItem,
)
from fundguard.db import session_scope
from fundguard.errors import InputError
from fundguard.masterdata.models import Institution
from fundguard.profiles import get_profile
from fundguard.timeutil import today
from fundguard.web.security import require_roles
from fundguard.web.templating import Page, render

router = APIRouter()
PAGE_SIZE = 50

READ = require_roles(*access.READ_ROLES)
HANDLE = require_roles(*access.HANDLE_ROLES)
ANY = require_roles(*access.ALL_ROLES)
SUBMIT = require_roles(*access.SUBMIT_ROLES)

# 线索来源 offered on the form: key → (source_type, partner, label). 卫健/市场监管/公安 are
# department transfers; other regions (川渝协查…) and other departments name the partner.
SOURCE_KINDS = {
    "hotline_12345": ("hotline_12345", "12345热线", "12345工单"),
    "dept_health": ("department", "卫健", "卫健部门移送"),
    "dept_market": ("department", "市场监管", "市场监管部门移送"),
    "dept_police": ("department", "公安", "公安机关移送"),
    "dept_other": ("department", "", "其他部门移送（须填写部门）"),
    "region": ("region", "", "外地区协查（如川渝，须填写地区）"),
    "tip": ("tip", "", "举报"),
    "alert": ("alert", "", "监测预警"),
    "inspection": ("inspection", "", "检查发现"),
}
KIND_LABELS = {
    "improper_use": "违规使用（条例第38条）",
    "management": "内部管理违规（第39条）",
    "fraud": "机构欺诈骗保（第40条）",
    "individual": "个人违规/骗保（第41条）",
    "serious_harm": "造成重大损失（第43条）",
}
ACTOR_TYPES = {"unit": "单位", "individual": "个人"}
DOC_KINDS = {k: v[1] for k, v in documents.KINDS.items()}
DOWNSTREAM_KINDS = {"points": "医保医师记分", "credit": "信用记录", "disclosure": "信息公开"}
DOWNSTREAM_STATUS = {"PROPOSED": "待处理", "DELIVERED": "已送达相关模块"}
VERDICTS = {"CONFIRMED": "确认违规", "REJECTED": "排除"}

# Fields each case event asks for on the page: (field, label, default).
EVENT_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "assign_verification": [("assignee", "核实人员", "")],
    "file": [("note", "立案理由", "")],
    "close_no_case": [("note", "不予立案理由", "")],
    "start_investigation": [],
    "transfer_criminal": [("receiving_agency", "接收机关", "公安机关")],
    "resume": [("note", "恢复理由", "")],
    "notify": [],
    "hear_defence": [],
    "legal_review": [("opinion", "法制审核意见", "")],
    "decide": [("basis", "决定依据", "")],
    "serve": [("method", "送达方式", "直接送达")],
    "execute": [("note", "执行情况", "")],
    "archive": [],
}
CASE_OK = {
    "opened": "已由线索转为案件",
    "event": "已办理",
    "facts": "案情要素已保存",
    "draft": "拟处罚决定已保存",
    "statement": "陈述申辩已登记",
    "discussion": "集体讨论结论已登记",
    "evidence": "证据已上传",
    "document": "文书已生成（.docx 与 PDF）",
}
CLUE_OK = {
    "created": "线索已登记",
    "merged_auto": "同一对象、同类问题的线索已存在，本来源已并入该线索",
    "merged": "重复线索已合并，全部来源保留",
    "dropped": "线索已终止",
    "from_findings": "已由选定疑点生成线索",
    "inspections": "已接收监督检查移交的线索",
}
PROBLEM_OK = {
    "registered": "问题已登记编号",
    "notify": "整改通知已下达",
    "submit": "整改材料已提交，等待复查销号",
    "close": "已销号",
    "reopen": "已退回再整改",
    "escalate": "已升级督办",
    "document": "整改通知书已生成（.docx 与 PDF）",
    "sweep": "逾期问题已标记",
}


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _names(session: Session, codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    q = select(Institution.fixmedins_code, Institution.fixmedins_name).where(
        Institution.fixmedins_code.in_(codes)
    )
    return dict(session.execute(q).all())


def _date(value: str, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError("DATE", f"日期格式应为 YYYY-MM-DD：{value}", field=field) from None


def _money(value: str, field: str) -> Decimal:
    try:
        return Decimal((value or "0").strip() or "0")
    except InvalidOperation:
        raise InputError("AMOUNT", f"金额格式不正确：{value}", field=field) from None


def _split(value: str) -> list[str]:
    return [s.strip() for s in (value or "").replace("，", ",").replace("、", ",").split(",") if s.strip()]


# --- 线索管理 -----------------------------------------------------------------------------------


def _clue_query(user: User, base, f: dict):
    q = base.select_from(Clue).where(access.clue_condition(user))
    if f["status"]:
        q = q.where(Clue.status == f["status"])
    if f["source_type"]:
        q = q.where(exists().where(ClueSource.clue_id == Clue.id, ClueSource.source_type == f["source_type"]))
    if f["q"]:
        like = f["q"]
        q = q.where(
            or_(
                Clue.clue_no.contains(like, autoescape=True),
                Clue.institution_code.contains(like, autoescape=True),
                Clue.person_code.contains(like, autoescape=True),
                Clue.summary.contains(like, autoescape=True),
            )
        )
    return q


@router.get("/clues", response_class=HTMLResponse, include_in_schema=False)
def clue_index(
    request: Request,
    status: str = "",
    source_type: str = "",
    q: str = "",
    ok: str = "",
    page: int = Query(1, ge=1),
    user: User = Depends(READ),
):
    f = {"status": status.strip(), "source_type": source_type.strip(), "q": q.strip()}
    with session_scope() as session:
        total = session.execute(_clue_query(user, select(func.count()), f)).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        found = list(
            session.execute(
                _clue_query(user, select(Clue), f).order_by(Clue.id.desc()).offset(pg.offset).limit(pg.size)
            ).scalars()
        )
        by_clue: dict[int, list[ClueSource]] = {}
        if found:
            src_q = select(ClueSource).where(ClueSource.clue_id.in_([c.id for c in found]))
            for s in session.execute(src_q.order_by(ClueSource.id)).scalars():
                by_clue.setdefault(s.clue_id, []).append(s)
        names = _names(session, [c.institution_code for c in found])
        rows = [
            {"clue": c, "name": names.get(c.institution_code or "", ""), "sources": by_clue.get(c.id, [])}
            for c in found
        ]
        handoffs = len(clues.pending_inspection_handoffs(session, _in_scope(session, user)))
    return render(
        request,
        "clues/index.html",
        {
            "rows": rows,
            "page": pg,
            "filters": f,
            "statuses": clues.STATUSES,
            "source_types": clues.SOURCE_TYPES,
            "ok": CLUE_OK.get(ok, ""),
            "can_act": user.role in access.HANDLE_ROLES,
            "handoffs": handoffs,
        },
        active="clues",
    )


def _in_scope(session: Session, user: User):
    """Predicate: an institution (by code) lies in the user's region (institutions not on file: nationwide only)."""

    def check(code: str) -> bool:
        inst = session.get(Institution, code)
        admdvs = inst.admdvs if inst is not None else None
        return not user.region or (admdvs or "").startswith(user.region)

    return check


@router.post("/clues/take-inspections", include_in_schema=False)
def clue_take_inspections(user: User = Depends(HANDLE)):
    with session_scope() as session:
        clues.take_inspection_handoffs(session, access.actor_of(user), _in_scope(session, user))
    return _redirect("/clues?ok=inspections")


@router.get("/clues/new", response_class=HTMLResponse, include_in_schema=False)
def clue_new(request: Request, user: User = Depends(HANDLE)):
    return render(
        request, "clues/new.html", {"kinds": SOURCE_KINDS, "departments": clues.DEPARTMENTS}, active="clues"
    )


@router.post("/clues/new", include_in_schema=False)
def clue_create(
    kind: str = Form(...),
    source_ref: str = Form(""),
    partner: str = Form(""),
    institution_code: str = Form(""),
    person_code: str = Form(""),
    subjects: str = Form(""),
    period_from: str = Form(""),
    period_to: str = Form(""),
    amount: str = Form("0"),
    summary: str = Form(""),
    user: User = Depends(HANDLE),
):
    if kind not in SOURCE_KINDS:
        raise InputError("SOURCE_KIND", "请选择线索来源", field="kind")
    source_type, default_partner, _ = SOURCE_KINDS[kind]
    body = schemas.ClueIn(
        source_type=source_type,
        source_ref=source_ref.strip(),
        subjects=_split(subjects),
        institution_code=institution_code.strip() or None,
        person_code=person_code.strip() or None,
        period_from=_date(period_from, "period_from"),
        period_to=_date(period_to, "period_to"),
        amount=_money(amount, "amount"),
        summary=summary.strip(),
        partner=partner.strip() or default_partner,
    )
    with session_scope() as session:
        result = api.add_clue(body, user, session)
    return _redirect(f"/clues/{result['id']}?ok={'merged_auto' if result['merged'] else 'created'}")


def _finding_query(user: User, base, f: dict):
    from fundguard.rules.models import Finding

    used = exists().where(ClueSource.source_type == "finding", ClueSource.source_ref == Finding.finding_id)
    q = (
        base.select_from(Finding)
        .outerjoin(Institution, Institution.fixmedins_code == Finding.fixmedins_code)
        .where(
            scope_filter(user, Finding.fixmedins_code, Institution.admdvs),
            ~used,
            Finding.fixmedins_code.is_not(None),
        )
    )
    if f["category"]:
        q = q.where(Finding.category == f["category"])
    if f["fixmedins_code"]:
        q = q.where(Finding.fixmedins_code == f["fixmedins_code"])
    if f["rule_code"]:
        q = q.where(Finding.rule_code == f["rule_code"])
    return q


@router.get("/clues/from-findings", response_class=HTMLResponse, include_in_schema=False)
def clue_findings(
    request: Request,
    category: str = "",
    fixmedins_code: str = "",
    rule_code: str = "",
    page: int = Query(1, ge=1),
    user: User = Depends(HANDLE),
):
    from fundguard.rules.models import Finding

    f = {
        "category": category.strip(),
        "fixmedins_code": fixmedins_code.strip(),
        "rule_code": rule_code.strip(),
    }
    with session_scope() as session:
        total = session.execute(_finding_query(user, select(func.count()), f)).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        rows = list(
            session.execute(
                _finding_query(user, select(Finding, Institution.fixmedins_name), f)
                .order_by(Finding.fixmedins_code, Finding.category, Finding.finding_id)
                .offset(pg.offset)
                .limit(pg.size)
            ).all()
        )
        categories = [
            c for (c,) in session.execute(select(Finding.category).distinct().order_by(Finding.category))
        ]
    return render(
        request,
        "clues/from_findings.html",
        {"rows": rows, "page": pg, "filters": f, "categories": categories},
        active="clues",
    )


@router.post("/clues/from-findings", include_in_schema=False)
def clue_from_findings(finding_ids: list[str] = Form([]), user: User = Depends(HANDLE)):
    with session_scope() as session:
        made = api.clues_from_findings(schemas.FindingsIn(finding_ids=finding_ids), user, session)
    if len(made) == 1:
        return _redirect(f"/clues/{made[0]['id']}?ok=from_findings")
    return _redirect("/clues?ok=from_findings")


@router.post("/clues/import", response_class=HTMLResponse, include_in_schema=False)
async def clue_import(request: Request, file: UploadFile = File(...), user: User = Depends(HANDLE)):
    data = await file.read()
    with session_scope() as session:
        doc = api.parse_exchange_file(file.filename or "", data)
        rows = [
            {"clue_no": c.clue_no, "id": c.id, "merged": merged, "institution_code": c.institution_code}
            for c, merged in exchange.import_doc(session, access.actor_of(user), doc)
        ]
    return render(
        request,
        "clues/imported.html",
        {"rows": rows, "sender": doc.get("sender") or {}, "filename": file.filename},
        active="clues",
    )


@router.post("/clues/export", include_in_schema=False)
def clue_export(
    clue_ids: list[int] = Form([]),
    fmt: str = Form("json"),
    sender_code: str = Form(""),
    sender_name: str = Form(""),
    receiver_code: str = Form(""),
    receiver_name: str = Form(""),
    user: User = Depends(READ),
):
    import json

    sender = {
        "kind": "region",
        "code": sender_code.strip() or user.region or "000000",
        "name": sender_name.strip(),
    }
    receiver = {"kind": "region", "code": receiver_code.strip(), "name": receiver_name.strip()}
    with session_scope() as session:
        doc = api.export_doc(session, user, clue_ids, sender, receiver)
    stamp = today().strftime("%Y%m%d")
    if fmt == "xlsx":
        return Response(
            exchange.to_excel(doc),
            media_type=api.XLSX,
            headers={"Content-Disposition": f'attachment; filename="clue-exchange-{stamp}.xlsx"'},
        )
    body = json.dumps(doc, ensure_ascii=False, indent=2, default=str).encode()
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="clue-exchange-{stamp}.json"'},
    )


@router.get("/clues/{clue_id}", response_class=HTMLResponse, include_in_schema=False)
def clue_detail(request: Request, clue_id: int, ok: str = "", user: User = Depends(READ)):
    with session_scope() as session:
        clue = access.clue(session, user, clue_id)
        srcs = clues.sources(session, clue.id)
        candidates = []
        if clue.status == "OPEN":
            party = (
                Clue.institution_code == clue.institution_code
                if clue.institution_code
                else Clue.person_code == clue.person_code
            )
            candidates = list(
                session.execute(
                    select(Clue)
                    .where(access.clue_condition(user), Clue.status == "OPEN", Clue.id != clue.id, party)
                    .order_by(Clue.id)
                ).scalars()
            )
        absorbed = list(session.execute(select(Clue).where(Clue.merged_into == clue.id)).scalars())
        names = _names(session, [clue.institution_code])
        case = session.get(Case, clue.case_id) if clue.case_id else None
    title = (
        f"{names.get(clue.institution_code or '', clue.institution_code or clue.person_code or '')}线索核查"
    )
    return render(
        request,
        "clues/detail.html",
        {
            "clue": clue,
            "name": names.get(clue.institution_code or "", ""),
            "sources": srcs,
            "source_types": clues.SOURCE_TYPES,
            "statuses": clues.STATUSES,
            "candidates": candidates,
            "absorbed": absorbed,
            "case": case,
            "default_title": title,
            "actor_types": ACTOR_TYPES,
            "ok": CLUE_OK.get(ok, ""),
            "can_act": user.role in access.HANDLE_ROLES,
        },
        active="clues",
    )


@router.post("/clues/{clue_id}/case", include_in_schema=False)
def clue_open_case(
    clue_id: int, title: str = Form(...), actor_type: str = Form("unit"), user: User = Depends(HANDLE)
):
    with session_scope() as session:
        case = api.clue_to_case(
            clue_id, schemas.ClueCaseIn(title=title, actor_type=actor_type), user, session
        )
    return _redirect(f"/cases/{case.id}?ok=opened")


@router.post("/clues/{clue_id}/merge", include_in_schema=False)
def clue_merge(clue_id: int, other_id: int = Form(...), user: User = Depends(HANDLE)):
    with session_scope() as session:
        api.merge_clue(clue_id, schemas.MergeIn(other_id=other_id), user, session)
    return _redirect(f"/clues/{clue_id}?ok=merged")


@router.post("/clues/{clue_id}/drop", include_in_schema=False)
def clue_drop(clue_id: int, reason: str = Form(""), user: User = Depends(HANDLE)):
    with session_scope() as session:
        api.drop_clue(clue_id, schemas.ReasonIn(reason=reason), user, session)
    return _redirect(f"/clues/{clue_id}?ok=dropped")


# --- 案件办理 -----------------------------------------------------------------------------------


def _overdue_condition(day: date):
    return and_(
        Case.status.not_in(m.TERMINAL),
        or_(
            Case.step_deadline < day,
            and_(Case.status.in_(service.PRE_DECISION), Case.decision_due < day),
        ),
    )


def _case_query(user: User, base, f: dict, day: date):
    q = base.select_from(Case).where(access.case_condition(user))
    if f["status"]:
        q = q.where(Case.status == f["status"])
    if f["overdue"]:
        q = q.where(_overdue_condition(day))
    if f["q"]:
        like = f["q"]
        q = q.where(
            or_(
                Case.case_no.contains(like, autoescape=True),
                Case.title.contains(like, autoescape=True),
                Case.institution_code.contains(like, autoescape=True),
                Case.person_code.contains(like, autoescape=True),
            )
        )
    return q


def _owner(case: Case) -> str:
    label = procedure.DUTY_LABELS.get(case.owner_role, case.owner_role)
    return f"{label}（{case.assignee}）" if case.assignee and case.owner_role == m.HANDLER else label


@router.get("/cases", response_class=HTMLResponse, include_in_schema=False)
def case_index(
    request: Request,
    status: str = "",
    overdue: str = "",
    q: str = "",
    page: int = Query(1, ge=1),
    user: User = Depends(READ),
):
    day = today()
    f = {"status": status.strip(), "overdue": overdue == "1", "q": q.strip()}
    with session_scope() as session:
        total = session.execute(_case_query(user, select(func.count()), f, day)).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        found = list(
            session.execute(
                _case_query(user, select(Case), f, day)
                .order_by(Case.id.desc())
                .offset(pg.offset)
                .limit(pg.size)
            ).scalars()
        )
        names = _names(session, [c.institution_code for c in found])
        rows = [
            {
                "case": c,
                "name": names.get(c.institution_code or "", ""),
                "status": m.STATES.get(c.status, c.status),
                "owner": _owner(c),
                "overdue": service.overdue_reason(c, day),
            }
            for c in found
        ]
        n_overdue = session.execute(
            _case_query(user, select(func.count()), {**f, "overdue": True}, day)
        ).scalar_one()
    return render(
        request,
        "cases/index.html",
        {"rows": rows, "page": pg, "filters": f, "states": m.STATES, "n_overdue": n_overdue, "today": day},
        active="cases",
    )


def _proposal(session: Session, case_id: int) -> tuple[penalty.Proposal | None, str]:
    facts = service.get(session, case_id).facts
    if not facts.get("kind") and facts.get("article") is None:
        return None, "请先登记案情要素（违规类型），计算器据此提出裁量建议"
    try:
        return service.propose_penalty(session, case_id), ""
    except InputError as exc:
        return None, exc.message_zh


@router.get("/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
def case_detail(request: Request, case_id: int, ok: str = "", user: User = Depends(READ)):
    from fundguard.tips.models import Tip

    day = today()
    actor = access.actor_of(user)
    with session_scope() as session:
        case = access.case(session, user, case_id)
        steps = service.steps(session, case.id)
        decision = service.get_decision(session, case.id)
        major = decision.major if decision is not None else None
        timeline = procedure.timeline(case, steps, major, day, m.calendar(session))
        proposal, proposal_error = _proposal(session, case.id)
        can_act = user.role in access.HANDLE_ROLES
        events = []
        if can_act:
            for event in m.CASE_MACHINE.allowed_events(case.status):
                t = m.CASE_MACHINE.transitions[event]
                if actor.has_any(t.roles):
                    fields = [
                        (name, label, user.username if name == "assignee" else default)
                        for name, label, default in EVENT_FIELDS[event]
                    ]
                    events.append({"event": event, "label": t.label, "fields": fields})
        evidence = list(
            session.execute(
                select(CaseEvidence).where(CaseEvidence.case_id == case.id).order_by(CaseEvidence.id)
            ).scalars()
        )
        verdicts = list(
            session.execute(
                select(FindingVerdict)
                .where(FindingVerdict.case_id == case.id)
                .order_by(FindingVerdict.finding_id)
            ).scalars()
        )
        problems = list(
            session.execute(
                select(ProblemItem)
                .where(ProblemItem.source_type == "case", ProblemItem.source_id == case.case_no)
                .order_by(ProblemItem.id)
            ).scalars()
        )
        linked_clues = list(session.execute(select(Clue).where(Clue.case_id == case.id)).scalars())
        linked_tips = list(session.execute(select(Tip).where(Tip.case_id == case.id)).scalars())
        ctx = {
            "case": case,
            "name": _names(session, [case.institution_code]).get(case.institution_code or "", ""),
            "status": m.STATES.get(case.status, case.status),
            "owner": _owner(case),
            "overdue": service.overdue_reason(case, day),
            "timeline": timeline,
            "events": events,
            "steps": steps,
            "states": m.STATES,
            "event_labels": {e: t.label for e, t in m.CASE_MACHINE.transitions.items()},
            "decision": decision,
            "proposal": proposal,
            "proposal_error": proposal_error,
            "evidence": evidence,
            "documents": documents.for_case(session, case.id),
            "downstream": flows.proposals(session, case.id),
            "verdicts": verdicts,
            "problems": problems,
            "problem_states": rect.STATES,
            "linked_clues": linked_clues,
            "linked_tips": linked_tips,
        }
    ctx.update(
        {
            "ok": CASE_OK.get(ok, ""),
            "can_act": can_act,
            "kinds": KIND_LABELS,
            "actor_types": ACTOR_TYPES,
            "measures": penalty.ALL_MEASURES,
            "doc_kinds": {k: v for k, v in DOC_KINDS.items() if k != "rectification"},
            "agency": get_profile()["case.doc_agency_prefix"],
            "downstream_kinds": DOWNSTREAM_KINDS,
            "downstream_status": DOWNSTREAM_STATUS,
            "verdict_labels": VERDICTS,
            "can_draft": can_act and case.status in ("INVESTIGATING", "DEFENCE_HEARD"),
            "can_edit_facts": can_act
            and case.status not in m.TERMINAL
            and case.status not in ("DECIDED", "SERVED", "EXECUTED"),
        }
    )
    return render(request, "cases/detail.html", ctx, active="cases")


@router.post("/cases/{case_id}/events/{event}", include_in_schema=False)
def case_event(
    case_id: int,
    event: str,
    note: str = Form(""),
    assignee: str = Form(""),
    receiving_agency: str = Form(""),
    method: str = Form(""),
    opinion: str = Form(""),
    basis: str = Form(""),
    user: User = Depends(HANDLE),
):
    body = schemas.EventIn(
        note=note,
        assignee=assignee,
        receiving_agency=receiving_agency,
        method=method,
        opinion=opinion,
        basis=basis,
    )
    with session_scope() as session:
        api.fire(session, user, case_id, event, body)
    return _redirect(f"/cases/{case_id}?ok=event")


@router.post("/cases/{case_id}/facts", include_in_schema=False)
def case_facts(
    case_id: int,
    kind: str = Form(""),
    repeat_offence: str = Form(""),
    refused_correction: str = Form(""),
    serious_consequences: str = Form(""),
    fraud_purpose: str = Form(""),
    user: User = Depends(HANDLE),
):
    body = schemas.FactsIn(
        kind=kind or None,
        repeat_offence=bool(repeat_offence),
        refused_correction=bool(refused_correction),
        serious_consequences=bool(serious_consequences),
        fraud_purpose=bool(fraud_purpose),
    )
    with session_scope() as session:
        api.case_facts(case_id, body, user, session)
    return _redirect(f"/cases/{case_id}?ok=facts")


@router.post("/cases/{case_id}/draft", include_in_schema=False)
def case_draft(
    case_id: int,
    fine_amount: str = Form("0"),
    recover_amount: str = Form(""),
    measures: list[str] = Form([]),
    suspension_months: int = Form(0),
    basis: str = Form(""),
    user: User = Depends(HANDLE),
):
    body = schemas.DraftIn(
        fine_amount=_money(fine_amount, "fine_amount"),
        recover_amount=_money(recover_amount, "recover_amount") if recover_amount.strip() else None,
        measures=measures,
        suspension_months=suspension_months,
        basis=basis,
    )
    with session_scope() as session:
        api.draft_decision(case_id, body, user, session)
    return _redirect(f"/cases/{case_id}?ok=draft")


@router.post("/cases/{case_id}/statement", include_in_schema=False)
def case_statement(case_id: int, statement: str = Form(""), user: User = Depends(HANDLE)):
    with session_scope() as session:
        api.statement(case_id, schemas.StatementIn(statement=statement), user, session)
    return _redirect(f"/cases/{case_id}?ok=statement")


@router.post("/cases/{case_id}/discussion", include_in_schema=False)
def case_discussion(
    case_id: int, conclusion: str = Form(""), members: str = Form(""), user: User = Depends(HANDLE)
):
    with session_scope() as session:
        api.discussion(
            case_id, schemas.DiscussionIn(conclusion=conclusion, members=_split(members)), user, session
        )
    return _redirect(f"/cases/{case_id}?ok=discussion")


@router.post("/cases/{case_id}/evidence", include_in_schema=False)
async def case_evidence(
    case_id: int,
    kind: str = Form(""),
    source: str = Form(""),
    file: UploadFile = File(...),
    user: User = Depends(HANDLE),
):
    data = await file.read()
    with session_scope() as session:
        access.case(session, user, case_id)
        service.add_evidence(
            session,
            case_id,
            access.actor_of(user),
            kind=kind,
            filename=file.filename or "file",
            data=data,
            source=source,
        )
    return _redirect(f"/cases/{case_id}?ok=evidence")


@router.get("/cases/{case_id}/evidence/{evidence_id}", include_in_schema=False)
def case_evidence_download(case_id: int, evidence_id: int, user: User = Depends(READ)):
    with session_scope() as session:
        item = access.evidence(session, user, evidence_id)
        if item.case_id != case_id:
            raise InputError("EVIDENCE_CASE", "证据不属于该案件", field="evidence_id")
        item, data = service.read_evidence(session, evidence_id, access.actor_of(user))
        name = item.filename
    from urllib.parse import quote

    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "X-Content-SHA256": item.sha256,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        },
    )


@router.post("/cases/{case_id}/documents", include_in_schema=False)
def case_document(
    case_id: int,
    kind: str = Form("notice"),
    agency: str = Form(""),
    agency_name: str = Form(""),
    user: User = Depends(HANDLE),
):
    with session_scope() as session:
        api.case_document(
            case_id, schemas.DocumentIn(kind=kind, agency=agency, agency_name=agency_name), user, session
        )
    return _redirect(f"/cases/{case_id}?ok=document")


@router.get("/cases/{case_id}/documents/{document_id}/{fmt}", include_in_schema=False)
def case_document_download(case_id: int, document_id: int, fmt: str, user: User = Depends(READ)):
    return _document_download(user, document_id, fmt, case_id=case_id)


def _document_download(user: User, document_id: int, fmt: str, case_id=None, problem_id=None) -> Response:
    if fmt not in ("docx", "pdf"):
        raise InputError("DOC_FORMAT", "文书格式须为 docx 或 pdf", field="format")
    with session_scope() as session:
        row = access.document(session, user, document_id)
        if (case_id is not None and row.case_id != case_id) or (
            problem_id is not None and row.problem_id != problem_id
        ):
            raise InputError("DOC_OWNER", "文书不属于该案件或问题", field="document_id")
        row, data = documents.read(session, document_id, fmt)
        return api.document_response(row, data, fmt)


# --- 问题整改 -----------------------------------------------------------------------------------


def _problem_query(user: User, base, f: dict, day: date):
    q = base.select_from(ProblemItem).where(access.problem_condition(user))
    if f["status"]:
        q = q.where(ProblemItem.status == f["status"])
    if f["institution_code"]:
        q = q.where(ProblemItem.institution_code == f["institution_code"])
    if f["overdue"]:
        q = q.where(rect.overdue_expr(day))
    return q


@router.get("/rectification", response_class=HTMLResponse, include_in_schema=False)
def problem_index(
    request: Request,
    status: str = "",
    institution_code: str = "",
    overdue: str = "",
    ok: str = "",
    page: int = Query(1, ge=1),
    user: User = Depends(ANY),
):
    day = today()
    f = {"status": status.strip(), "institution_code": institution_code.strip(), "overdue": overdue == "1"}
    with session_scope() as session:
        board = rect.board(session, condition=access.problem_condition(user), today=day)
        total = session.execute(_problem_query(user, select(func.count()), f, day)).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        items = list(
            session.execute(
                _problem_query(user, select(ProblemItem), f, day)
                .order_by(ProblemItem.deadline.is_(None), ProblemItem.deadline, ProblemItem.id)
                .offset(pg.offset)
                .limit(pg.size)
            ).scalars()
        )
        names = _names(session, [r["institution_code"] for r in board] + [i.institution_code for i in items])
        rows = [{"item": i, "overdue": rect.is_overdue(i, day)} for i in items]
    totals = {k: sum(r[k] for r in board) for k in ("open", "overdue", "closed")}
    return render(
        request,
        "rectification/index.html",
        {
            "board": board,
            "totals": totals,
            "rows": rows,
            "names": names,
            "page": pg,
            "filters": f,
            "states": rect.STATES,
            "ok": PROBLEM_OK.get(ok, ""),
            "is_staff": user.role in access.HANDLE_ROLES,
            "is_institution": user.role == "institution",
        },
        active="rectification",
    )


@router.get("/rectification/new", response_class=HTMLResponse, include_in_schema=False)
def problem_new(request: Request, institution_code: str = "", user: User = Depends(HANDLE)):
    return render(
        request,
        "rectification/new.html",
        {"region": user.region, "institution_code": institution_code},
        active="rectification",
    )


@router.post("/rectification/new", include_in_schema=False)
def problem_register(
    region: str = Form(""),
    institution_code: str = Form(""),
    description: str = Form(""),
    source_type: str = Form("inspection"),
    basis: str = Form(""),
    severity: str = Form("general"),
    department: str = Form(""),
    owner_person: str = Form(""),
    required_evidence: str = Form(""),
    user: User = Depends(HANDLE),
):
    with session_scope() as session:
        region = (
            region.strip() or service.institution_region(session, institution_code.strip()) or user.region
        )
        body = schemas.ProblemIn(
            region=region,
            institution_code=institution_code.strip(),
            description=description,
            source_type=source_type,
            basis=basis,
            severity=severity,
            department=department.strip() or None,
            owner_person=owner_person.strip() or None,
            required_evidence=_split(required_evidence),
        )
        if not body.institution_code:
            raise InputError("INSTITUTION_REQUIRED", "须填写责任机构编码", field="institution_code")
        item = api.register_problem(body, user, session)
    return _redirect(f"/rectification/{item.id}?ok=registered")


@router.post("/rectification/sweep", include_in_schema=False)
def problem_sweep(user: User = Depends(HANDLE)):
    with session_scope() as session:
        api.sweep(user, session)
    return _redirect("/rectification?ok=sweep")


@router.get("/rectification/{problem_id}", response_class=HTMLResponse, include_in_schema=False)
def problem_detail(request: Request, problem_id: int, ok: str = "", user: User = Depends(ANY)):
    day = today()
    actor = access.actor_of(user)
    with session_scope() as session:
        item = access.problem(session, user, problem_id)
        subs = rect.submissions(session, item.id)
        docs = documents.for_problem(session, item.id)
        name = _names(session, [item.institution_code]).get(item.institution_code, "")
        allowed = {
            e
            for e in rect.PROBLEM_MACHINE.allowed_events(item.status)
            if actor.has_any(rect.PROBLEM_MACHINE.transitions[e].roles)
        }
        if user.role == "leader":
            allowed = set()
        is_staff = user.role in access.HANDLE_ROLES
        ctx = {
            "item": item,
            "name": name,
            "status": rect.STATES.get(item.status, item.status),
            "overdue": rect.is_overdue(item, day),
            "submissions": subs,
            "documents": docs,
            "can_submit": "submit" in allowed and user.role in access.SUBMIT_ROLES,
            "can_notify": "notify" in allowed and is_staff,
            "can_close": "close" in allowed and is_staff,
            "can_reopen": "reopen" in allowed and is_staff,
            "can_escalate": item.status == "OVERDUE" and is_staff and actor.has_any(rect.SUPERVISORS),
            "can_document": is_staff,
            "escalations": rect.ESCALATIONS,
            "agency": get_profile()["case.doc_agency_prefix"],
            "ok": PROBLEM_OK.get(ok, ""),
            "today": day,
        }
    return render(request, "rectification/detail.html", ctx, active="rectification")


async def form_files(request: Request, name: str = "files") -> list:
    """Uploaded files of a multipart form in order; an input left empty arrives as "" and stays in place."""
    form = await request.form()
    return list(form.getlist(name))


@router.post("/rectification/{problem_id}/submit", include_in_schema=False)
async def problem_submit(
    request: Request,
    problem_id: int,
    plan: str = Form(""),
    kinds: list[str] = Form([]),
    user: User = Depends(SUBMIT),
):
    files = await form_files(request)
    if len(files) != len(kinds):
        raise InputError("KINDS_MISMATCH", "佐证类型与附件数量不一致", field="kinds")
    attachments = []
    for kind, f in zip(kinds, files, strict=True):
        data = b"" if isinstance(f, str) else await f.read()
        if data:
            attachments.append((kind, f.filename or "file", data))
    with session_scope() as session:
        access.problem(session, user, problem_id)
        rect.submit(session, problem_id, access.actor_of(user), plan=plan, attachments=attachments)
    return _redirect(f"/rectification/{problem_id}?ok=submit")


@router.post("/rectification/{problem_id}/{action}", include_in_schema=False)
def problem_action(
    problem_id: int,
    action: str,
    note: str = Form(""),
    measure: str = Form(""),
    agency: str = Form(""),
    agency_name: str = Form(""),
    user: User = Depends(HANDLE),
):
    with session_scope() as session:
        if action == "notify":
            api.notify_problem(problem_id, user, session)
        elif action == "close":
            api.close_problem(problem_id, schemas.ReviewIn(note=note), user, session)
        elif action == "reopen":
            api.reopen_problem(problem_id, schemas.ReviewIn(note=note), user, session)
        elif action == "escalate":
            api.escalate_problem(problem_id, schemas.EscalateIn(measure=measure, note=note), user, session)
        elif action == "document":
            body = schemas.DocumentIn(kind="rectification", agency=agency, agency_name=agency_name)
            api.problem_document(problem_id, body, user, session)
        else:
            raise InputError("UNKNOWN_ACTION", f"未知的整改操作：{action}", field="action")
    return _redirect(f"/rectification/{problem_id}?ok={action}")


@router.get("/rectification/{problem_id}/attachments/{sha256}", include_in_schema=False)
def problem_attachment(problem_id: int, sha256: str, user: User = Depends(ANY)):
    with session_scope() as session:
        access.problem(session, user, problem_id)
        data = rect.read_attachment(session, problem_id, sha256)
        name = next(
            (
                a.get("filename")
                for s in rect.submissions(session, problem_id)
                for a in s.attachments
                if a["sha256"] == sha256
            ),
            "file",
        )
    from urllib.parse import quote

    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "X-Content-SHA256": sha256,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
        },
    )


@router.get("/rectification/{problem_id}/documents/{document_id}/{fmt}", include_in_schema=False)
def problem_document_download(problem_id: int, document_id: int, fmt: str, user: User = Depends(ANY)):
    return _document_download(user, document_id, fmt, problem_id=problem_id)
