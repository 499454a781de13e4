"""HTTP API of cases (``/api/v1/cases``) and rectification (``/api/v1/rectification``).

Thin: parse, resolve the actor, call the service. Errors are ``FundguardError``s answered by the
web shell as ``{"code", "message", "field"}``; an illegal transition is HTTP 409.
"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from fundguard.cases import clues, documents, exchange, schemas, service
from fundguard.cases import rectification as rect
from fundguard.cases.deps import current_actor, db
from fundguard.cases.statemachine import Actor
from fundguard.errors import InputError

cases = APIRouter(prefix="/api/v1/cases", tags=["案件 cases"])
problems = APIRouter(prefix="/api/v1/rectification", tags=["问题销号 rectification"])
clue_router = APIRouter(prefix="/api/v1/clues", tags=["线索 clues"])
router = APIRouter()


def _case(c) -> schemas.CaseOut:
    return schemas.CaseOut.model_validate(c)


@cases.post("", summary="登记案件线索", status_code=201, response_model=schemas.CaseOut)
def create_case(
    body: schemas.CaseIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _case(service.create(session, actor, **body.model_dump()))


@cases.get("", summary="案件列表", response_model=list[schemas.CaseOut])
def list_cases(
    status: str | None = None,
    session: Session = Depends(db, scope="function"),
    _: Actor = Depends(current_actor),
):
    return [_case(c) for c in service.list_cases(session, status)]


@cases.get("/overdue", summary="超期案件")
def overdue_cases(
    on: date | None = None,
    session: Session = Depends(db, scope="function"),
    _: Actor = Depends(current_actor),
):
    return [{"case": _case(c).model_dump(mode="json"), "reason": r} for c, r in service.overdue(session, on)]


@cases.get("/{case_id}", summary="案件详情", response_model=schemas.CaseOut)
def get_case(
    case_id: int, session: Session = Depends(db, scope="function"), _: Actor = Depends(current_actor)
):
    return _case(service.get(session, case_id))


@cases.get("/{case_id}/steps", summary="办理记录")
def case_steps(
    case_id: int, session: Session = Depends(db, scope="function"), _: Actor = Depends(current_actor)
):
    return [
        {"event": s.event, "from": s.from_status, "to": s.to_status, "actor": s.actor, "note": s.note}
        for s in service.steps(session, case_id)
    ]


@cases.get("/{case_id}/proposal", summary="处罚裁量建议（条例第38–43条）")
def penalty_proposal(
    case_id: int, session: Session = Depends(db, scope="function"), _: Actor = Depends(current_actor)
):
    return service.propose_penalty(session, case_id).as_dict()


@cases.post("/{case_id}/draft-decision", summary="拟定处罚决定")
def draft_decision(
    case_id: int,
    body: schemas.DraftIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    d = service.draft_decision(session, case_id, actor, **body.model_dump())
    return {"fine_amount": str(d.fine_amount), "measures": d.measures, "major": d.major}


@cases.post("/{case_id}/statement", summary="登记陈述申辩")
def statement(
    case_id: int,
    body: schemas.StatementIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _case(service.record_statement(session, case_id, actor, body.statement))


@cases.post("/{case_id}/collective-discussion", summary="登记集体讨论")
def discussion(
    case_id: int,
    body: schemas.DiscussionIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _case(service.record_collective_discussion(session, case_id, actor, body.conclusion, body.members))


_EVENTS = {
    "assign_verification": lambda s, i, a, b: service.assign_verification(s, i, a, b.assignee, b.on),
    "file": lambda s, i, a, b: service.file_case(s, i, a, b.note, b.on),
    "close_no_case": lambda s, i, a, b: _close_no_case(s, i, a, b),
    "start_investigation": lambda s, i, a, b: service.start_investigation(s, i, a, b.on),
    "transfer_criminal": lambda s, i, a, b: service.transfer_criminal(s, i, a, b.receiving_agency, b.on),
    "resume": lambda s, i, a, b: service.resume(s, i, a, b.note, b.on),
    "notify": lambda s, i, a, b: service.notify(s, i, a, b.on),
    "hear_defence": lambda s, i, a, b: service.hear_defence(s, i, a, b.on),
    "legal_review": lambda s, i, a, b: service.legal_review(s, i, a, b.opinion, b.on),
    "decide": lambda s, i, a, b: _decide(s, i, a, b),
    "serve": lambda s, i, a, b: service.serve(s, i, a, b.method, b.on),
    "execute": lambda s, i, a, b: service.execute(s, i, a, b.note, b.on),
    "archive": lambda s, i, a, b: service.archive(s, i, a, b.on),
}


def _close_no_case(session, case_id, actor, body):
    from fundguard.cases import flows

    return flows.close_without_case(session, case_id, actor, body.note, body.on)


def _decide(session, case_id, actor, body):
    from fundguard.cases import flows

    return flows.decide_case(session, case_id, actor, body.basis, body.on)


@cases.post(
    "/{case_id}/events/{event}", summary="案件流转（非法流转返回 409）", response_model=schemas.CaseOut
)
def fire_event(
    case_id: int,
    event: str,
    body: schemas.EventIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    handler = _EVENTS.get(event)
    if handler is None:
        raise InputError("UNKNOWN_EVENT", f"未知的案件操作：{event}", field="event")
    return _case(handler(session, case_id, actor, body))


@cases.post("/{case_id}/evidence", summary="上传证据（记录 SHA-256）", status_code=201)
async def upload_evidence(
    case_id: int,
    kind: str = Form(..., examples=["病历"]),
    source: str = Form(""),
    file: UploadFile = File(...),
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    data = await file.read()
    item = service.add_evidence(
        session, case_id, actor, kind=kind, filename=file.filename or "file", data=data, source=source
    )
    return {"id": item.id, "sha256": item.sha256, "size": item.size}


@cases.get("/evidence/{evidence_id}", summary="下载证据（校验 SHA-256）")
def download_evidence(
    evidence_id: int, actor: Actor = Depends(current_actor), session: Session = Depends(db, scope="function")
):
    item, data = service.read_evidence(session, evidence_id, actor)
    return Response(data, media_type="application/octet-stream", headers={"X-Content-SHA256": item.sha256})


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@cases.post("/{case_id}/documents", summary="制作告知书/处罚决定书（自动编文号）", status_code=201)
def case_document(
    case_id: int,
    body: schemas.DocumentIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    row = documents.generate(
        session, actor, body.kind, agency=body.agency, agency_name=body.agency_name, case_id=case_id
    )
    return {"id": row.id, "doc_no": row.doc_no, "sha256": row.sha256}


@cases.get("/documents/{document_id}", summary="下载文书 .docx")
def download_document(
    document_id: int, session: Session = Depends(db, scope="function"), _: Actor = Depends(current_actor)
):
    row, data = documents.read(session, document_id)
    return Response(data, media_type=DOCX, headers={"X-Document-No": quote(row.doc_no)})


def _problem(p) -> schemas.ProblemOut:
    return schemas.ProblemOut.model_validate(p)


@problems.post("/problems", summary="问题编号登记", status_code=201, response_model=schemas.ProblemOut)
def register_problem(
    body: schemas.ProblemIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _problem(rect.register(session, actor, **body.model_dump()))


@problems.post("/problems/{problem_id}/notify", summary="下达整改通知", response_model=schemas.ProblemOut)
def notify_problem(
    problem_id: int, actor: Actor = Depends(current_actor), session: Session = Depends(db, scope="function")
):
    return _problem(rect.notify(session, problem_id, actor))


@problems.post("/problems/{problem_id}/submit", summary="机构提交整改材料", response_model=schemas.ProblemOut)
async def submit_problem(
    problem_id: int,
    plan: str = Form(...),
    kinds: list[str] = Form(..., description="每个附件的佐证类型，与 files 一一对应"),
    files: list[UploadFile] = File(...),
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    if len(kinds) != len(files):
        raise InputError("KINDS_MISMATCH", "佐证类型与附件数量不一致", field="kinds")
    attachments = [(k, f.filename or "file", await f.read()) for k, f in zip(kinds, files, strict=True)]
    rect.submit(session, problem_id, actor, plan=plan, attachments=attachments)
    return _problem(rect.get(session, problem_id))


@problems.post("/problems/{problem_id}/close", summary="销号", response_model=schemas.ProblemOut)
def close_problem(
    problem_id: int,
    body: schemas.ReviewIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _problem(rect.close(session, problem_id, actor, body.note))


@problems.post("/problems/{problem_id}/reopen", summary="退回再整改", response_model=schemas.ProblemOut)
def reopen_problem(
    problem_id: int,
    body: schemas.ReviewIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _problem(rect.reopen(session, problem_id, actor, body.note))


@problems.post("/problems/{problem_id}/escalate", summary="逾期升级督办", response_model=schemas.ProblemOut)
def escalate_problem(
    problem_id: int,
    body: schemas.EscalateIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _problem(rect.escalate(session, problem_id, actor, body.measure, body.note))


@problems.post("/problems/{problem_id}/documents", summary="制作整改通知书", status_code=201)
def problem_document(
    problem_id: int,
    body: schemas.DocumentIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    row = documents.generate(
        session,
        actor,
        "rectification",
        agency=body.agency,
        agency_name=body.agency_name,
        problem_id=problem_id,
    )
    return {"id": row.id, "doc_no": row.doc_no, "sha256": row.sha256}


@problems.post("/sweep-overdue", summary="标记逾期未整改问题")
def sweep(actor: Actor = Depends(current_actor), session: Session = Depends(db, scope="function")):
    return [p.problem_no for p in rect.sweep_overdue(session, actor)]


@problems.get("/board", summary="整改看板（按机构）")
def board(
    region: str | None = Query(None),
    session: Session = Depends(db, scope="function"),
    _: Actor = Depends(current_actor),
):
    return rect.board(session, region)


def _clue(c) -> dict:
    return {
        "id": c.id,
        "clue_no": c.clue_no,
        "status": c.status,
        "institution_code": c.institution_code,
        "person_code": c.person_code,
        "subjects": c.subjects,
        "amount": str(c.amount),
        "case_id": c.case_id,
    }


@clue_router.post("", summary="登记线索（自动合并同一对象同类问题）", status_code=201)
def add_clue(
    body: schemas.ClueIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    clue, merged = clues.add(session, actor, **body.model_dump())
    return {**_clue(clue), "merged": merged}


@clue_router.post("/from-findings", summary="由选定疑点生成线索（按机构、类别分组）", status_code=201)
def clues_from_findings(
    findings: list[dict],
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return [_clue(c) for c in clues.from_findings(session, actor, findings)]


@clue_router.post("/{clue_id}/case", summary="线索转案件", response_model=schemas.CaseOut, status_code=201)
def clue_to_case(
    clue_id: int,
    body: schemas.ClueCaseIn,
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    return _case(clues.open_case(session, clue_id, actor, body.title, body.actor_type))


@clue_router.post("/export", summary="导出线索交换文件（JSON 或 Excel）")
def export_clues(
    body: schemas.ExportIn,
    session: Session = Depends(db, scope="function"),
    _: Actor = Depends(current_actor),
):
    doc = exchange.export(session, body.clue_ids, body.sender, body.receiver)
    if body.as_excel:
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(exchange.to_excel(doc), media_type=xlsx)
    return doc


@clue_router.post("/import", summary="导入线索交换文件（JSON 或 Excel）")
async def import_clues(
    file: UploadFile = File(...),
    actor: Actor = Depends(current_actor),
    session: Session = Depends(db, scope="function"),
):
    data = await file.read()
    if (file.filename or "").lower().endswith(".xlsx"):
        doc = exchange.from_excel(data)
    else:
        try:
            doc = json.loads(data)
        except ValueError:
            raise InputError("EXCHANGE_FILE", "线索交换文件不是合法的 JSON", field="file") from None
    return [{**_clue(c), "merged": m} for c, m in exchange.import_doc(session, actor, doc)]


router.include_router(cases)
router.include_router(clue_router)
router.include_router(problems)
