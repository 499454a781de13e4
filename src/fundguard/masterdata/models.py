"""Master-data tables, loaded by ingest from the contract's fixmedins / practitioner / catalog tables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
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
