"""``fundguard points …``: 医保支付资格记分 commands (thin: parse, call the service, print)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from fundguard.scoring.validation import parse_date
from fundguard.timeutil import today

points_app = typer.Typer(help="医保支付资格记分（驾照式记分）practitioner points", no_args_is_help=True)
appeal_app = typer.Typer(help="申诉：提出与复核 appeals: file and decide", no_args_is_help=True)
export_app = typer.Typer(help="导出：卫健/药监通报名单、HIS 拦截名单 exports", no_args_is_help=True)
points_app.add_typer(appeal_app, name="appeal")
points_app.add_typer(export_app, name="export")


def _date(value: str | None, field: str) -> date:
    return today() if value is None else parse_date(value, field)


def _session():
    """One transaction; a store that was never migrated is migrated first (fresh $FUNDGUARD_HOME)."""
    from sqlalchemy import inspect

    import fundguard.all_models  # noqa: F401
    from fundguard import migrate
    from fundguard.db import get_engine, session_scope

    if not inspect(get_engine()).has_table("points_entry"):
        migrate.upgrade()
    return session_scope()


def _echo(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))


@points_app.command("status")
def status(
    prac_psn_code: str = typer.Argument(..., help="人员编码（全国唯一身份代码）"),
    on: str | None = typer.Option(None, "--on", help="查询日期 YYYY-MM-DD，默认今天"),
    as_json: bool = typer.Option(False, "--json", help="按数据契约输出 JSON"),
) -> None:
    """查询医保支付资格状态（正常/暂停/终止）与年度累计记分。"""
    from fundguard.scoring import service

    day = _date(on, "on")
    with _session() as session:
        result = service.status_on(session, prac_psn_code.strip(), day).as_contract()
    if as_json:
        _echo(result)
        return
    names = {"active": "正常", "suspended": "暂停", "terminated": "终止"}
    typer.echo(
        f"{prac_psn_code} 于 {day}：{names[result['status']]}，年度累计 {result['year_points']} 分"
        + (f"，暂停至 {result['until']}" if result["until"] else "")
        + (f"，{result['barred_until']} 前不得再次登记备案" if result["barred_until"] else "")
    )


@points_app.command("add")
def add(
    prac_psn_code: str = typer.Argument(..., help="人员编码（须已在人员库或已有记分档案）"),
    points: int = typer.Option(..., "--points", help="记分分值（须在该行为的档次内）"),
    behaviour: str = typer.Option(..., "--behaviour", help="违规行为代码，如 V-9 或 CODING_DEFECT"),
    admdvs: str = typer.Option(..., "--admdvs", help="作出决定的医保区划代码"),
    operator: str = typer.Option(..., "--operator", help="经办人"),
    facts: str = typer.Option("", "--facts", help="违规事实"),
    basis: str = typer.Option("", "--basis", help="记分依据（条款）"),
    case_ref: str = typer.Option("", "--case", help="来源案件/线索编号"),
    institution: str = typer.Option("", "--institution", help="发生违规的定点医药机构编码"),
    agency: str = typer.Option("", "--agency", help="决定机关"),
    approve_as: str | None = typer.Option(None, "--approve-as", help="同时以此审核人身份审核通过"),
    decision_date: str | None = typer.Option(None, "--date", help="决定日期 YYYY-MM-DD，默认今天"),
    suspend_months: int | None = typer.Option(None, "--suspend-months", help="决定暂停月数（在配置范围内）"),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出"),
) -> None:
    """登记拟记分；加 --approve-as 时同时审核通过并生成告知书。"""
    from fundguard.scoring import service

    with _session() as session:
        proposal = service.propose(
            session,
            prac_psn_code=prac_psn_code.strip(),
            behaviour_code=behaviour,
            points=points,
            admdvs=admdvs,
            proposed_by=operator,
            facts=facts,
            legal_basis=basis,
            case_ref=case_ref,
            fixmedins_code=institution,
            agency=agency,
        )
        result = {"proposal_id": proposal.id, "status": "proposed"}
        if approve_as:
            entry = service.approve(
                session,
                proposal.id,
                reviewer=approve_as,
                decision_date=_date(decision_date, "date"),
                suspend_months=suspend_months,
            )
            result = {"proposal_id": proposal.id, "status": "approved", "entry_seq": entry.seq}
    _echo(result) if as_json else typer.echo(f"已登记拟记分 {result}")


@points_app.command("approve")
def approve(
    proposal_id: int = typer.Argument(..., help="拟记分编号"),
    reviewer: str = typer.Option(..., "--reviewer", help="审核人"),
    decision_date: str | None = typer.Option(None, "--date", help="决定日期，默认今天"),
    points: int | None = typer.Option(None, "--points", help="调整后的分值（须说明理由）"),
    reason: str = typer.Option("", "--reason", help="调整理由"),
    notified_on: str | None = typer.Option(None, "--notified-on", help="告知日期，默认为决定日期"),
    suspend_months: int | None = typer.Option(None, "--suspend-months", help="决定暂停月数"),
) -> None:
    """审核拟记分：通过（可调整分值并说明理由），记入台账并生成告知书。"""
    from fundguard.scoring import service

    with _session() as session:
        entry = service.approve(
            session,
            proposal_id,
            reviewer=reviewer,
            decision_date=_date(decision_date, "date"),
            points=points,
            reason=reason,
            notified_on=parse_date(notified_on, "notified_on") if notified_on else None,
            suspend_months=suspend_months,
        )
        _echo({"entry_seq": entry.seq, "points": entry.points})


@points_app.command("reverse")
def reverse(
    seq: int = typer.Argument(..., help="被更正的台账序号"),
    operator: str = typer.Option(..., "--operator", help="经办人"),
    reason: str = typer.Option(..., "--reason", help="更正理由"),
    on: str | None = typer.Option(None, "--date", help="更正日期，默认今天"),
) -> None:
    """更正冲销一条记分（追加冲销记录，原记录保留）。"""
    from fundguard.scoring import service

    with _session() as session:
        entry = service.reverse(session, seq, operator=operator, reason=reason, on=_date(on, "date"))
        _echo({"entry_seq": entry.seq, "reverses": seq})


@points_app.command("list")
def list_entries(
    prac_psn_code: str | None = typer.Argument(None, help="人员编码；省略则列出全部台账"),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出"),
    limit: int = typer.Option(1000, "--limit", help="最多条数"),
) -> None:
    """列出记分台账（一人一档时间线）。"""
    from fundguard.scoring import ledger, service

    with _session() as session:
        rows = [ledger.payload(e) for e in service.ledger_entries(session, prac_psn_code, limit)]
    if as_json:
        _echo(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['seq']:>6} {r['prac_psn_code']} {r['kind']:<14} {r['points']:>+4} {r['behaviour_code']:<14} "
            f"决定 {r['decision_date']} 生效 {r['effective_date']} {r['admdvs']} {r['operator']}"
        )


@appeal_app.command("file")
def appeal_file(
    seq: int = typer.Argument(..., help="被申诉的台账序号"),
    reason: str = typer.Option(..., "--reason", help="申诉理由"),
    operator: str = typer.Option(..., "--operator", help="受理人"),
    filed_on: str | None = typer.Option(None, "--date", help="申诉日期，默认今天"),
) -> None:
    """提出申诉（须在告知后规定的工作日内）。"""
    from fundguard.scoring import service

    with _session() as session:
        appeal = service.file_appeal(
            session, seq, filed_on=_date(filed_on, "date"), reason=reason, operator=operator
        )
        _echo({"appeal_id": appeal.id, "deadline": appeal.deadline, "decide_by": appeal.decide_by})


@appeal_app.command("decide")
def appeal_decide(
    appeal_id: int = typer.Argument(..., help="申诉编号"),
    outcome: str = typer.Option(..., "--outcome", help="复核结论 upheld 维持 / reduced 减少 / revoked 撤销"),
    reviewer: str = typer.Option(..., "--reviewer", help="复核人"),
    reason: str = typer.Option(..., "--reason", help="复核理由"),
    points: int | None = typer.Option(None, "--points", help="减少后的分值（reduced 时必填）"),
    decided_on: str | None = typer.Option(None, "--date", help="复核日期，默认今天"),
) -> None:
    """对申诉作出复核决定。"""
    from fundguard.scoring import service

    with _session() as session:
        appeal = service.decide_appeal(
            session,
            appeal_id,
            outcome=outcome,
            decided_on=_date(decided_on, "date"),
            reviewer=reviewer,
            reason=reason,
            points=points,
        )
        _echo({"appeal_id": appeal.id, "status": appeal.status, "entry_seq": appeal.outcome_seq})


@points_app.command("repair")
def repair(
    prac_psn_code: str = typer.Argument(..., help="人员编码"),
    activity: str = typer.Option(..., "--activity", help="修复活动 publicity/training/flight_inspection/…"),
    operator: str = typer.Option(..., "--operator", help="经办人"),
    on: str | None = typer.Option(None, "--date", help="活动日期，默认今天"),
    note: str = typer.Option("", "--note", help="说明"),
) -> None:
    """记分修复：参加规定活动后扣减本年度记分（有年度上限）。"""
    from fundguard.scoring import service

    with _session() as session:
        entry = service.repair_points(
            session,
            prac_psn_code.strip(),
            activity=activity,
            on=_date(on, "date"),
            operator=operator,
            note=note,
        )
        _echo({"entry_seq": entry.seq, "points": entry.points})


@points_app.command("reinstate")
def reinstate(
    prac_psn_code: str = typer.Argument(..., help="人员编码"),
    operator: str = typer.Option(..., "--operator", help="经办人"),
    institution: str = typer.Option("", "--institution", help="重新登记备案的定点医药机构编码"),
    on: str | None = typer.Option(None, "--date", help="登记日期，默认今天（不得早于禁止登记期满日）"),
) -> None:
    """终止资格人员期满后重新登记备案（记分从 0 开始）。"""
    from fundguard.scoring import service

    with _session() as session:
        entry = service.reinstate(
            session,
            prac_psn_code.strip(),
            on=_date(on, "date"),
            operator=operator,
            fixmedins_code=institution,
        )
        _echo({"entry_seq": entry.seq})


@export_app.command("notify")
def export_notify(
    department: str = typer.Option(..., "--department", help="health 卫健 / drug 药监"),
    out: Path = typer.Option(..., "--out", help="输出文件 .csv 或 .xlsx"),
    since: str = typer.Option(..., "--since", help="起始生效日期"),
    until: str | None = typer.Option(None, "--until", help="截止生效日期，默认今天"),
) -> None:
    """导出向卫健/药监部门通报的记分名单。"""
    from fundguard.scoring import exports, service

    with _session() as session:
        rows = service.notification_rows(
            session, department, parse_date(since, "since"), _date(until, "until")
        )
    service.write_export(rows, exports.NOTIFY_COLUMNS, out, exports.DEPARTMENT_ZH.get(department, ""))
    typer.echo(f"已导出 {len(rows)} 条 / exported {len(rows)} rows: {out}")


@export_app.command("blocked")
def export_blocked(
    out: Path = typer.Option(..., "--out", help="输出文件 .csv 或 .json"),
    on: str | None = typer.Option(None, "--on", help="日期，默认今天"),
) -> None:
    """导出当日暂停/终止医保支付资格人员名单（供医院 HIS 拦截）。"""
    from fundguard.scoring import exports, service

    with _session() as session:
        rows = service.blocked_rows(session, _date(on, "on"))
    service.write_export(rows, exports.BLOCKED_COLUMNS, out, "拦截名单")
    typer.echo(f"已导出 {len(rows)} 条 / exported {len(rows)} rows: {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(points_app, name="points")
