"""HTTP API of tips under ``/api/v1/tips``.

Public (listed in ``web/security.py`` PUBLIC_ROUTES, no login): ``POST /api/v1/tips`` (intake,
anonymous allowed) and ``GET /api/v1/tips/progress`` (the reporter's follow-up with the retrieval
code). Everything else needs a staff login (``leader`` only reads) and the tip must lie in the
user's region (403 otherwise); the state machine checks the duties (受理/奖励审批…). The
reporter's identity is only returned by ``/identity`` (whistleblower officer, with a reason,
audited).
"""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, File, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth.models import User
from fundguard.auth.privacy import mask_name
from fundguard.auth.service import check_access, sees_identifiers
from fundguard.cases import access
from fundguard.cases.deps import db
from fundguard.errors import Forbidden
from fundguard.tips import schemas, service
from fundguard.tips.models import Tip
from fundguard.tips.triage import Signals
from fundguard.web.security import require_roles

router = APIRouter(prefix="/api/v1/tips", tags=["举报 tips"])

READ = require_roles(*access.READ_ROLES)
HANDLE = require_roles(*access.HANDLE_ROLES)


def _tip(t, user: User) -> schemas.TipOut:
    """A tip for ``user``: the accused person's name is masked unless the role sees identifiers."""
    out = schemas.TipOut.model_validate(t)
    if out.accused_person and not sees_identifiers(user):
        out.accused_person = mask_name(out.accused_person)
    return out


@router.post("", summary="提交举报（公开，可匿名）", status_code=201, response_model=schemas.TipReceipt)
def submit(body: schemas.TipIn, session: Session = Depends(db, scope="function")):
    data = body.model_dump()
    identity = data.pop("identity") or None
    tip, code = service.submit(session, identity=identity, **data)
    return schemas.TipReceipt(tip_no=tip.tip_no, retrieval_code=code)


@router.get("/progress", summary="举报人凭查询码查询进度（公开）")
def progress(tip_no: str, code: str, session: Session = Depends(db, scope="function")):
    return service.progress(session, tip_no, code)


@router.get("", summary="举报列表（本辖区）", response_model=list[schemas.TipOut])
def list_tips(
    status: str | None = None, user: User = Depends(READ), session: Session = Depends(db, scope="function")
):
    q = select(Tip).where(access.tip_condition(user)).order_by(Tip.id)
    if status:
        q = q.where(Tip.status == status)
    return [_tip(t, user) for t in session.execute(q).scalars()]


@router.get("/overdue", summary="超期举报（本辖区）", response_model=list[schemas.TipOut])
def overdue(user: User = Depends(READ), session: Session = Depends(db, scope="function")):
    out = []
    for t in service.overdue(session):
        try:
            check_access(user, t.accused_institution, t.region)
        except Forbidden:
            continue
        out.append(_tip(t, user))
    return out


@router.get("/{tip_id}", summary="举报详情（不含举报人身份）", response_model=schemas.TipOut)
def get_tip(tip_id: int, user: User = Depends(READ), session: Session = Depends(db, scope="function")):
    return _tip(access.tip(session, user, tip_id), user)


