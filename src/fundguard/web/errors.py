"""Error answers (错误处理): JSON ``{"code","message","field"}`` for the API, Chinese pages otherwise.

A server error is logged with its stack trace and request id to ``$FUNDGUARD_HOME/logs/web.log``;
the user sees only the request id (请求编号).
"""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from fundguard.errors import FundguardError
from fundguard.settings import get_settings
from fundguard.web.security import is_api_path

LOGGER_NAME = "fundguard.web"

HTTP_MESSAGES = {
    400: ("BAD_REQUEST", "请求有误"),
    401: ("NOT_AUTHENTICATED", "未登录或会话已过期，请先登录"),
    403: ("FORBIDDEN", "无权访问"),
    404: ("NOT_FOUND", "您访问的页面或数据不存在"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方法"),
    413: ("PAYLOAD_TOO_LARGE", "请求内容过大"),
    429: ("TOO_MANY_REQUESTS", "请求过于频繁，请稍后再试"),
}
VALIDATION_MESSAGES = {
    "missing": "为必填项",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为是/否",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为时间（YYYY-MM-DD HH:MM:SS）",
    "string_too_short": "过短",
    "string_too_long": "过长",
    "greater_than_equal": "过小",
    "less_than_equal": "过大",
    "greater_than": "过小",
    "less_than": "过大",
    "json_invalid": "不是合法的 JSON",
    "enum": "不在可选值中",
    "literal_error": "不在可选值中",
    "string_type": "应为文本",
    "model_attributes_type": "格式不正确",
    "dict_type": "应为对象",
    "list_type": "应为列表",
}


def web_logger() -> logging.Logger:
    """The web log, re-pointed when FUNDGUARD_HOME changes (tests use one home per test)."""
    logger = logging.getLogger(LOGGER_NAME)
    path = str(get_settings().log_dir / "web.log")
    current = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
    if not any(h.baseFilename == path for h in current):
        for h in current:
            logger.removeHandler(h)
            h.close()
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    return logger


def log_exception(rid: str, request: Request, exc: BaseException) -> None:
    try:
        stack = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        web_logger().error(
            "request_id=%s internal error on %s %s\n%s", rid, request.method, request.url.path, stack
        )
        for h in web_logger().handlers:
            h.flush()
    except Exception:  # noqa: BLE001 — logging must never mask the answer
        pass


def _wants_json(request: Request) -> bool:
    return is_api_path(request.url.path) or request.url.path == "/openapi.json"


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    from fundguard.web.templating import render

    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
    )


def server_error_response(request: Request, rid: str) -> Response:
    if _wants_json(request):
        return JSONResponse(
            {
                "code": "INTERNAL_ERROR",
                "message": f"服务器内部错误，请联系管理员并提供请求编号 {rid}",
                "request_id": rid,
            },
            status_code=500,
        )
    try:
        return error_page(
            request, 500, "服务器内部错误", "系统处理您的请求时出错，请联系系统管理员并提供请求编号。"
        )
    except Exception:  # noqa: BLE001 — even the template may be broken
        html = f"<!doctype html><meta charset=utf-8><title>服务器内部错误</title><h1>服务器内部错误</h1><p>请求编号 {rid}</p>"
        return Response(html, status_code=500, media_type="text/html; charset=utf-8")


async def fundguard_error_handler(request: Request, exc: FundguardError) -> Response:
    if _wants_json(request):
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)
    if exc.http_status == 401:
        return RedirectResponse("/login", status_code=303)
    titles = {403: "无权访问", 404: "未找到", 409: "操作冲突", 422: "输入有误"}
    return error_page(request, exc.http_status, titles.get(exc.http_status, "请求有误"), exc.message_zh)


async def http_error_handler(request: Request, exc: StarletteHTTPException) -> Response:
    code, message = HTTP_MESSAGES.get(exc.status_code, ("HTTP_ERROR", "请求无法处理"))
    headers = getattr(exc, "headers", None)
    if _wants_json(request):
        return JSONResponse({"code": code, "message": message}, status_code=exc.status_code, headers=headers)
    titles = {404: "页面不存在", 405: "请求方法不支持", 403: "无权访问"}
    return error_page(request, exc.status_code, titles.get(exc.status_code, "请求有误"), message)


def _field_name(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_error_body(errors: list) -> dict:
    """``{code, message, field}`` for pydantic errors: the first error's field, and how many more."""
    first = errors[0] if errors else {"loc": ("body",), "type": "value_error", "msg": ""}
    # a JSON syntax error is about the whole body (FastAPI puts the character offset in ``loc``)
    field = "body" if first.get("type") == "json_invalid" else _field_name(first.get("loc", ()))
    reason = VALIDATION_MESSAGES.get(first.get("type", ""), "格式不正确")
    message = f"参数 {field} {reason}"
    if len(errors) > 1:
        message += f"（另有 {len(errors) - 1} 处错误）"
    return {"code": "VALIDATION_ERROR", "message": message, "field": field}


async def validation_error_handler(request: Request, exc: RequestValidationError) -> Response:
    body = validation_error_body(exc.errors())
    if _wants_json(request):
        return JSONResponse(body, status_code=422)
    return error_page(request, 422, "输入有误", body["message"])


def install(app: FastAPI) -> None:
    app.add_exception_handler(FundguardError, fundguard_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
