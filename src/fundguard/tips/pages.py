"""Web pages of tips: 举报管理 for staff (/tips) and the public reporting pages (/public/tips).

Staff pages need a staff role (``leader`` only reads) and the tip must lie in the user's region
(403 otherwise). The reporter's identity is never shown on a page except as the answer of the
audited identity action (``POST /tips/{id}/identity``: whistleblower officer only, with a reason).

The public pages need no login (paths under ``/public``): submit a tip (anonymously or by name,
with attachments) and receive the tip number and the retrieval code once; query the progress and
add material with the number and the code. The public does not know institution codes: the
accused institution may be given by code or by its exact name (looked up in the master data).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import and_, func, or_, select

from fundguard.auth.models import User
from fundguard.auth.privacy import mask_name
from fundguard.auth.service import sees_identifiers
from fundguard.cases import access
from fundguard.cases.models import Case
from fundguard.cases.pages import form_files
from fundguard.db import session_scope
from fundguard.errors import InputError
from fundguard.masterdata.models import Institution
from fundguard.profiles import get_profile
from fundguard.timeutil import today
from fundguard.tips import service
from fundguard.tips.machine import STATES, TIP_MACHINE
from fundguard.tips.models import Tip
from fundguard.web.security import require_roles
from fundguard.web.templating import Page, render

router = APIRouter()
PAGE_SIZE = 50

READ = require_roles(*access.READ_ROLES)
HANDLE = require_roles(*access.HANDLE_ROLES)

CHANNELS = {
    "phone": "电话",
    "mail": "信件",
    "email": "电子邮件",
    "online": "网上举报",
    "hotline_12345": "12345热线",
    "social_supervisor": "社会监督员",
    "visit": "来访",
}
ROUTES = {"priority": "快办", "standard": "常规核查", "monitor": "纳入数据监测"}
CATEGORIES = (
    "虚假就医",
    "冒名就医",
    "串换项目",
    "分解住院",
    "挂床住院",
    "过度诊疗",
    "倒卖药品",
    "诱导住院",
    "其他",
)
IDENTITY_LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "电话",
    "address": "地址",
    "email": "电子邮箱",
}
OK = {
    "triage": "已完成研判分流",
    "accept": "已受理",
    "reject": "已不予受理",
    "investigate": "已开始调查",
    "extend": "调查期限已延长",
    "conclude": "办理结论已登记",
    "feedback": "已反馈举报人",
    "reward_compute": "奖励已核算",
    "reward_approve": "奖励已审批",
    "reward_pay": "奖励发放已登记",
    "clue": "已转为线索",
    "close": "已办结",
    "attachment": "附件已补充",
}
NO_STORE = {"Cache-Control": "no-store"}


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _overdue_condition(day):
    return and_(Tip.status != "CLOSED", Tip.step_deadline < day)


def _tip_query(user: User, base, f: dict, day):
    q = base.select_from(Tip).where(access.tip_condition(user))
    if f["status"]:
        q = q.where(Tip.status == f["status"])
    if f["route"]:
        q = q.where(Tip.route == f["route"])
    if f["overdue"]:
        q = q.where(_overdue_condition(day))
    if f["q"]:
        q = q.where(
            or_(
                Tip.tip_no.contains(f["q"], autoescape=True),
                Tip.accused_institution.contains(f["q"], autoescape=True),
                Tip.content.contains(f["q"], autoescape=True),
            )
        )
    return q


def _accused_person(tip: Tip, user: User) -> str:
    return tip.accused_person if sees_identifiers(user) else mask_name(tip.accused_person)


@router.get("/tips", response_class=HTMLResponse, include_in_schema=False)
def tip_index(
    request: Request,
    status: str = "",
    route: str = "",
    overdue: str = "",
    q: str = "",
    page: int = Query(1, ge=1),
    user: User = Depends(READ),
):
    day = today()
    f = {"status": status.strip(), "route": route.strip(), "overdue": overdue == "1", "q": q.strip()}
    with session_scope() as session:
        total = session.execute(_tip_query(user, select(func.count()), f, day)).scalar_one()
        pg = Page.of(total, page, PAGE_SIZE)
        tips = list(
            session.execute(
                _tip_query(user, select(Tip), f, day).order_by(Tip.id.desc()).offset(pg.offset).limit(pg.size)
            ).scalars()
        )
    rows = [
        {
            "tip": t,
            "person": _accused_person(t, user),
            "overdue": t.status != "CLOSED" and t.step_deadline is not None and t.step_deadline < day,
        }
        for t in tips
    ]
    return render(
        request,
        "tips/index.html",
        {"rows": rows, "page": pg, "filters": f, "states": STATES, "routes": ROUTES, "channels": CHANNELS},
        active="tips",
    )


# Action forms on the detail page: event → (fields, target URL suffix).
ACTION_FORMS = {
    "accept": [],
    "reject": [("reason", "不予受理理由", "text")],
    "investigate": [("case_id", "关联案件 ID（可选）", "number")],
    "find_unfounded": [("note", "不属实的理由", "text")],
    "substantiate": [("note", "查实情况", "text"), ("verified_amount", "查实金额（元）", "text")],
    "send_feedback": [("text", "反馈内容", "text")],
    "compute_reward": [("level", "奖励等级（1/2/3）", "number")],
    "approve_reward": [],
    "pay_reward": [("method", "发放方式", "text"), ("reference", "凭证号", "text")],
    "close": [],
}


@router.get("/tips/{tip_id}", response_class=HTMLResponse, include_in_schema=False)
def tip_detail(request: Request, tip_id: int, ok: str = "", user: User = Depends(READ)):
    day = today()
    actor = access.actor_of(user)
    with session_scope() as session:
        tip = access.tip(session, user, tip_id)
        signals = service.data_signals(session, tip)
        attachments = service.attachments(session, tip.id)
        steps = service.steps(session, tip.id)
        reward = service.get_reward(session, tip.id)
        case = session.get(Case, tip.case_id) if tip.case_id else None
        has_identity = not tip.anonymous
    can_act = user.role in access.HANDLE_ROLES
    actions = []
    if can_act:
        for event in TIP_MACHINE.allowed_events(tip.status):
            t = TIP_MACHINE.transitions[event]
            if actor.has_any(t.roles):
                actions.append({"event": event, "label": t.label, "fields": ACTION_FORMS.get(event, [])})
    return render(
        request,
        "tips/detail.html",
        {
            "tip": tip,
            "person": _accused_person(tip, user),
            "status": STATES.get(tip.status, tip.status),
            "overdue": tip.status != "CLOSED" and tip.step_deadline is not None and tip.step_deadline < day,
            "signals": signals,
            "attachments": attachments,
            "steps": steps,
            "states": STATES,
            "event_labels": {e: t.label for e, t in TIP_MACHINE.transitions.items()},
            "reward": reward,
            "case": case,
            "actions": actions,
            "routes": ROUTES,
            "channels": CHANNELS,
            "can_act": can_act,
            "can_extend": can_act and tip.status == "INVESTIGATING" and not tip.extended,
            "can_clue": can_act and tip.status in ("ACCEPTED", "INVESTIGATING"),
            "can_reveal": can_act and has_identity and "whistleblower_officer" in actor.roles,
            "has_identity": has_identity,
            "ok": OK.get(ok, ""),
        },
        active="tips",
    )


def _amount(value: str) -> Decimal | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise InputError("AMOUNT", f"金额格式不正确：{value}", field="verified_amount") from None


@router.post("/tips/{tip_id}/do/{event}", include_in_schema=False)
def tip_action(
    tip_id: int,
    event: str,
    reason: str = Form(""),
    case_id: str = Form(""),
    note: str = Form(""),
    verified_amount: str = Form(""),
    text: str = Form(""),
    level: int = Form(0),
    method: str = Form(""),
    reference: str = Form(""),
    user: User = Depends(HANDLE),
):
    with session_scope() as session:
        access.tip(session, user, tip_id)
        actor = access.actor_of(user)
        if event == "accept":
            service.accept(session, tip_id, actor)
        elif event == "reject":
            service.reject(session, tip_id, actor, reason)
        elif event == "investigate":
            linked = int(case_id) if case_id.strip().isdigit() else None
            if linked is not None:
                access.case(session, user, linked)
            service.investigate(session, tip_id, actor, linked)
        elif event == "extend":
            service.extend_investigation(session, tip_id, actor, reason)
        elif event in ("find_unfounded", "substantiate"):
            service.conclude(
                session,
                tip_id,
                actor,
                substantiated=event == "substantiate",
                note=note,
                verified_amount=_amount(verified_amount),
            )
            event = "conclude"
        elif event == "send_feedback":
            service.send_feedback(session, tip_id, actor, text)
            event = "feedback"
        elif event == "compute_reward":
            service.compute_reward(session, tip_id, actor, level)
            event = "reward_compute"
        elif event == "approve_reward":
            service.approve_reward(session, tip_id, actor)
            event = "reward_approve"
        elif event == "pay_reward":
            service.pay_reward(session, tip_id, actor, method, reference)
            event = "reward_pay"
        elif event == "close":
            service.close(session, tip_id, actor)
        elif event == "triage":
            tip = service.get(session, tip_id)
            service.triage(session, tip_id, actor, service.data_signals(session, tip))
        elif event == "clue":
            from fundguard.cases import flows

            subjects = [s.strip() for s in note.replace("，", ",").split(",") if s.strip()]
            clue = flows.clue_from_tip(session, tip_id, actor, subjects)
            clue_id = clue.id
        else:
            raise InputError("UNKNOWN_ACTION", f"未知的举报操作：{event}", field="event")
    if event == "clue":
        return _redirect(f"/clues/{clue_id}?ok=created")
    return _redirect(f"/tips/{tip_id}?ok={event}")


@router.post("/tips/{tip_id}/identity", response_class=HTMLResponse, include_in_schema=False)
def tip_identity(request: Request, tip_id: int, reason: str = Form(""), user: User = Depends(HANDLE)):
    """查看举报人身份: the audited identity action (whistleblower officer, with a reason)."""
    with session_scope() as session:
        tip = access.tip(session, user, tip_id)
        identity = service.reveal_identity(session, tip_id, access.actor_of(user), reason)
    response = render(
        request,
        "tips/identity.html",
        {"tip": tip, "identity": identity, "labels": IDENTITY_LABELS, "reason": reason},
        active="tips",
    )
    response.headers.update(NO_STORE)
    return response


@router.get("/tips/{tip_id}/attachments/{attachment_id}", include_in_schema=False)
def tip_attachment(tip_id: int, attachment_id: int, user: User = Depends(READ)):
    from urllib.parse import quote

    with session_scope() as session:
        access.tip(session, user, tip_id)
        found = next((a for a in service.attachments(session, tip_id) if a.id == attachment_id), None)
        if found is None:
            raise InputError("ATTACHMENT_TIP", "附件不属于该举报", field="attachment_id")
        data = service.read_attachment(session, attachment_id)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "X-Content-SHA256": found.sha256,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
        },
    )


# --- 公众举报（无需登录） ------------------------------------------------------------------------


def _resolve_institution(session, text: str) -> str | None:
    """The public names the institution by code or exact name; unknown text is kept as given."""
    text = (text or "").strip()
    if not text:
        return None
    if session.get(Institution, text) is not None:
        return text
    code = session.execute(
        select(Institution.fixmedins_code).where(Institution.fixmedins_name == text).limit(1)
    ).scalar_one_or_none()
    return code or text[:32]


@router.get("/public/tips", response_class=HTMLResponse, include_in_schema=False)
def public_form(request: Request):
    return render(
        request,
        "public/tip_form.html",
        {"categories": CATEGORIES, "min_reward": get_profile()["report.reward_min"]},
    )


async def _files(files: list) -> list[tuple[str, bytes]]:
    out = []
    for f in files or []:
        if isinstance(f, str):
            continue
        data = await f.read()
        if data:
            out.append((f.filename or "file", data))
    return out


@router.post("/public/tips", response_class=HTMLResponse, include_in_schema=False)
async def public_submit(
    request: Request,
    content: str = Form(""),
    accused_institution: str = Form(""),
    accused_person: str = Form(""),
    category: str = Form(""),
    anonymous: str = Form(""),
    name: str = Form(""),
    id_number: str = Form(""),
    phone: str = Form(""),
    address: str = Form(""),
    email: str = Form(""),
):
    if not content.strip():
        raise InputError("REQUIRED", "举报内容不能为空", field="content")
    attachments = await _files(await form_files(request))
    identity = None
    if not anonymous:
        identity = {"name": name, "id_number": id_number, "phone": phone, "address": address, "email": email}
    with session_scope() as session:
        institution = _resolve_institution(session, accused_institution)
        content = content.strip()
        if institution and session.get(Institution, institution) is None:
            # Not in the master data: keep the full text the reporter typed with the content.
            content = f"被举报机构：{accused_institution.strip()}\n{content}"
        tip, code = service.submit(
            session,
            channel="online",
            content=content,
            accused_institution=institution,
            accused_person=accused_person.strip()[:40] or None,
            category=category if category in CATEGORIES else "",
            identity=identity,
            attachments=attachments,
        )
        tip_no = tip.tip_no
    response = render(request, "public/tip_receipt.html", {"tip_no": tip_no, "code": code})
    response.headers.update(NO_STORE)
    return response


@router.get("/public/tips/progress", response_class=HTMLResponse, include_in_schema=False)
def public_progress_form(request: Request):
    return render(request, "public/tip_progress.html", {"result": None, "tip_no": ""})


@router.post("/public/tips/progress", response_class=HTMLResponse, include_in_schema=False)
def public_progress(request: Request, tip_no: str = Form(""), code: str = Form("")):
    with session_scope() as session:
        result = service.progress(session, tip_no.strip(), code)
    response = render(
        request,
        "public/tip_progress.html",
        {"result": result, "tip_no": tip_no.strip(), "code": code.strip()},
    )
    response.headers.update(NO_STORE)
    return response


@router.post("/public/tips/progress/attachments", response_class=HTMLResponse, include_in_schema=False)
async def public_add_attachment(request: Request, tip_no: str = Form(""), code: str = Form("")):
    attachments = await _files(await form_files(request))
    if not attachments:
        raise InputError("FILE_REQUIRED", "请选择要补充的材料", field="files")
    with session_scope() as session:
        service.progress(session, tip_no.strip(), code)  # the reporter proves the tip is theirs
        tip = session.execute(select(Tip).where(Tip.tip_no == tip_no.strip())).scalar_one()
        for filename, data in attachments:
            service.add_attachment(session, tip.id, filename, data)
        result = service.progress(session, tip_no.strip(), code)
    response = render(
        request,
        "public/tip_progress.html",
        {"result": result, "tip_no": tip_no.strip(), "code": code.strip(), "added": len(attachments)},
    )
    response.headers.update(NO_STORE)
    return response
