"""Thin router: ``POST /api/v1/precheck`` (3101/3102) and ``POST /api/v1/precheck/feedback`` (3103).

``PrecheckRoute`` runs before body parsing: 413 for a body over ``precheck.max_body_bytes``, then the
API key (401 / 429), so an unauthenticated caller never gets a validation answer. Keys verified in the
last ``precheck.reload_check_seconds`` are answered from ``service.KEYS`` without the store.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader

from fundguard import db
from fundguard.errors import FundguardError
from fundguard.precheck import history, reload, service
from fundguard.precheck.schemas import FeedbackAnswer, FeedbackRequest, PrecheckAnswer, PrecheckRequest
from fundguard.profiles import get_profile
from fundguard.web.security import request_id

API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="定点机构接口密钥")
ERRORS = {
    401: {"description": "缺少或无效的接口密钥"},
    403: {"description": "接口密钥所属机构与就诊机构不一致"},
    413: {"description": "请求体超过上限"},
    422: {"description": "输入有误：{code, message（中文，指明字段）, field}"},
    429: {"description": "调用过于频繁"},
}


class PayloadTooLarge(FundguardError):
    http_status = 413


def _authenticate(raw: str | None) -> service.Caller:
    with db.session_scope() as session:
        return service.authenticate(session, raw)


def body_limit() -> int:
    return int(get_profile()["precheck.max_body_bytes"])


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge("PAYLOAD_TOO_LARGE", f"请求体超过上限 {limit} 字节", "body too large", "body")


def check_declared_length(declared: str, limit: int) -> None:
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)


async def caller_of(raw: str | None) -> service.Caller:
    """The calling institution (401 / 429); a key verified in the last seconds needs no store access."""
    caller = service.cached_caller(raw)
    if caller is None:
        caller = await run_in_threadpool(_authenticate, raw)
    return caller


async def answer(caller: service.Caller, body: PrecheckRequest, rid: str) -> bytes:
    """The JSON answer to one validated request (shared by the route and ``lane.PrecheckLane``).

    Runs on the event loop, not in the thread pool: about a millisecond of CPU with a few local
    indexed reads, and no thread hand-off (or GIL ping-pong under load) in the latency budget.
    Slow or lock-bound work never happens here: the knowledge check (once per period), audit writes
    and key verification run in the thread pool, history writes and lake copies in background threads.
    """
    audit: list[dict] = []
    if not reload.is_fresh():  # at most once per reload_check_seconds: check the knowledge off the loop
        await run_in_threadpool(reload.current)
    with history.request_store() as store:
        result = service.precheck(store, caller, body, rid, audit=audit)
    if audit:  # blocks and emergency overrides: in the audit log before the answer leaves
        await run_in_threadpool(_write_audit, caller, audit, rid)
    return PrecheckAnswer.model_validate(result).model_dump_json().encode()


class PrecheckRoute(APIRoute):
    def get_route_handler(self):
        handler = super().get_route_handler()

        async def guarded(request: Request):
            limit = body_limit()
            check_declared_length(request.headers.get("content-length", ""), limit)
            if len(await request.body()) > limit:
                raise too_large(limit)
            request.state.precheck_caller = await caller_of(request.headers.get("x-api-key"))
            return await handler(request)

        return guarded


router = APIRouter(prefix="/api/v1/precheck", tags=["事前事中审核 precheck"], route_class=PrecheckRoute)


PRECHECK_DOC = """用与事后批量审核相同的规则模板审核一次就诊，返回结论（pass/warn/block）与逐条提示。

跨就诊规则（分解住院 SPL、冒名就医 IMP、周期频次 FRQ、诊疗过度 OVR、追溯码重复销售 TRC-P01）读取
历史库：该参保人的其他就诊和费用、该追溯码的销售记录。历史库的时效：

- 数据湖：每个已提交的入库批次由 `fundguard precheck sync-history` 或服务进程自动复制（入库提交后
  至多 `precheck.reload_check_seconds` 秒开始复制，复制完成后即可见；大批次需数秒至数分钟）；
- 本接口：`scene = settle` 且结论不是 block 的就诊随应答排队，由后台写入线程约 0.2–0.5 秒内成批写入，
  同一 `mdtrt_id` 再次提交时替换，数据湖中已有的就诊以数据湖为准；`scene = pre` 不写入。费用明细只保留
  现行周期频次、诊疗过度规则可能读取的项目（配置 `precheck.history_all_lines` 为 true 时全部保留）：
  此后新增的周期规则读取数据湖的明细和新增之后结算的明细。

本次提交的就诊（同一 `mdtrt_id`）不会与历史库中的旧版本重复计算。

规则与知识库变更在 `precheck.reload_check_seconds` 秒内生效（无需重启，进行中的请求不受影响）；
吊销的接口密钥在发起吊销的进程内立即失效，在其他服务进程内至多 `precheck.reload_check_seconds` 秒后失效。
"""


@router.post(
    "",
    response_model=PrecheckAnswer,
    responses=ERRORS,
    summary="事前提醒/事中审核（3101/3102）",
    description=PRECHECK_DOC,
)
async def precheck(body: PrecheckRequest, request: Request, _key: str | None = Security(API_KEY)) -> Response:
    # Served by ``lane.PrecheckLane`` in front of the app for JSON bodies (no routing, no dependency
    # injection); this route documents the API and answers whatever the lane passes on.
    data = await answer(request.state.precheck_caller, body, request_id(request))
    return Response(data, media_type="application/json")


def _write_audit(caller: service.Caller, entries: list[dict], rid: str) -> None:
    with db.session_scope() as session:
        service.write_audit(session, caller, entries, rid)


@router.post("/feedback", response_model=FeedbackAnswer, responses=ERRORS, summary="审核结果反馈（3103）")
def feedback(body: FeedbackRequest, request: Request, _key: str | None = Security(API_KEY)) -> dict:
    """医生对提示的处理：接受、修改或坚持原医嘱（须说明理由）。"""
    with db.session_scope() as session:
        stored = service.store_feedback(session, request.state.precheck_caller, body, request_id(request))
    return {"stored": stored}