@router.post("/{tip_id}/attachments", summary="补充举报附件（经办人员登记）", status_code=201)
async def add_attachment(
    tip_id: int,
    file: UploadFile = File(...),
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.tip(session, user, tip_id)
    a = service.add_attachment(
        session, tip_id, file.filename or "file", await file.read(), actor=user.username
    )
    return {"id": a.id, "sha256": a.sha256}


@router.post("/{tip_id}/identity", summary="查看举报人身份（举报管理人员，须说明事由，留痕）")
def identity(
    tip_id: int,
    body: schemas.ReasonIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.tip(session, user, tip_id)
    return service.reveal_identity(session, tip_id, access.actor_of(user), body.reason)


@router.post(
    "/{tip_id}/triage",
    summary="研判分流（不填数量则按疑点、预警、既往案件自动统计）",
    response_model=schemas.TipOut,
)
def triage(
    tip_id: int,
    body: schemas.TriageIn | None = Body(None),
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    tip = access.tip(session, user, tip_id)
    signals = Signals(**body.model_dump()) if body is not None else service.data_signals(session, tip)
    return _tip(service.triage(session, tip_id, access.actor_of(user), signals), user)


@router.post("/{tip_id}/accept", summary="受理", response_model=schemas.TipOut)
def accept(tip_id: int, user: User = Depends(HANDLE), session: Session = Depends(db, scope="function")):
    access.tip(session, user, tip_id)
    return _tip(service.accept(session, tip_id, access.actor_of(user)), user)


@router.post("/{tip_id}/reject", summary="不予受理", response_model=schemas.TipOut)
def reject(
    tip_id: int,
    body: schemas.ReasonIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.tip(session, user, tip_id)
    return _tip(service.reject(session, tip_id, access.actor_of(user), body.reason), user)


@router.post("/{tip_id}/investigate", summary="开始调查", response_model=schemas.TipOut)
def investigate(
    tip_id: int,
    body: schemas.InvestigateIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.tip(session, user, tip_id)
    if body.case_id is not None:
        access.case(session, user, body.case_id)
    return _tip(service.investigate(session, tip_id, access.actor_of(user), body.case_id), user)


@router.post("/{tip_id}/extend", summary="延长调查期限（一次）", response_model=schemas.TipOut)
def extend(
    tip_id: int,
    body: schemas.ReasonIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.tip(session, user, tip_id)
    return _tip(service.extend_investigation(session, tip_id, access.actor_of(user), body.reason), user)


@router.post("/{tip_id}/conclude", summary="办理结论", response_model=schemas.TipOut)
def conclude(
    tip_id: int,
    body: schemas.ConcludeIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.tip(session, user, tip_id)
    return _tip(service.conclude(session, tip_id, access.actor_of(user), **body.model_dump()), user)


@router.post("/{tip_id}/feedback", summary="反馈举报人", response_model=schemas.TipOut)
def feedback(
    tip_id: int,
    body: schemas.FeedbackIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.tip(session, user, tip_id)
    return _tip(service.send_feedback(session, tip_id, access.actor_of(user), body.text), user)


def _reward(r) -> dict:
    return {"amount": str(r.amount), "calculation": r.calculation, "pay_due": r.pay_due, "paid_on": r.paid_on}


@router.post("/{tip_id}/reward/compute", summary="核算奖励")
def compute_reward(
    tip_id: int,
    body: schemas.RewardIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.tip(session, user, tip_id)
    return _reward(service.compute_reward(session, tip_id, access.actor_of(user), body.level))


@router.post("/{tip_id}/reward/approve", summary="审批奖励")
def approve_reward(
    tip_id: int, user: User = Depends(HANDLE), session: Session = Depends(db, scope="function")
):
    access.tip(session, user, tip_id)
    return _reward(service.approve_reward(session, tip_id, access.actor_of(user)))


@router.post("/{tip_id}/reward/pay", summary="登记奖励发放")
def pay_reward(
    tip_id: int,
    body: schemas.PayIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.tip(session, user, tip_id)
    return _reward(service.pay_reward(session, tip_id, access.actor_of(user), body.method, body.reference))


@router.post("/{tip_id}/clue", summary="已受理举报转线索（不含举报人身份）", status_code=201)
def to_clue(
    tip_id: int,
    body: schemas.ClueIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    from fundguard.cases import flows

    access.tip(session, user, tip_id)
    clue = flows.clue_from_tip(session, tip_id, access.actor_of(user), body.subjects)
    return {"clue_id": clue.id, "clue_no": clue.clue_no}


@router.post("/{tip_id}/close", summary="办结", response_model=schemas.TipOut)
def close(tip_id: int, user: User = Depends(HANDLE), session: Session = Depends(db, scope="function")):
    access.tip(session, user, tip_id)
    return _tip(service.close(session, tip_id, access.actor_of(user)), user)
