"""Thin router: ``POST /api/v1/precheck`` (3101/3102) and ``POST /api/v1/precheck/feedback`` (3103).

``PrecheckRoute`` runs before body parsing: 413 for a body over ``precheck.max_body_bytes``, then the
API key (401 / 429), so an unauthenticated caller never gets a validation answer.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader

from fundguard.db import session_scope
from fundguard.errors import FundguardError
from fundguard.precheck import service
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
    with session_scope() as session:
        return service.authenticate(session, raw)


class PrecheckRoute(APIRoute):
    def get_route_handler(self):
        handler = super().get_route_handler()

        async def guarded(request: Request):
            limit = int(get_profile()["precheck.max_body_bytes"])
            declared = request.headers.get("content-length", "")
            too_big = PayloadTooLarge(
                "PAYLOAD_TOO_LARGE", f"请求体超过上限 {limit} 字节", "body too large", "body"
            )
            if declared.isdigit() and int(declared) > limit:
                raise too_big
            if len(await request.body()) > limit:
                raise too_big
            request.state.precheck_caller = await run_in_threadpool(
                _authenticate, request.headers.get("x-api-key")
            )
            return await handler(request)

        return guarded


router = APIRouter(prefix="/api/v1/precheck", tags=["事前事中审核 precheck"], route_class=PrecheckRoute)


@router.post("", response_model=PrecheckAnswer, responses=ERRORS, summary="事前提醒/事中审核（3101/3102）")
def precheck(body: PrecheckRequest, request: Request, _key: str | None = Security(API_KEY)) -> dict:
    """用与事后批量审核相同的规则模板审核一次就诊，返回结论（pass/warn/block）与逐条提示。"""
    with session_scope() as session:
        return service.precheck(session, request.state.precheck_caller, body, request_id(request))


@router.post("/feedback", response_model=FeedbackAnswer, responses=ERRORS, summary="审核结果反馈（3103）")
def feedback(body: FeedbackRequest, request: Request, _key: str | None = Security(API_KEY)) -> dict:
    """医生对提示的处理：接受、修改或坚持原医嘱（须说明理由）。"""
    with session_scope() as session:
        stored = service.store_feedback(session, request.state.precheck_caller, body, request_id(request))
    return {"stored": stored}
