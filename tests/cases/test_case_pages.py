"""The HTML pages of clues, cases and rectification on the real app: what each role sees and may do."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from fundguard import db
from fundguard.cases.models import Case, Clue, ClueSource, DownstreamProposal, FindingVerdict
from fundguard.rules.models import Finding
from fundguard.timeutil import TZ


def form(client, **data):
    return {"csrf_token": client.csrf, **data}


def post(client, path, follow=False, **data):
    return client.post(path, data=form(client, **data), follow_redirects=follow)


def seed_findings():
    with db.session_scope() as s:
        for fid, inst, cat, amount, prac in (
            ("F1", "H32040001", "SPLIT_ADMISSION", "100.00", "D1"),
            ("F2", "H32040001", "SPLIT_ADMISSION", "50.50", "D2"),
            ("F3", "H32050001", "SPLIT_ADMISSION", "70.00", "D3"),
        ):
            s.add(
                Finding(
                    finding_id=fid, rule_code="R1", rule_version="1", category=cat, severity="high",
                    mdtrt_id=f"M-{fid}", fixmedins_code=inst, prac_psn_code=prac, amount=Decimal(amount),
                    message="疑似分解住院", evidence={}, run_id="RUN1",
                    found_at=datetime(2026, 11, 1, 9, tzinfo=TZ),
                )
            )  # fmt: skip


def open_case_via_pages(sup, amount="150000"):
    r = post(
        sup, "/clues/new", kind="hotline_12345", source_ref="12345-2026-000123", institution_code="H32040001",
        subjects="FALSE_ADMISSION", amount=amount, summary="虚构住院",
    )  # fmt: skip
    assert r.status_code == 303, r.text
    clue_id = int(r.headers["location"].split("/")[2].split("?")[0])
    r = post(sup, f"/clues/{clue_id}/case", title="虚构住院骗保核查", actor_type="unit")
    assert r.status_code == 303, r.text
    return int(r.headers["location"].split("/")[2].split("?")[0])


# --- 线索管理 -----------------------------------------------------------------------------------


def test_clue_from_selected_findings_grouped_and_scoped(as_user):
    seed_findings()
    sup = as_user("sup3204")
    page = sup.get("/clues/from-findings")
    assert page.status_code == 200
    assert "F1" in page.text and "F2" in page.text and "F3" not in page.text  # F3: another city
    r = post(sup, "/clues/from-findings", finding_ids=["F1", "F2"])
    assert r.status_code == 303
    detail = sup.get(r.headers["location"])
    assert "150.50" in detail.text and "智能监控疑点" in detail.text and "线索已登记" not in detail.text
    # Used findings are no longer offered; another city's finding is refused by id.
    assert "F1" not in sup.get("/clues/from-findings").text
    assert post(sup, "/clues/from-findings", finding_ids=["F3"]).status_code == 403


def test_clue_sources_from_12345_departments_and_regions_merge_and_show(as_user):
    sup = as_user("sup3204")
    base = {"institution_code": "H32040001", "subjects": "FALSE_ADMISSION", "amount": "900"}
    r = post(sup, "/clues/new", kind="hotline_12345", source_ref="12345-2026-000001", **base)
    clue_url = r.headers["location"].split("?")[0]
    for kind, ref in (("dept_health", "卫健移-1"), ("dept_market", "市监移-1"), ("dept_police", "公安移-1")):
        r = post(sup, "/clues/new", kind=kind, source_ref=ref, **base)
        assert r.headers["location"] == f"{clue_url}?ok=merged_auto"
    r = post(
        sup,
        "/clues/new",
        kind="region",
        source_ref="500000:XS-7",
        partner="重庆市医疗保障局（川渝协查）",
        **base,
    )
    assert r.headers["location"].startswith(clue_url)
    missing = post(sup, "/clues/new", kind="region", source_ref="X-1", **base)
    assert missing.status_code == 422 and "须写明移送部门或协查地区" in missing.text
    page = sup.get(clue_url).text
    for text in (
        "12345工单",
        "12345-2026-000001",
        "卫健",
        "市场监管",
        "公安移-1",
        "重庆市医疗保障局（川渝协查）",
    ):
        assert text in page
    assert "线索来源（5）" in page
    listing = sup.get("/clues", params={"source_type": "department"}).text
    assert "XS-" in listing


def test_duplicate_clues_merge_by_hand_and_other_regions_are_refused(as_user):
    sup = as_user("sup3204")
    a = post(sup, "/clues/new", kind="tip", source_ref="JB-1", institution_code="H32040001", subjects="X")
    b = post(sup, "/clues/new", kind="alert", source_ref="A-1", institution_code="H32040001", subjects="Y")
    a_id = int(a.headers["location"].split("/")[2].split("?")[0])
    b_id = int(b.headers["location"].split("/")[2].split("?")[0])
    assert a_id != b_id
    assert f'<option value="{b_id}">' in sup.get(f"/clues/{a_id}").text
    r = post(sup, f"/clues/{a_id}/merge", other_id=str(b_id))
    assert r.status_code == 303
    with db.session_scope() as s:
        assert {
            x.source_ref for x in s.execute(select(ClueSource).where(ClueSource.clue_id == a_id)).scalars()
        } == {
            "JB-1",
            "A-1",
        }
        assert s.get(Clue, b_id).status == "MERGED"
    assert "已并入" in sup.get(f"/clues/{b_id}").text
    other = as_user("sup3205")
    assert other.get(f"/clues/{a_id}").status_code == 403
    assert post(other, f"/clues/{a_id}/case", title="x").status_code == 403
    assert as_user("inst1").get("/clues").status_code == 403
    assert as_user("leader1").get(f"/clues/{a_id}").status_code == 200
    assert post(as_user("leader1"), f"/clues/{a_id}/drop", reason="x").status_code == 403


def test_clue_exchange_file_export_and_import_through_the_pages(as_user):
    sup = as_user("sup3204")
    post(
        sup,
        "/clues/new",
        kind="dept_police",
        source_ref="公安移-9",
        institution_code="H32040001",
        subjects="X",
        amount="12.5",
    )
    exported = post(
        sup, "/clues/export", clue_ids=["1"], fmt="json", sender_code="320400", sender_name="常州市医疗保障局"
    )
    assert exported.status_code == 200
    doc = json.loads(exported.content)
    assert doc["clues"][0]["sources"] == [{"type": "department", "ref": "公安移-9", "partner": "公安"}]
    xlsx = post(sup, "/clues/export", clue_ids=["1"], fmt="xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert {"线索", "来源", "说明"} <= set(wb.sheetnames)
    # Another region imports the file and gets its own clue carrying the original sources.
    other = as_user("sup3205")
    files = {"file": ("clues.json", exported.content, "application/json")}
    r = other.post("/clues/import", data={"csrf_token": other.csrf}, files=files)
    assert r.status_code == 200 and "新建线索" in r.text
    with db.session_scope() as s:
        theirs = s.execute(select(Clue).where(Clue.region == "3205")).scalar_one()
        src = s.execute(select(ClueSource).where(ClueSource.clue_id == theirs.id)).scalar_one()
        assert src.payload["origin_sources"][0]["ref"] == "公安移-9"
    assert "公安移-9" in other.get(f"/clues/{theirs.id}").text
    bad = other.post("/clues/import", data={"csrf_token": other.csrf}, files={"file": ("x.json", b"[1]")})
    assert bad.status_code == 422


# --- 案件办理 -----------------------------------------------------------------------------------


def test_case_detail_shows_procedure_owner_deadline_and_allowed_buttons_only(as_user):
    sup = as_user("sup3204")
    case_id = open_case_via_pages(sup)
    page = sup.get(f"/cases/{case_id}").text
    for step in (
        "线索登记",
        "核实",
        "立案",
        "调查取证",
        "告知",
        "陈述申辩／听证",
        "集体讨论",
        "决定",
        "送达",
        "执行",
        "结案归档",
    ):
        assert step in page
    assert 'data-event="assign_verification"' in page and 'data-event="notify"' not in page
    r = post(sup, f"/cases/{case_id}/events/assign_verification", assignee="王核实")
    assert r.status_code == 303
    page = sup.get(f"/cases/{case_id}").text
    with db.session_scope() as s:
        case = s.get(Case, case_id)
        deadline = case.step_deadline
    assert deadline is not None and str(deadline) in page
    assert "核实后15个工作日内" in page and "办案人员（王核实）" in page
    assert re.search(r'data-step="file">\s*<td>立案</td><td>[^<]+</td><td>' + str(deadline), page)
    assert 'data-event="file"' in page and 'data-event="close_no_case"' in page
    # An illegal transition posted by hand: 409 with a Chinese message.
    r = post(sup, f"/cases/{case_id}/events/serve", method="直接送达")
    assert r.status_code == 409 and "不能执行“送达文书”" in r.text
    # Case list: state, owner, deadline.
    listing = sup.get("/cases").text
    assert "初步核实" in listing and str(deadline) in listing and "正常" in listing


def test_case_pages_are_scoped_and_read_only_for_the_leader(as_user):
    sup = as_user("sup3204")
    case_id = open_case_via_pages(sup)
    other, inst, leader = as_user("sup3205"), as_user("inst1"), as_user("leader1")
    assert other.get(f"/cases/{case_id}").status_code == 403
    assert post(other, f"/cases/{case_id}/events/assign_verification", assignee="x").status_code == 403
    assert "虚构住院骗保核查" not in other.get("/cases").text
    assert inst.get(f"/cases/{case_id}").status_code == 403
    assert inst.get("/cases").status_code == 403
    page = leader.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "data-event=" not in page.text
    assert post(leader, f"/cases/{case_id}/events/assign_verification", assignee="x").status_code == 403


def _to_decision(sup, case_id):
    steps = [
        ("assign_verification", {"assignee": "王"}),
        ("file", {"note": "达到立案标准"}),
        ("start_investigation", {}),
    ]
    for event, data in steps:
        assert post(sup, f"/cases/{case_id}/events/{event}", **data).status_code == 303, event
    assert post(sup, f"/cases/{case_id}/facts", kind="fraud").status_code == 303
    return sup.get(f"/cases/{case_id}").text


def test_penalty_proposal_referral_flag_decision_documents_and_downstream(as_user):
    sup = as_user("sup3204")
    case_id = open_case_via_pages(sup, amount="150000")
    with db.session_scope() as s:
        s.get(Case, case_id).finding_ids = ["F-X"]
        s.get(Case, case_id).practitioner_codes = ["D1"]
    page = _to_decision(sup, case_id)
    assert "第40条" in page and "300000.00 – 750000.00" in page and "建议移送" in page
    # Evidence with its SHA-256 shown.
    r = sup.post(
        f"/cases/{case_id}/evidence",
        data={"csrf_token": sup.csrf, "kind": "病历", "source": "现场调取"},
        files={"file": ("bl.txt", b"record-1")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    import hashlib

    assert hashlib.sha256(b"record-1").hexdigest() in sup.get(f"/cases/{case_id}").text
    # Draft outside the legal range is refused; inside is kept.
    bad = post(sup, f"/cases/{case_id}/draft", fine_amount="1", measures=["罚款"], basis="第40条")
    assert bad.status_code == 422 and "超出条例第40条范围" in bad.text
    ok = post(
        sup,
        f"/cases/{case_id}/draft",
        fine_amount="300000",
        measures=["罚款", "追回", "移送公安"],
        basis="条例第40条",
    )
    assert ok.status_code == 303
    page = sup.get(f"/cases/{case_id}").text
    assert 'id="referral-flag"' in page and "重大执法决定" in page
    assert post(sup, f"/cases/{case_id}/events/notify").status_code == 303
    assert (
        post(
            sup, f"/cases/{case_id}/documents", kind="notice", agency="常医保", agency_name="常州市医疗保障局"
        ).status_code
        == 303
    )
    page = sup.get(f"/cases/{case_id}").text
    assert "常医保告〔" in page
    pdf_link = re.search(r'href="(/cases/\d+/documents/\d+/pdf)"', page).group(1)
    pdf = sup.get(pdf_link)
    assert (
        pdf.status_code == 200
        and pdf.content.startswith(b"%PDF")
        and pdf.headers["content-type"] == "application/pdf"
    )
    assert as_user("sup3205").get(pdf_link).status_code == 403
    # Major decision: statement, defence heard, legal review, collective discussion, decide.
    post(sup, f"/cases/{case_id}/statement", statement="无异议")
    assert post(sup, f"/cases/{case_id}/events/hear_defence").status_code == 303
    early = post(sup, f"/cases/{case_id}/events/decide", basis="条例第40条")
    assert early.status_code == 409 and "重大执法决定须经法制审核和集体讨论" in early.text
    assert post(sup, f"/cases/{case_id}/events/legal_review", opinion="事实清楚").status_code == 303
    assert post(sup, f"/cases/{case_id}/discussion", conclusion="同意", members="甲,乙,丙").status_code == 303
    assert post(sup, f"/cases/{case_id}/events/decide", basis="经集体讨论决定").status_code == 303
    page = sup.get(f"/cases/{case_id}").text
    assert "已作出决定" in page and "经集体讨论决定" in page and "sup3204" in page
    for text in ("医师记分", "信用记录", "信息公开", "确认违规", "F-X"):
        assert text in page, text
    with db.session_scope() as s:
        kinds = {
            p.kind
            for p in s.execute(
                select(DownstreamProposal).where(DownstreamProposal.case_id == case_id)
            ).scalars()
        }
        assert kinds == {"points", "credit", "disclosure"}
        assert s.get(FindingVerdict, "F-X").verdict == "CONFIRMED"
    assert (
        post(
            sup,
            f"/cases/{case_id}/documents",
            kind="decision",
            agency="常医保",
            agency_name="常州市医疗保障局",
        ).status_code
        == 303
    )
    assert "常医保罚〔" in sup.get(f"/cases/{case_id}").text


def test_inspection_handoffs_are_taken_as_clue_sources_within_the_region(as_user):
    from datetime import date

    from fundguard.inspections import clues as handoff
    from fundguard.inspections.models import ClueRequest

    with db.session_scope() as s:
        handoff.hand_off_clue(
            s, "flight_inspection", "FI-1", "H32040001", "串换项目", Decimal("300"), date(2026, 11, 2)
        )
        handoff.hand_off_clue(
            s, "flight_inspection", "FI-2", "H32050001", "串换项目", Decimal("400"), date(2026, 11, 2)
        )
    sup = as_user("sup3204")
    assert "监督检查移交待接收线索 1 条" in sup.get("/clues").text
    assert post(sup, "/clues/take-inspections").status_code == 303
    with db.session_scope() as s:
        src = s.execute(select(ClueSource).where(ClueSource.source_type == "inspection")).scalar_one()
        assert src.source_ref == "flight_inspection:FI-1" and src.partner == "监督检查"
        statuses = dict(s.execute(select(ClueRequest.source_id, ClueRequest.status)).all())
    assert statuses == {"FI-1": "TAKEN", "FI-2": "PENDING"}
