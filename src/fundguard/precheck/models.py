"""Pre-check tables: the institution's feedback on findings (like NHSA 3103) and the history store."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Index, Integer, Numeric, String, Text
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


# ------------------------------------------------------------------ history store (docs/decisions/0014)
# The patient's and the trace code's history for the pre-check's cross-visit rules, copied from the
# lake (``source = 'lake'``, ``batch_id`` set) and from settled pre-check calls (``source = 'precheck'``).


class HistoryVisit(Base):
    """历史就诊：预审跨就诊规则（分解住院、冒名）所需的就诊字段。"""

    __tablename__ = "precheck_history_visit"
    __table_args__ = (Index("ix_precheck_history_visit_psn_begntime", "psn_no", "begntime"),)

    mdtrt_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    psn_no: Mapped[str] = mapped_column(String(200))
    fixmedins_code: Mapped[str] = mapped_column(String(200))
    gend: Mapped[str | None] = mapped_column(String(200), nullable=True)
    med_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    begntime: Mapped[datetime] = mapped_column(DateTime())
    endtime: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    dscg_maindiag_code: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str] = mapped_column(String(16))  # lake | precheck
    batch_id: Mapped[str] = mapped_column(String(64), default="", index=True)


class HistoryDiag(Base):
    """历史就诊的主诊断（maindiag_flag = 1 的诊断行）。"""

    __tablename__ = "precheck_history_diag"

    mdtrt_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    diag_code: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[str] = mapped_column(String(64), default="", index=True)


class HistoryLine(Base):
    """历史费用明细：频次、诊疗过度规则按参保人和时间窗口读取。"""

    __tablename__ = "precheck_history_line"
    __table_args__ = (Index("ix_precheck_history_line_psn_time", "psn_no", "fee_ocur_time"),)

    mdtrt_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    feedetl_sn: Mapped[str] = mapped_column(String(200), primary_key=True)
    psn_no: Mapped[str] = mapped_column(String(200))
    fixmedins_code: Mapped[str] = mapped_column(String(200))
    fee_ocur_time: Mapped[datetime] = mapped_column(DateTime())
    med_list_codg: Mapped[str] = mapped_column(String(200))
    cnt: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    source: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[str] = mapped_column(String(64), default="", index=True)


class HistoryTrace(Base):
    """已销售的药品追溯码（排序时间 = 扫码时间，缺失时为费用发生时间）。"""

    __tablename__ = "precheck_history_trace"

    mdtrt_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    feedetl_sn: Mapped[str] = mapped_column(String(200), primary_key=True)
    drug_trac_codg: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)
    sort_time: Mapped[datetime] = mapped_column(DateTime())
    source: Mapped[str] = mapped_column(String(16))
    batch_id: Mapped[str] = mapped_column(String(64), default="", index=True)


class HistoryBatch(Base):
    """已同步到历史库的数据湖批次。"""

    __tablename__ = "precheck_history_batch"

    batch_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    visits: Mapped[int] = mapped_column(Integer, default=0)
    lines: Mapped[int] = mapped_column(Integer, default=0)
    traces: Mapped[int] = mapped_column(Integer, default=0)
