"""HTTP API of cases (``/api/v1/cases``), clues (``/api/v1/clues``) and rectification
(``/api/v1/rectification``).

Thin: parse, check the role and the data scope (``cases.access``), call the service with the
logged-in user as the actor. Staff roles read (``leader`` only reads) and handle cases and clues;
institution users reach only their own rectification items and may only submit rectification.
A record outside the user's region / institution answers 403. Errors are ``FundguardError``s
answered by the web shell as ``{"code", "message", "field"}``; an illegal transition is HTTP 409.
"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth.models import User
from fundguard.auth.service import check_access
from fundguard.cases import access, clues, documents, exchange, flows, schemas, service
from fundguard.cases import rectification as rect
from fundguard.cases.deps import db
from fundguard.cases.models import Case, Clue, ProblemItem
from fundguard.errors import Forbidden, InputError
from fundguard.pdf import PDF_TYPE
from fundguard.web.security import require_roles

cases = APIRouter(prefix="/api/v1/cases", tags=["案件 cases"])
problems = APIRouter(prefix="/api/v1/rectification", tags=["问题销号 rectification"])
clue_router = APIRouter(prefix="/api/v1/clues", tags=["线索 clues"])
router = APIRouter()

READ = require_roles(*access.READ_ROLES)
HANDLE = require_roles(*access.HANDLE_ROLES)
ANY = require_roles(*access.ALL_ROLES)
SUBMIT = require_roles(*access.SUBMIT_ROLES)
DOCX = documents.DOCX_TYPE
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _case(c) -> schemas.CaseOut:
    return schemas.CaseOut.model_validate(c)


@cases.post("", summary="登记案件线索", status_code=201, response_model=schemas.CaseOut)
def create_case(
    body: schemas.CaseIn, user: User = Depends(HANDLE), session: Session = Depends(db, scope="function")
):
    return _case(service.create(session, access.actor_of(user), **body.model_dump()))


@cases.get("", summary="案件列表", response_model=list[schemas.CaseOut])
def list_cases(
    status: str | None = None, user: User = Depends(READ), session: Session = Depends(db, scope="function")
):
    q = select(Case).where(access.case_condition(user)).order_by(Case.id)
    if status:
        q = q.where(Case.status == status)
    return [_case(c) for c in session.execute(q).scalars()]


@cases.get("/overdue", summary="超期案件")
def overdue_cases(
    on: date | None = None, user: User = Depends(READ), session: Session = Depends(db, scope="function")
):
    out = []
    for c, reason in service.overdue(session, on):
        try:
            check_access(user, c.institution_code, c.region)
        except Forbidden:  # outside the user's scope: not listed
            continue
        out.append({"case": _case(c).model_dump(mode="json"), "reason": reason})
    return out


@cases.get("/{case_id}", summary="案件详情", response_model=schemas.CaseOut)
def get_case(case_id: int, user: User = Depends(READ), session: Session = Depends(db, scope="function")):
    return _case(access.case(session, user, case_id))


@cases.get("/{case_id}/steps", summary="办理记录")
def case_steps(case_id: int, user: User = Depends(READ), session: Session = Depends(db, scope="function")):
    access.case(session, user, case_id)
    return [
        {"event": s.event, "from": s.from_status, "to": s.to_status, "actor": s.actor, "note": s.note}
        for s in service.steps(session, case_id)
    ]


@cases.get("/{case_id}/proposal", summary="处罚裁量建议（条例第38–43条）")
def penalty_proposal(
    case_id: int, user: User = Depends(READ), session: Session = Depends(db, scope="function")
):
    access.case(session, user, case_id)
    return service.propose_penalty(session, case_id).as_dict()


@cases.get("/{case_id}/downstream", summary="决定后的联动（记分、信用、公开、疑点判定）")
def downstream(case_id: int, user: User = Depends(READ), session: Session = Depends(db, scope="function")):
    access.case(session, user, case_id)
    return [
        {"kind": p.kind, "target": p.target, "status": p.status, "payload": p.payload}
        for p in flows.proposals(session, case_id)
    ]


@cases.post("/{case_id}/facts", summary="登记案情要素（裁量计算用）", response_model=schemas.CaseOut)
def case_facts(
    case_id: int,
    body: schemas.FactsIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.case(session, user, case_id)
    changes = body.model_dump(exclude_none=True)
    return _case(service.update_facts(session, case_id, access.actor_of(user), **changes))


@cases.post("/{case_id}/draft-decision", summary="拟定处罚决定")
def draft_decision(
    case_id: int,
    body: schemas.DraftIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.case(session, user, case_id)
    d = service.draft_decision(session, case_id, access.actor_of(user), **body.model_dump())
    return {"fine_amount": str(d.fine_amount), "measures": d.measures, "major": d.major}


@cases.post("/{case_id}/statement", summary="登记陈述申辩")
def statement(
    case_id: int,
    body: schemas.StatementIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.case(session, user, case_id)
    return _case(service.record_statement(session, case_id, access.actor_of(user), body.statement))


@cases.post("/{case_id}/collective-discussion", summary="登记集体讨论")
def discussion(
    case_id: int,
    body: schemas.DiscussionIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.case(session, user, case_id)
    actor = access.actor_of(user)
    return _case(service.record_collective_discussion(session, case_id, actor, body.conclusion, body.members))


EVENTS = {
    "assign_verification": lambda s, i, a, b: service.assign_verification(s, i, a, b.assignee, b.on),
    "file": lambda s, i, a, b: service.file_case(s, i, a, b.note, b.on),
    "close_no_case": lambda s, i, a, b: flows.close_without_case(s, i, a, b.note, b.on),
    "start_investigation": lambda s, i, a, b: service.start_investigation(s, i, a, b.on),
    "transfer_criminal": lambda s, i, a, b: service.transfer_criminal(s, i, a, b.receiving_agency, b.on),
    "resume": lambda s, i, a, b: service.resume(s, i, a, b.note, b.on),
    "notify": lambda s, i, a, b: service.notify(s, i, a, b.on),
    "hear_defence": lambda s, i, a, b: service.hear_defence(s, i, a, b.on),
    "legal_review": lambda s, i, a, b: service.legal_review(s, i, a, b.opinion, b.on),
    "decide": lambda s, i, a, b: flows.decide_case(s, i, a, b.basis, b.on),
    "serve": lambda s, i, a, b: service.serve(s, i, a, b.method, b.on),
    "execute": lambda s, i, a, b: service.execute(s, i, a, b.note, b.on),
    "archive": lambda s, i, a, b: service.archive(s, i, a, b.on),
}


def fire(session: Session, user: User, case_id: int, event: str, body: schemas.EventIn) -> Case:
    """Fire one case event for ``user`` after the scope check (shared by the API and the pages)."""
    handler = EVENTS.get(event)
    if handler is None:
        raise InputError("UNKNOWN_EVENT", f"未知的案件操作：{event}", field="event")
    access.case(session, user, case_id)
    return handler(session, case_id, access.actor_of(user), body)


@cases.post(
    "/{case_id}/events/{event}", summary="案件流转（非法流转返回 409）", response_model=schemas.CaseOut
)
def fire_event(
    case_id: int,
    event: str,
    body: schemas.EventIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    return _case(fire(session, user, case_id, event, body))


@cases.post("/{case_id}/evidence", summary="上传证据（记录 SHA-256）", status_code=201)
async def upload_evidence(
    case_id: int,
    kind: str = Form(..., examples=["病历"]),
    source: str = Form(""),
    file: UploadFile = File(...),
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.case(session, user, case_id)
    data = await file.read()
    item = service.add_evidence(
        session,
        case_id,
        access.actor_of(user),
        kind=kind,
        filename=file.filename or "file",
        data=data,
        source=source,
    )
    return {"id": item.id, "sha256": item.sha256, "size": item.size}


@cases.get("/evidence/{evidence_id}", summary="下载证据（校验 SHA-256）")
def download_evidence(
    evidence_id: int, user: User = Depends(READ), session: Session = Depends(db, scope="function")
):
    access.evidence(session, user, evidence_id)
    item, data = service.read_evidence(session, evidence_id, access.actor_of(user))
    return Response(data, media_type="application/octet-stream", headers={"X-Content-SHA256": item.sha256})


@cases.post(
    "/{case_id}/documents", summary="制作告知书/处罚决定书（.docx 与 PDF，自动编文号）", status_code=201
)
def case_document(
    case_id: int,
    body: schemas.DocumentIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.case(session, user, case_id)
    if body.kind not in ("notice", "decision"):
        raise InputError(
            "DOC_KIND", "案件文书类型须为 notice（告知书）或 decision（处罚决定书）", field="kind"
        )
    row = documents.generate(
        session,
        access.actor_of(user),
        body.kind,
        agency=body.agency,
        agency_name=body.agency_name,
        case_id=case_id,
    )
    return {"id": row.id, "doc_no": row.doc_no, "sha256": row.sha256, "pdf_sha256": row.pdf_sha256}


def document_response(row, data: bytes, fmt: str) -> Response:
    media = PDF_TYPE if fmt == "pdf" else DOCX
    name = quote(documents.filename(row, fmt))
    return Response(
        data,
        media_type=media,
        headers={
            "X-Document-No": quote(row.doc_no),
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
        },
    )


@cases.get("/documents/{document_id}", summary="下载文书（format=docx 或 pdf）")
def download_document(
    document_id: int,
    format: str = Query("docx", pattern="^(docx|pdf)$"),
    user: User = Depends(ANY),
    session: Session = Depends(db, scope="function"),
):
    access.document(session, user, document_id)
    row, data = documents.read(session, document_id, format)
    return document_response(row, data, format)


# --- 问题销号 -----------------------------------------------------------------------------------


def _problem(p) -> schemas.ProblemOut:
    return schemas.ProblemOut.model_validate(p)


@problems.get(
    "/problems", summary="整改问题列表（机构用户仅本机构）", response_model=list[schemas.ProblemOut]
)
def list_problems(
    status: str | None = None, user: User = Depends(ANY), session: Session = Depends(db, scope="function")
):
    q = select(ProblemItem).where(access.problem_condition(user)).order_by(ProblemItem.id)
    if status:
        q = q.where(ProblemItem.status == status)
    return [_problem(p) for p in session.execute(q).scalars()]


@problems.get("/problems/{problem_id}", summary="整改问题详情", response_model=schemas.ProblemOut)
def get_problem(problem_id: int, user: User = Depends(ANY), session: Session = Depends(db, scope="function")):
    return _problem(access.problem(session, user, problem_id))


@problems.post("/problems", summary="问题编号登记", status_code=201, response_model=schemas.ProblemOut)
def register_problem(
    body: schemas.ProblemIn, user: User = Depends(HANDLE), session: Session = Depends(db, scope="function")
):
    check_access(user, body.institution_code, body.region)
    return _problem(rect.register(session, access.actor_of(user), **body.model_dump()))


@problems.post("/problems/{problem_id}/notify", summary="下达整改通知", response_model=schemas.ProblemOut)
def notify_problem(
    problem_id: int, user: User = Depends(HANDLE), session: Session = Depends(db, scope="function")
):
    access.problem(session, user, problem_id)
    return _problem(rect.notify(session, problem_id, access.actor_of(user)))


async def read_attachments(kinds: list[str], files: list[UploadFile]) -> list[tuple[str, str, bytes]]:
    if len(kinds) != len(files):
        raise InputError("KINDS_MISMATCH", "佐证类型与附件数量不一致", field="kinds")
    out = []
    for kind, f in zip(kinds, files, strict=True):
        data = await f.read()
        if data:
            out.append((kind, f.filename or "file", data))
    return out


@problems.post("/problems/{problem_id}/submit", summary="机构提交整改材料", response_model=schemas.ProblemOut)
async def submit_problem(
    problem_id: int,
    plan: str = Form(...),
    kinds: list[str] = Form(..., description="每个附件的佐证类型，与 files 一一对应"),
    files: list[UploadFile] = File(...),
    user: User = Depends(SUBMIT),
    session: Session = Depends(db, scope="function"),
):
    access.problem(session, user, problem_id)
    attachments = await read_attachments(kinds, files)
    rect.submit(session, problem_id, access.actor_of(user), plan=plan, attachments=attachments)
    return _problem(rect.get(session, problem_id))


@problems.get("/problems/{problem_id}/attachments/{sha256}", summary="下载整改材料（校验 SHA-256）")
def problem_attachment(
    problem_id: int, sha256: str, user: User = Depends(ANY), session: Session = Depends(db, scope="function")
):
    access.problem(session, user, problem_id)
    data = rect.read_attachment(session, problem_id, sha256)
    return Response(data, media_type="application/octet-stream", headers={"X-Content-SHA256": sha256})


@problems.post("/problems/{problem_id}/close", summary="销号", response_model=schemas.ProblemOut)
def close_problem(
    problem_id: int,
    body: schemas.ReviewIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.problem(session, user, problem_id)
    return _problem(rect.close(session, problem_id, access.actor_of(user), body.note))


@problems.post("/problems/{problem_id}/reopen", summary="退回再整改", response_model=schemas.ProblemOut)
def reopen_problem(
    problem_id: int,
    body: schemas.ReviewIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.problem(session, user, problem_id)
    return _problem(rect.reopen(session, problem_id, access.actor_of(user), body.note))


@problems.post("/problems/{problem_id}/escalate", summary="逾期升级督办", response_model=schemas.ProblemOut)
def escalate_problem(
    problem_id: int,
    body: schemas.EscalateIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.problem(session, user, problem_id)
    return _problem(rect.escalate(session, problem_id, access.actor_of(user), body.measure, body.note))


@problems.post("/problems/{problem_id}/documents", summary="制作整改通知书（.docx 与 PDF）", status_code=201)
def problem_document(
    problem_id: int,
    body: schemas.DocumentIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.problem(session, user, problem_id)
    row = documents.generate(
        session,
        access.actor_of(user),
        "rectification",
        agency=body.agency,
        agency_name=body.agency_name,
        problem_id=problem_id,
    )
    return {"id": row.id, "doc_no": row.doc_no, "sha256": row.sha256, "pdf_sha256": row.pdf_sha256}


@problems.post("/sweep-overdue", summary="标记逾期未整改问题（本辖区）")
def sweep(user: User = Depends(HANDLE), session: Session = Depends(db, scope="function")):
    items = rect.sweep_overdue(session, access.actor_of(user), condition=access.problem_condition(user))
    return [p.problem_no for p in items]


@problems.get("/board", summary="整改看板（按机构；机构用户仅本机构）")
def board(
    region: str | None = Query(None),
    user: User = Depends(ANY),
    session: Session = Depends(db, scope="function"),
):
    return rect.board(session, region, condition=access.problem_condition(user))


# --- 线索 ---------------------------------------------------------------------------------------


def _clue(c) -> dict:
    return {
        "id": c.id,
        "clue_no": c.clue_no,
        "status": c.status,
        "region": c.region,
        "institution_code": c.institution_code,
        "person_code": c.person_code,
        "subjects": c.subjects,
        "period_from": c.period_from,
        "period_to": c.period_to,
        "amount": str(c.amount),
        "summary": c.summary,
        "case_id": c.case_id,
        "merged_into": c.merged_into,
    }


@clue_router.get("", summary="线索列表")
def list_clues(
    status: str | None = None, user: User = Depends(READ), session: Session = Depends(db, scope="function")
):
    q = select(Clue).where(access.clue_condition(user)).order_by(Clue.id)
    if status:
        q = q.where(Clue.status == status)
    return [_clue(c) for c in session.execute(q).scalars()]


@clue_router.post("", summary="登记线索（12345工单、部门移送、外地区协查等；自动合并）", status_code=201)
def add_clue(
    body: schemas.ClueIn, user: User = Depends(HANDLE), session: Session = Depends(db, scope="function")
):
    if body.institution_code:
        found = service.institution_region(session, body.institution_code)
        if found:
            check_access(user, body.institution_code, found)
    clue, merged = clues.add(session, access.actor_of(user), **body.model_dump())
    return {**_clue(clue), "merged": merged}


@clue_router.post("/from-findings", summary="由选定疑点生成线索（按机构、类别分组）", status_code=201)
def clues_from_findings(
    body: schemas.FindingsIn, user: User = Depends(HANDLE), session: Session = Depends(db, scope="function")
):
    rows = finding_rows(session, user, body.finding_ids)
    return [_clue(c) for c in clues.from_findings(session, access.actor_of(user), rows)]


def finding_rows(session: Session, user: User, finding_ids: list[str]) -> list[dict]:
    """The selected rule findings (``rules.models.Finding``) as clue input, each checked against the scope."""
    from fundguard.masterdata.models import Institution
    from fundguard.rules.models import Finding

    if not finding_ids:
        raise InputError("FINDINGS_REQUIRED", "请至少选择一条疑点", field="finding_ids")
    rows = []
    for fid in dict.fromkeys(finding_ids):
        f = session.get(Finding, fid)
        if f is None:
            raise InputError("FINDING_UNKNOWN", f"疑点不存在：{fid}", field="finding_ids")
        inst = session.get(Institution, f.fixmedins_code) if f.fixmedins_code else None
        check_access(user, f.fixmedins_code, inst.admdvs if inst is not None else None)
        rows.append(
            {
                "finding_id": f.finding_id,
                "rule_code": f.rule_code,
                "rule_version": f.rule_version,
                "category": f.category,
                "fixmedins_code": f.fixmedins_code,
                "prac_psn_code": f.prac_psn_code,
                "setl_id": f.setl_id,
                "amount": str(f.amount),
                "message": f.message,
            }
        )
    return rows


@clue_router.get("/{clue_id}", summary="线索详情（含全部来源）")
def get_clue(clue_id: int, user: User = Depends(READ), session: Session = Depends(db, scope="function")):
    c = access.clue(session, user, clue_id)
    srcs = [
        {"type": s.source_type, "ref": s.source_ref, "partner": s.partner, "payload": s.payload}
        for s in clues.sources(session, c.id)
    ]
    return {**_clue(c), "sources": srcs}


@clue_router.post("/{clue_id}/merge", summary="合并重复线索（来源全部保留）")
def merge_clue(
    clue_id: int,
    body: schemas.MergeIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.clue(session, user, clue_id)
    access.clue(session, user, body.other_id)
    return _clue(clues.merge(session, clue_id, body.other_id, access.actor_of(user)))


@clue_router.post("/{clue_id}/drop", summary="终止线索")
def drop_clue(
    clue_id: int,
    body: schemas.ReasonIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.clue(session, user, clue_id)
    return _clue(clues.drop(session, clue_id, access.actor_of(user), body.reason))


@clue_router.post("/{clue_id}/case", summary="线索转案件", response_model=schemas.CaseOut, status_code=201)
def clue_to_case(
    clue_id: int,
    body: schemas.ClueCaseIn,
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    access.clue(session, user, clue_id)
    return _case(clues.open_case(session, clue_id, access.actor_of(user), body.title, body.actor_type))


def export_doc(session: Session, user: User, clue_ids: list[int], sender: dict, receiver: dict) -> dict:
    if not clue_ids:
        raise InputError("CLUES_REQUIRED", "请至少选择一条线索", field="clue_ids")
    for cid in clue_ids:
        access.clue(session, user, cid)
    return exchange.export(session, clue_ids, sender, receiver)


@clue_router.post("/export", summary="导出线索交换文件（JSON 或 Excel）")
def export_clues(
    body: schemas.ExportIn, user: User = Depends(READ), session: Session = Depends(db, scope="function")
):
    doc = export_doc(session, user, body.clue_ids, body.sender, body.receiver)
    if body.as_excel:
        return Response(exchange.to_excel(doc), media_type=XLSX)
    return doc


def parse_exchange_file(filename: str, data: bytes) -> dict:
    if filename.lower().endswith(".xlsx"):
        return exchange.from_excel(data)
    try:
        doc = json.loads(data)
    except ValueError:
        raise InputError("EXCHANGE_FILE", "线索交换文件不是合法的 JSON", field="file") from None
    if not isinstance(doc, dict):
        raise InputError("EXCHANGE_FILE", "线索交换文件格式不正确", field="file")
    return doc


@clue_router.post("/import", summary="导入线索交换文件（JSON 或 Excel）")
async def import_clues(
    file: UploadFile = File(...),
    user: User = Depends(HANDLE),
    session: Session = Depends(db, scope="function"),
):
    doc = parse_exchange_file(file.filename or "", await file.read())
    return [{**_clue(c), "merged": m} for c, m in exchange.import_doc(session, access.actor_of(user), doc)]


router.include_router(cases)
router.include_router(clue_router)
router.include_router(problems)
