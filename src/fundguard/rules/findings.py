"""Findings as reviewers see them: scoped listing with filters, one finding with its visit, the
dashboard's figures, institutions' responses.

Scope: a finding belongs to its ``fixmedins_code`` and that institution's 医保区划 (master data).
A finding whose institution is not in master data is visible to nationwide users only.
Review status is the latest verdict (``open`` when there is none).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation

import duckdb
from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from fundguard import lake
from fundguard.auth import service as auth
from fundguard.auth.models import User
from fundguard.auth.privacy import mask_record
from fundguard.contract import VIOLATION_CATEGORIES
from fundguard.errors import InputError, NotFound
from fundguard.masterdata.models import Institution
from fundguard.rules.models import Finding, FindingResponse, Verdict
from fundguard.timeutil import now

STATUS_LABELS = {"open": "待复核", "confirmed": "已确认", "rejected": "已驳回"}
SEVERITY_LABELS = {"block": "拦截", "warn": "提醒", "info": "提示"}
SORTS = {
    "amount": (Finding.amount.desc(), Finding.finding_id),
    "amount_asc": (Finding.amount.asc(), Finding.finding_id),
    "found": (Finding.found_at.desc(), Finding.finding_id),
    "rule": (Finding.rule_code, Finding.amount.desc(), Finding.finding_id),
    "institution": (Finding.fixmedins_code, Finding.amount.desc(), Finding.finding_id),
    "month": (Finding.visit_month.desc(), Finding.amount.desc(), Finding.finding_id),
}
SORT_LABELS = {
    "amount": "金额从高到低",
    "amount_asc": "金额从低到高",
    "found": "发现时间",
    "rule": "规则编码",
    "institution": "定点机构",
    "month": "就诊月份",
}
FEE_COLUMNS = (
    ("feedetl_sn", "明细流水号"),
    ("fee_ocur_time", "发生时间"),
    ("hilist_code", "医保目录编码"),
    ("hilist_name", "医保目录名称"),
    ("med_chrgitm_type", "收费类别"),
    ("cnt", "数量"),
    ("pric", "单价"),
    ("det_item_fee_sumamt", "金额"),
    ("bilg_dept_name", "开单科室"),
    ("bilg_dr_codg", "开单医师"),
)
VISIT_COLUMNS = (
    ("mdtrt_id", "就诊ID"),
    ("psn_no", "人员编号"),
    ("psn_name", "姓名"),
    ("certno", "证件号码"),
    ("gend", "性别"),
    ("age", "年龄"),
    ("insutype", "险种"),
    ("med_type", "医疗类别"),
    ("begntime", "开始时间"),
    ("endtime", "结束时间"),
    ("dise_codg", "诊断编码"),
    ("dise_name", "诊断名称"),
    ("dept_name", "科室"),
    ("fixmedins_code", "定点机构"),
)


@dataclass
class FindingFilters:
    rule_code: str = ""
    category: str = ""
    severity: str = ""
    fixmedins_code: str = ""
    prac_psn_code: str = ""
    psn_no: str = ""
    status: str = ""
    month: str = ""
    run_id: str = ""
    min_amount: str = ""
    sort: str = "amount"

    def cleaned(self) -> FindingFilters:
        values = {k: (v or "").strip() for k, v in asdict(self).items()}
        if values["sort"] not in SORTS:
            values["sort"] = "amount"
        if values["status"] and values["status"] not in STATUS_LABELS:
            raise InputError(
                "FILTER_STATUS", f"未知的复核状态 {values['status']}", "unknown status", "status"
            )
        if values["min_amount"]:
            try:
                Decimal(values["min_amount"])
            except InvalidOperation:
                raise InputError(
                    "FILTER_AMOUNT", "最低金额必须是数字", "min_amount must be a number", "min_amount"
                ) from None
        return FindingFilters(**values)

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v and not (k == "sort" and v == "amount")}


def latest_verdict_subquery():
    latest = select(Verdict.finding_id, func.max(Verdict.id).label("vid")).group_by(Verdict.finding_id)
    latest = latest.subquery()
    return (
        select(latest.c.finding_id, Verdict.verdict, Verdict.reason, Verdict.actor, Verdict.decided_at)
        .join(Verdict, Verdict.id == latest.c.vid)
        .subquery()
    )


def scoped(user: User, query: Select) -> Select:
    """Join the institution and restrict ``query`` (which selects from ``finding``) to the user's scope."""
    return query.outerjoin(Institution, Institution.fixmedins_code == Finding.fixmedins_code).where(
        auth.scope_filter(user, Finding.fixmedins_code, Institution.admdvs)
    )


