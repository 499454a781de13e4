"""Master-data tables, loaded by ingest from the contract's fixmedins / practitioner / catalog tables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fundguard.db import Base, Money


class Institution(Base):
    __tablename__ = "institution"

    fixmedins_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    fixmedins_name: Mapped[str] = mapped_column(String(200), nullable=False)
    fixmedins_type: Mapped[str] = mapped_column(String(2), nullable=False)  # 1 medical, 2 retail pharmacy
    hosp_lv: Mapped[str | None] = mapped_column(String(4))
    admdvs: Mapped[str | None] = mapped_column(String(12), index=True)
    aprv_bed_cnt: Mapped[int | None] = mapped_column(Integer)
    legrep_name: Mapped[str | None] = mapped_column(String(100))
    uscc: Mapped[str | None] = mapped_column(String(32), index=True)
    addr: Mapped[str | None] = mapped_column(String(300))
    batch_id: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Department(Base):
    __tablename__ = "department"

    fixmedins_code: Mapped[str] = mapped_column(ForeignKey("institution.fixmedins_code"), primary_key=True)
    dept_codg: Mapped[str] = mapped_column(String(40), primary_key=True)
    dept_name: Mapped[str | None] = mapped_column(String(100))


class Practitioner(Base):
    """One person for life (一人一档), keyed by the national code ``prac_psn_code``."""

    __tablename__ = "practitioner"

    prac_psn_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    prac_psn_name: Mapped[str] = mapped_column(String(100), nullable=False)
    prac_psn_type: Mapped[str] = mapped_column(String(2), nullable=False)
    certno: Mapped[str | None] = mapped_column(String(40), index=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    registrations: Mapped[list[Registration]] = relationship(back_populates="practitioner")


class Registration(Base):
    """A practitioner's registration (登记备案) at one institution."""

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("prac_psn_code", "fixmedins_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    prac_psn_code: Mapped[str] = mapped_column(ForeignKey("practitioner.prac_psn_code"), nullable=False)
    fixmedins_code: Mapped[str] = mapped_column(
        ForeignKey("institution.fixmedins_code"), nullable=False, index=True
    )
    dept_codg: Mapped[str | None] = mapped_column(String(40))
    pro_title: Mapped[str | None] = mapped_column(String(60))
    begn_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    batch_id: Mapped[str | None] = mapped_column(String(40))

    practitioner: Mapped[Practitioner] = relationship(back_populates="registrations")


class CatalogItem(Base):
    __tablename__ = "catalog_item"

    med_list_codg: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    list_type: Mapped[str] = mapped_column(String(10), nullable=False)
    chrgitm_lv: Mapped[str | None] = mapped_column(String(4))
    pric_uplmt_amt: Mapped[Decimal | None] = mapped_column(Money)
    unit: Mapped[str | None] = mapped_column(String(40))
    spec: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[str | None] = mapped_column(String(40))


class MasterVersion(Base):
    """One version (版本) of a master-data row: the history behind the current tables above.

    Every institution, practitioner registration and catalogue row that ingest loads is recorded
    here, keyed by contract table and key (``entity_key``: the key values joined by ``|``). When a
    later batch brings the same key with other content, the open version gets ``valid_to`` (the
    later batch's start) and ``superseded_by``, and the new one is inserted with ``valid_to``
    NULL: the newest version is current and is what the current tables and the lake views show.
    """

    __tablename__ = "master_version"
    __table_args__ = (Index("ix_master_version_entity", "table_name", "entity_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(32), nullable=False)  # fixmedins | practitioner | catalog
    entity_key: Mapped[str] = mapped_column(String(200), nullable=False)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    batch_id: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    superseded_by: Mapped[str | None] = mapped_column(String(40))
    line: Mapped[int] = mapped_column(Integer, nullable=False)  # source file line of this version
    change: Mapped[str] = mapped_column(String(8), nullable=False)  # new | changed
    row_hash: Mapped[str] = mapped_column(String(24), nullable=False)  # the lake's _row_hash
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # contract columns as text
