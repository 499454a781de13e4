"""Errors that reach a user: a machine-readable code, a Chinese message and an English one.

The CLI turns ``InputError`` into exit code 2 with a one-line message; the web app turns
``FundguardError`` into a 4xx JSON body ``{"code", "message", "field"}``.
"""

from __future__ import annotations


class FundguardError(Exception):
    http_status = 400

    def __init__(self, code: str, message_zh: str, message_en: str = "", field: str | None = None):
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        self.field = field
        super().__init__(f"{message_zh} / {self.message_en}" if message_en else message_zh)

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message_zh}
        if self.field:
            body["field"] = self.field
        return body


class InputError(FundguardError):
    """Bad usage or unreadable input (CLI exit 2, HTTP 422)."""

    http_status = 422


class NotFound(FundguardError):
    http_status = 404


class Forbidden(FundguardError):
    http_status = 403


class Conflict(FundguardError):
    """An illegal state transition or a conflicting write (HTTP 409)."""

    http_status = 409
