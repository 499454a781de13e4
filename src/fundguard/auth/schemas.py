"""Pydantic shapes of the auth domain."""

from __future__ import annotations

from pydantic import BaseModel


class ChainBreak(BaseModel):
    chain: str
    seq: int
    reason: str