def filtered(user: User, query: Select, f: FindingFilters, latest) -> Select:
    query = scoped(user, query.outerjoin(latest, latest.c.finding_id == Finding.finding_id))
    for column in (
        "rule_code",
        "category",
        "severity",
        "fixmedins_code",
        "prac_psn_code",
        "psn_no",
        "run_id",
    ):
        value = getattr(f, column)
        if value:
            query = query.where(getattr(Finding, column) == value)
    if f.month:
        query = query.where(Finding.visit_month == f.month)
    if f.min_amount:
        query = query.where(Finding.amount >= Decimal(f.min_amount))
    if f.status == "open":
        query = query.where(latest.c.verdict.is_(None))
    elif f.status:
        query = query.where(latest.c.verdict == f.status)
    return query


def count(session: Session, user: User, f: FindingFilters) -> tuple[int, Decimal]:
    latest = latest_verdict_subquery()
    query = filtered(user, select(func.count(), func.sum(Finding.amount)).select_from(Finding), f, latest)
    n, amount = session.execute(query).one()
    return n, Decimal(str(amount or 0)).quantize(Decimal("0.01"))


def rows(session: Session, user: User, f: FindingFilters, offset: int, limit: int) -> list[dict]:
    latest = latest_verdict_subquery()
    query = filtered(
        user,
        select(Finding, Institution.fixmedins_name, latest.c.verdict).select_from(Finding),
        f,
        latest,
    )
    query = query.order_by(*SORTS[f.sort]).offset(offset).limit(limit)
    out = []
    for finding, name, verdict in session.execute(query):
        out.append(_view(finding, name, verdict))
    return out


def _view(finding: Finding, institution_name: str | None, verdict: str | None) -> dict:
    status = verdict or "open"
    return {
        "finding_id": finding.finding_id,
        "rule_code": finding.rule_code,
        "rule_version": finding.rule_version,
        "category": finding.category,
        "category_zh": VIOLATION_CATEGORIES.get(finding.category, finding.category),
        "severity": finding.severity,
        "severity_zh": SEVERITY_LABELS.get(finding.severity, finding.severity),
        "mdtrt_id": finding.mdtrt_id,
        "setl_id": finding.setl_id or "",
        "feedetl_sn": finding.feedetl_sn or "",
        "psn_no": finding.psn_no or "",
        "fixmedins_code": finding.fixmedins_code or "",
        "fixmedins_name": institution_name or "",
        "prac_psn_code": finding.prac_psn_code or "",
        "amount": finding.amount,
        "message": finding.message,
        "evidence": finding.evidence or {},
        "visit_month": finding.visit_month or "",
        "run_id": finding.run_id,
        "found_at": finding.found_at,
        "status": status,
        "status_zh": STATUS_LABELS[status],
    }


def get(session: Session, user: User, finding_id: str) -> dict:
    """One finding in the user's scope (403 outside it, 404 when there is none)."""
    found = session.execute(
        select(Finding, Institution.fixmedins_name, Institution.admdvs)
        .outerjoin(Institution, Institution.fixmedins_code == Finding.fixmedins_code)
        .where(Finding.finding_id == finding_id)
    ).first()
    if found is None:
        raise NotFound("FINDING_NOT_FOUND", f"规则命中 {finding_id} 不存在", f"no finding {finding_id}")
    finding, name, admdvs = found
    auth.check_access(user, finding.fixmedins_code, admdvs)
    latest = session.execute(
        select(Verdict.verdict).where(Verdict.finding_id == finding_id).order_by(Verdict.id.desc()).limit(1)
    ).scalar()
    view = _view(finding, name, latest)
    view["admdvs"] = admdvs or ""
    view["verdicts"] = list(
        session.execute(
            select(Verdict).where(Verdict.finding_id == finding_id).order_by(Verdict.id)
        ).scalars()
    )
    view["responses"] = list(
        session.execute(
            select(FindingResponse)
            .where(FindingResponse.finding_id == finding_id)
            .order_by(FindingResponse.id)
        ).scalars()
    )
    return view


def visit_context(mdtrt_id: str, masked: bool) -> dict:
    """The visit, its settlement and its fee lines from the lake (identifiers masked when asked)."""
    con = duckdb.connect()
    try:
        lake.register_views(con, tables=("mdtrt", "setl", "fee_list"))
        visit = _records(con, "SELECT * FROM mdtrt WHERE mdtrt_id = ? LIMIT 1", mdtrt_id)
        setl = _records(con, "SELECT * FROM setl WHERE mdtrt_id = ? ORDER BY setl_time", mdtrt_id)
        fees = _records(
            con, "SELECT * FROM fee_list WHERE mdtrt_id = ? ORDER BY fee_ocur_time, feedetl_sn", mdtrt_id
        )
    finally:
        con.close()
    return {
        "visit": mask_record(visit[0], masked) if visit else None,
        "settlements": [mask_record(s, masked) for s in setl],
        "fees": fees,
    }


