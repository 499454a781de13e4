"""公开信息 publication: type, content (desensitised on approval), approval, publish_at, withdrawal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fundguard.db import Base


class Publication(Base):
    __tablename__ = "disclosure_publication"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pub_type: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    personal_names: Mapped[list] = mapped_column(JSON, nullable=False)
    channel: Mapped[str] = mapped_column(String(32), nullable=False, default="WEBSITE")
    source_type: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    source_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # 医保区划 of the publishing agency (drafts are scoped by it; published entries are public).
    admdvs: Mapped[str] = mapped_column(String(12), nullable=False, default="", server_default="", index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    approved_by: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawal_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
