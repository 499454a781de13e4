"""Pre-check tables: the institution's feedback on findings (like NHSA 3103)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fundguard.db import Base


class PrecheckFeedback(Base):
    """反馈：医生对一条预审提示的处理（接受、修改、坚持并说明理由）。"""

    __tablename__ = "precheck_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    precheck_id: Mapped[str] = mapped_column(String(32), default="", index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(64), index=True)
    mdtrt_id: Mapped[str] = mapped_column(String(64))
    feedetl_sn: Mapped[str] = mapped_column(String(64), default="")
    rule_code: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(16))  # accepted | changed | overridden
    reason: Mapped[str] = mapped_column(Text, default="")
    doctor_code: Mapped[str] = mapped_column(String(64), default="")
    api_key_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