def _records(con, sql: str, *params) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def respond(
    session: Session, user: User, finding_id: str, text: str, request_id: str = ""
) -> FindingResponse:
    """An institution user's explanation on one of its own findings (audited)."""
    view = get(session, user, finding_id)
    text = (text or "").strip()
    if not text:
        raise InputError("RESPONSE_EMPTY", "说明内容不能为空", "the response is empty", "text")
    if len(text) > 4000:
        raise InputError("RESPONSE_TOO_LONG", "说明内容不能超过 4000 字", "the response is too long", "text")
    response = FindingResponse(finding_id=finding_id, author=user.username, text=text, created_at=now())
    session.add(response)
    auth.record(
        session,
        user.username,
        "finding.respond",
        "finding",
        finding_id,
        {"chars": len(text)},
        region=view["admdvs"],
        request_id=request_id,
    )
    session.flush()
    return response


# --- dashboard (总览) ---------------------------------------------------------------------------


def _scoped_sum(session: Session, user: User, *columns, group_by=None, where=None):
    query = scoped(user, select(*columns).select_from(Finding))
    if where is not None:
        query = query.where(where)
    if group_by is not None:
        query = query.group_by(*group_by)
    return session.execute(query)


def dashboard(session: Session, user: User, top: int = 10) -> dict:
    """The 总览 figures in the user's scope: fund paid (lake), suspect amount, review progress."""
    latest = latest_verdict_subquery()
    n, amount = count(session, user, FindingFilters())
    query = scoped(
        user,
        select(latest.c.verdict, func.count(), func.sum(Finding.amount))
        .select_from(Finding)
        .outerjoin(latest, latest.c.finding_id == Finding.finding_id),
    ).group_by(latest.c.verdict)
    by_status = {v or "open": (c, Decimal(str(a or 0))) for v, c, a in session.execute(query)}
    top_rows = _scoped_sum(
        session,
        user,
        Finding.fixmedins_code,
        func.max(Institution.fixmedins_name),
        func.count(),
        func.sum(Finding.amount),
        group_by=(Finding.fixmedins_code,),
    ).all()
    top_rows.sort(key=lambda r: (-(r[3] or 0), r[0] or ""))
    institutions = len(top_rows)
    fund = fund_paid(session, user)
    return {
        "findings": n,
        "amount": amount,
        "open": by_status.get("open", (0, Decimal(0)))[0],
        "confirmed": by_status.get("confirmed", (0, Decimal(0)))[0],
        "confirmed_amount": by_status.get("confirmed", (0, Decimal(0)))[1].quantize(Decimal("0.01")),
        "rejected": by_status.get("rejected", (0, Decimal(0)))[0],
        "institutions": institutions,
        "fund_paid": fund,
        "suspect_share": (amount / fund * 100).quantize(Decimal("0.01")) if fund else None,
        "top": [
            {
                "fixmedins_code": code or "",
                "fixmedins_name": name or "",
                "findings": c,
                "amount": Decimal(str(a or 0)).quantize(Decimal("0.01")),
            }
            for code, name, c, a in top_rows[:top]
        ],
    }


def by_category(session: Session, user: User) -> list[dict]:
    result = _scoped_sum(
        session, user, Finding.category, func.count(), func.sum(Finding.amount), group_by=(Finding.category,)
    )
    out = [
        {
            "category": c,
            "category_zh": VIOLATION_CATEGORIES.get(c, c),
            "findings": n,
            "amount": Decimal(str(a or 0)).quantize(Decimal("0.01")),
        }
        for c, n, a in result
    ]
    return sorted(out, key=lambda r: (-r["amount"], r["category"]))


def by_month(session: Session, user: User) -> list[dict]:
    month = func.coalesce(Finding.visit_month, cast("未知", String))
    result = _scoped_sum(session, user, month, func.count(), func.sum(Finding.amount), group_by=(month,))
    out = [
        {"month": m, "findings": n, "amount": Decimal(str(a or 0)).quantize(Decimal("0.01"))}
        for m, n, a in result
    ]
    return sorted(out, key=lambda r: r["month"])


def fund_paid(session: Session, user: User) -> Decimal:
    """Sum of 基金支付 (setl.fund_pay_sumamt, refunds excluded) in the user's scope, from the lake."""
    codes: list[str] | None = None
    if user.role == "institution" or user.region:
        codes = list(
            session.execute(
                select(Institution.fixmedins_code).where(
                    auth.scope_filter(user, Institution.fixmedins_code, Institution.admdvs)
                )
            ).scalars()
        )
        if not codes:
            return Decimal("0.00")
    con = duckdb.connect()
    try:
        counts = lake.register_views(con, tables=("setl",))
        if not counts.get("setl"):
            return Decimal("0.00")
        sql = "SELECT sum(fund_pay_sumamt) FROM setl WHERE coalesce(refd_setl_flag, '0') <> '1'"
        params: list = []
        if codes is not None:
            sql += " AND list_contains(?, fixmedins_code)"
            params.append(codes)
        total = con.execute(sql, params).fetchone()[0]
    finally:
        con.close()
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))
