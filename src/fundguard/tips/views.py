"""HTTP API of tips under ``/api/v1/tips``.

``POST /api/v1/tips`` (intake) and ``GET /api/v1/tips/progress`` (reporter's follow-up with the
retrieval code) are meant to be public: the web shell must list them in its public paths.
Everything else needs a logged-in user; identity is only returned by ``/identity``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, UploadFile
from sqlalchemy.orm import Session

from fundguard.cases.deps import current_actor, db
from fundguard.cases.statemachine import Actor
from fundguard.tips import schemas, service
from fundguard.tips.triage import Signals

router = APIRouter(prefix="/api/v1/tips", tags=["举报 tips"])


def _tip(t) -> schemas.TipOut:
    return schemas.TipOut.model_validate(t)


@router.post("", summary="提交举报（可匿名）", status_code=201, response_model=schemas.TipReceipt)
def submit(body: schemas.TipIn, session: Session = Depends(db, scope="function")):
    data = body.model_dump()
    identity = data.pop("identity") or None
    tip, code = service.submit(session, identity=identity, **data)
    return schemas.TipReceipt(tip_no=tip.tip_no, retrieval_code=code)


@router.post("/{tip_id}/attachments", summary="补充举报附件", status_code=201)
async def add_attachment(
    tip_id: int,
    file: UploadFile = File(...),
    code: str = Form(..., description="查询码"),
    session: Session = Depends(db, scope="function"),
):
    tip = service.get(session, tip_id)
    service.progress(session, tip.tip_no, code)  # the reporter proves the tip is theirs
    a = service.add_attachment(session, tip_id, file.filename or "file", await file.read())
    return {"id": a.id, "sha256": a.sha256}


@router.get("/progress", summary="举报人凭查询码查询进度")
def progress(tip_no: str, code: str, session: Session = Depends(db, scope="function")):
    return service.progress(session, tip_no, code)


@router.get("/overdue", summary="超期举报", response_model=list[schemas.TipOut])
def overdue(session: Session = Depends(db, scope="function"), _: Actor = Depends(current_actor)):
    return [_tip(t) for t in service.overdue(session)]


@router.get("/{tip_id}", summary="举报详情（不含举报人身份）", response_model=schemas.TipOut)
def get_tip(tip_id: int, session: Session = Depends(db, scope="function"), _: Actor = Depends(current_actor)):
    return _tip(service.get(session, tip_id))


@router.post("/{tip_id}/identity", summary="查看举报人身份（举报管理人员，留痕）")
def identity(
    tip_id: int,
    body: schemas.ReasonIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return service.reveal_identity(session, tip_id, actor, body.reason)


@router.post("/{tip_id}/triage", summary="研判分流", response_model=schemas.TipOut)
def triage(
    tip_id: int,
    body: schemas.TriageIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _tip(service.triage(session, tip_id, actor, Signals(**body.model_dump())))


@router.post("/{tip_id}/accept", summary="受理", response_model=schemas.TipOut)
def accept(
    tip_id: int, actor: Actor = Depends(current_actor), session: Session = Depends(db, scope="function")
):
    return _tip(service.accept(session, tip_id, actor))


@router.post("/{tip_id}/reject", summary="不予受理", response_model=schemas.TipOut)
def reject(
    tip_id: int,
    body: schemas.ReasonIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _tip(service.reject(session, tip_id, actor, body.reason))


@router.post("/{tip_id}/investigate", summary="开始调查", response_model=schemas.TipOut)
def investigate(
    tip_id: int,
    body: schemas.InvestigateIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _tip(service.investigate(session, tip_id, actor, body.case_id))


@router.post("/{tip_id}/extend", summary="延长调查期限（一次）", response_model=schemas.TipOut)
def extend(
    tip_id: int,
    body: schemas.ReasonIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _tip(service.extend_investigation(session, tip_id, actor, body.reason))


@router.post("/{tip_id}/conclude", summary="办理结论", response_model=schemas.TipOut)
def conclude(
    tip_id: int,
    body: schemas.ConcludeIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _tip(service.conclude(session, tip_id, actor, **body.model_dump()))


@router.post("/{tip_id}/feedback", summary="反馈举报人", response_model=schemas.TipOut)
def feedback(
    tip_id: int,
    body: schemas.FeedbackIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _tip(service.send_feedback(session, tip_id, actor, body.text))


def _reward(r) -> dict:
    return {"amount": str(r.amount), "calculation": r.calculation, "pay_due": r.pay_due, "paid_on": r.paid_on}


@router.post("/{tip_id}/reward/compute", summary="核算奖励")
def compute_reward(
    tip_id: int,
    body: schemas.RewardIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _reward(service.compute_reward(session, tip_id, actor, body.level))


@router.post("/{tip_id}/reward/approve", summary="审批奖励")
def approve_reward(
    tip_id: int, actor: Actor = Depends(current_actor), session: Session = Depends(db, scope="function")
):
    return _reward(service.approve_reward(session, tip_id, actor))


@router.post("/{tip_id}/reward/pay", summary="登记奖励发放")
def pay_reward(
    tip_id: int,
    body: schemas.PayIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _reward(service.pay_reward(session, tip_id, actor, body.method, body.reference))


@router.post("/{tip_id}/clue", summary="已受理举报转线索（不含举报人身份）", status_code=201)
def to_clue(
    tip_id: int,
    body: schemas.ClueIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    from fundguard.cases import flows

    clue = flows.clue_from_tip(session, tip_id, actor, body.subjects)
    return {"clue_id": clue.id, "clue_no": clue.clue_no}


@router.post("/{tip_id}/close", summary="办结", response_model=schemas.TipOut)
def close(
    tip_id: int, actor: Actor = Depends(current_actor), session: Session = Depends(db, scope="function")
):
    return _tip(service.close(session, tip_id, actor))
