"""Notices (告知书/通知): Chinese texts for the person and the institution, stored with the file."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.masterdata.models import Registration
from fundguard.profiles import get_profile
from fundguard.scoring import catalogue, workcal
from fundguard.scoring.models import Notice, PersonFile, PointsEntry
from fundguard.scoring.status import Period

OUTCOME_ZH = {"upheld": "维持原记分", "reduced": "减少记分", "revoked": "撤销记分"}


def _institutions(session: Session, entry: PointsEntry) -> list[str]:
    if entry.fixmedins_code:
        return [entry.fixmedins_code]
    rows = session.execute(
        select(Registration.fixmedins_code).where(Registration.prac_psn_code == entry.prac_psn_code)
    ).scalars()
    return sorted(set(rows))


def _issue(session: Session, entry: PointsEntry, kind: str, text: str, issued_on: date) -> list[Notice]:
    notices = [
        Notice(
            prac_psn_code=entry.prac_psn_code,
            entry_seq=entry.seq,
            kind=kind,
            recipient="person",
            recipient_code=entry.prac_psn_code,
            text=text,
            issued_on=issued_on,
        )
    ]
    for code in _institutions(session, entry):
        notices.append(
            Notice(
                prac_psn_code=entry.prac_psn_code,
                entry_seq=entry.seq,
                kind=kind,
                recipient="institution",
                recipient_code=code,
                text=f"定点医药机构（{code}）：贵单位人员" + text,
                issued_on=issued_on,
            )
        )
    session.add_all(notices)
    session.flush()
    return notices


def decision_notice(
    session: Session, entry: PointsEntry, notified_on: date, year_points: int
) -> list[Notice]:
    profile = get_profile()
    person = session.get(PersonFile, entry.prac_psn_code)
    deadline = workcal.calendar(session).add_working_days(
        notified_on, int(profile["scoring.appeal_window_wd"])
    )
    text = (
        f"{person.name if person else ''}（医保支付资格人员编码 {entry.prac_psn_code}）："
        f"经查，您存在“{catalogue.behaviour_name(profile, entry.behaviour_code)}”行为"
        f"{'（' + entry.facts + '）' if entry.facts else ''}，"
        f"依据{entry.legal_basis or '医保支付资格记分规则'}，{entry.agency or '医疗保障部门'}"
        f"于{entry.decision_date:%Y年%m月%d日}决定记{entry.points}分，"
        f"本自然年度累计记分{year_points}分。如有异议，可在{deadline:%Y年%m月%d日}前"
        f"（收到本告知书之日起{profile['scoring.appeal_window_wd']}个工作日内）提出申诉。"
    )
    return _issue(session, entry, "decision", text, notified_on)


def status_notice(session: Session, entry: PointsEntry, period: Period) -> list[Notice]:
    person = session.get(PersonFile, entry.prac_psn_code)
    who = f"{person.name if person else ''}（医保支付资格人员编码 {entry.prac_psn_code}）："
    if period.kind == "suspension":
        text = (
            f"{who}本自然年度累计记分已达{period.trigger_total}分，自{period.start:%Y年%m月%d日}起"
            f"暂停医保支付资格至{period.end:%Y年%m月%d日}。暂停期间提供服务发生的医保费用不予结算"
            f"（急救、抢救除外）。本措施在全国各定点医药机构同步执行。"
        )
        kind = "suspension"
    else:
        years = "一次性记满" if period.one_time else "累计记满"
        text = (
            f"{who}记分已达{period.trigger_total}分（{years}），自{period.start:%Y年%m月%d日}起"
            f"终止医保支付资格，{period.barred_until:%Y年%m月%d日}前不得再次登记备案。"
            f"终止期间提供服务发生的医保费用不予结算。本措施在全国各定点医药机构同步执行。"
        )
        kind = "termination"
    return _issue(session, entry, kind, text, period.start)


def appeal_notice(
    session: Session, target: PointsEntry, outcome: str, points: int, decided_on: date
) -> list[Notice]:
    person = session.get(PersonFile, target.prac_psn_code)
    text = (
        f"{person.name if person else ''}（医保支付资格人员编码 {target.prac_psn_code}）："
        f"您对{target.decision_date:%Y年%m月%d日}记{target.points}分决定提出的申诉，"
        f"经复核决定：{OUTCOME_ZH[outcome]}"
        f"{'，改记' + str(points) + '分' if outcome == 'reduced' else ''}。"
    )
    return _issue(session, target, "appeal_outcome", text, decided_on)


def notices_of(session: Session, prac_psn_code: str) -> list[Notice]:
    return list(
        session.execute(
            select(Notice).where(Notice.prac_psn_code == prac_psn_code).order_by(Notice.id)
        ).scalars()
    )
