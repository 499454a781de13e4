"""Exports: notification lists for 卫健 and 药监 (S-7), and the HIS interception list (拦截名单).

Routing: 药监 receives pharmacists (3) and pharmacy principals (6); 卫健 receives doctors, nurses,
technicians and billing staff (1, 2, 4, 5). A person whose type is unknown goes to both.
Files: ``.csv`` (UTF-8 with BOM so Excel opens it), ``.xlsx`` (openpyxl), ``.json`` (HIS list).
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.errors import InputError
from fundguard.masterdata.models import Practitioner, Registration
from fundguard.profiles import get_profile
from fundguard.scoring import catalogue, ledger, periods, workcal
from fundguard.scoring.models import PersonFile, PointsEntry

DEPARTMENTS = {"health": {"1", "2", "4", "5"}, "drug": {"3", "6"}}
DEPARTMENT_ZH = {"health": "卫生健康部门", "drug": "药品监督管理部门"}
STATUS_ZH = {"active": "正常", "suspended": "暂停", "terminated": "终止"}

NOTIFY_COLUMNS = [
    ("prac_psn_code", "人员编码"),
    ("name", "姓名"),
    ("prac_psn_type", "人员类别"),
    ("fixmedins_codes", "登记机构"),
    ("kind", "记分类型"),
    ("behaviour", "违规行为"),
    ("points", "记分分值"),
    ("decision_date", "决定日期"),
    ("effective_date", "生效日期"),
    ("admdvs", "医保区划"),
    ("agency", "决定机关"),
    ("year_points", "年度累计记分"),
    ("status", "资格状态"),
    ("until", "暂停至"),
    ("barred_until", "不得再次登记备案至"),
    ("notify_by", "通报期限"),
]
BLOCKED_COLUMNS = [
    ("prac_psn_code", "人员编码"),
    ("name", "姓名"),
    ("status", "资格状态"),
    ("start", "起始日期"),
    ("until", "暂停至"),
    ("barred_until", "不得再次登记备案至"),
]


def _person(session: Session, code: str) -> tuple[str, str, str]:
    master = session.get(Practitioner, code)
    file = session.get(PersonFile, code)
    name = master.prac_psn_name if master else (file.name if file else ledger.UNKNOWN_NAME)
    institutions = session.execute(
        select(Registration.fixmedins_code).where(Registration.prac_psn_code == code)
    ).scalars()
    return name, (master.prac_psn_type if master else ""), ";".join(sorted(set(institutions)))


def notification_rows(session: Session, department: str, since: date, until: date) -> list[dict]:
    """Decisions and imported entries effective in [since, until], for one department."""
    if department not in DEPARTMENTS:
        raise InputError(
            "DEPARTMENT_UNKNOWN",
            f"通报部门 {department!r} 应为 health(卫健) 或 drug(药监)",
            f"department {department!r} must be health or drug",
            field="department",
        )
    profile = get_profile()
    within = int(profile["scoring.notify_health_drug_within_wd"])
    cal = workcal.calendar(session)
    entries = session.execute(
        select(PointsEntry)
        .where(
            PointsEntry.kind.in_(("decision", "external")),
            PointsEntry.effective_date >= since,
            PointsEntry.effective_date <= until,
        )
        .order_by(PointsEntry.effective_date, PointsEntry.seq)
    ).scalars()
    rows = []
    for e in entries:
        name, psn_type, institutions = _person(session, e.prac_psn_code)
        if psn_type and psn_type not in DEPARTMENTS[department]:
            continue
        st = ledger.derived_status(session, e.prac_psn_code, until)
        rows.append(
            {
                "prac_psn_code": e.prac_psn_code,
                "name": name,
                "prac_psn_type": psn_type,
                "fixmedins_codes": e.fixmedins_code or institutions,
                "kind": "本地决定" if e.kind == "decision" else "外地导入",
                "behaviour": f"{e.behaviour_code} {catalogue.behaviour_name(profile, e.behaviour_code)}".strip(),
                "points": e.points,
                "decision_date": e.decision_date.isoformat(),
                "effective_date": e.effective_date.isoformat(),
                "admdvs": e.admdvs,
                "agency": e.agency,
                "year_points": st.year_points,
                "status": STATUS_ZH[st.status],
                "until": st.until.isoformat() if st.until else "",
                "barred_until": st.barred_until.isoformat() if st.barred_until else "",
                # 通报期限: the profile's working days after the decision takes effect
                "notify_by": cal.add_working_days(e.effective_date, within).isoformat(),
            }
        )
    return rows


def blocked_rows(session: Session, on: date) -> list[dict]:
    rows = []
    for p in periods.covering(session, on):
        name, _, _ = _person(session, p.prac_psn_code)
        rows.append(
            {
                "prac_psn_code": p.prac_psn_code,
                "name": name,
                "status": "terminated" if p.kind == "termination" else "suspended",
                "start": p.start_date.isoformat(),
                "until": p.end_date.isoformat() if p.kind == "suspension" and p.end_date else None,
                "barred_until": p.barred_until.isoformat() if p.barred_until else None,
            }
        )
    return rows


def write(rows: list[dict], columns: list[tuple[str, str]], path: Path, title: str = "") -> Path:
    """Write rows to ``.csv``, ``.xlsx`` or ``.json`` (chosen by the file suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".json"):
        raise InputError(
            "EXPORT_FORMAT",
            f"导出文件 {path.name} 应以 .csv、.xlsx 或 .json 结尾",
            f"export file {path.name} must end in .csv, .xlsx or .json",
            field="out",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    elif suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([zh for _, zh in columns])
            for row in rows:
                writer.writerow(["" if row[key] is None else row[key] for key, _ in columns])
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = (title or "记分通报")[:31]
        sheet.append([zh for _, zh in columns])
        for row in rows:
            sheet.append(["" if row[key] is None else row[key] for key, _ in columns])
        book.save(path)
    return path
