"""问题整改 pages: the board per institution, institution users see and submit only their own items,
inspectors recheck and close (销号) or reopen; other regions and institutions are refused by URL."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from fundguard import db
from fundguard.cases.models import ProblemItem


def post(client, path, files=None, **data):
    return client.post(path, data={"csrf_token": client.csrf, **data}, files=files, follow_redirects=False)


def register(insp, institution="H32040001", evidence="整改报告, 培训签到表"):
    r = post(
        insp,
        "/rectification/new",
        institution_code=institution,
        description="病历书写不规范",
        required_evidence=evidence,
    )
    assert r.status_code == 303, r.text
    return int(r.headers["location"].split("/")[2].split("?")[0])


def test_institution_submits_its_own_rectification_and_inspector_closes(as_user):
    insp, inst = as_user("insp3204"), as_user("inst1")
    pid = register(insp)
    with db.session_scope() as s:
        item = s.get(ProblemItem, pid)
        assert (item.region, item.problem_no[:7]) == ("320402", "320402-")
    assert post(insp, f"/rectification/{pid}/notify").status_code == 303
    page = inst.get(f"/rectification/{pid}").text
    assert 'id="submit-form"' in page and "/notify" not in page and "/close" not in page
    files = [
        ("files", ("report.pdf", b"report", "application/pdf")),
        ("files", ("sign.jpg", b"sign-in", "image/jpeg")),
        ("files", ("", b"", "application/octet-stream")),  # the optional input left empty
    ]
    missing = post(inst, f"/rectification/{pid}/submit", files=files[:1], plan="已整改", kinds=["整改报告"])
    assert missing.status_code == 422 and "缺少整改佐证材料：培训签到表" in missing.text
    r = post(
        inst,
        f"/rectification/{pid}/submit",
        files=files,
        plan="修订病历制度并培训",
        kinds=["整改报告", "培训签到表", "其他材料"],
    )
    assert r.status_code == 303, r.text
    page = insp.get(f"/rectification/{pid}").text
    assert "已提交整改材料" in page and "report.pdf" in page and "sign.jpg" in page
    sha = re.search(r"/attachments/([0-9a-f]{64})", page).group(1)
    assert inst.get(f"/rectification/{pid}/attachments/{sha}").status_code == 200
    assert post(inst, f"/rectification/{pid}/close", note="自行销号").status_code == 403
    assert post(insp, f"/rectification/{pid}/close", note="现场复查已整改到位").status_code == 303
    assert "已销号" in inst.get(f"/rectification/{pid}").text


def test_board_and_list_are_per_institution_and_scoped(as_user):
    insp, inst, inst2, other = as_user("insp3204"), as_user("inst1"), as_user("inst2"), as_user("sup3205")
    mine = register(insp, evidence="")
    theirs = register(as_user("admin1"), institution="H32050001", evidence="")
    for pid in (mine, theirs):
        assert post(as_user("admin1"), f"/rectification/{pid}/notify").status_code == 303
    # Push the first item past its deadline: overdue on the board before any sweep.
    with db.session_scope() as s:
        s.get(ProblemItem, mine).deadline = date(2020, 1, 1)
    board = insp.get("/rectification").text
    assert 'id="total-overdue">1<' in board and "常州市第一人民医院" in board and "苏州市立医院" not in board
    own = inst.get("/rectification").text
    assert "H32040001" in own and "H32050001" not in own
    assert inst2.get(f"/rectification/{mine}").status_code == 403
    assert (
        post(
            inst2,
            f"/rectification/{mine}/submit",
            plan="x",
            kinds=["整改报告"],
            files=[("files", ("a.txt", b"a"))],
        ).status_code
        == 403
    )
    assert other.get(f"/rectification/{mine}").status_code == 403
    assert post(other, f"/rectification/{mine}/close", note="x").status_code == 403
    assert inst.get("/rectification/new").status_code == 403
    assert post(as_user("leader1"), f"/rectification/{mine}/notify").status_code == 403
    assert post(insp, "/rectification/sweep").status_code == 303
    with db.session_scope() as s:
        statuses = dict(s.execute(select(ProblemItem.id, ProblemItem.status)).all())
    assert statuses == {mine: "OVERDUE", theirs: "RECTIFYING"}  # the sweep stays inside 3204
    page = insp.get(f"/rectification/{mine}").text
    assert "逾期升级督办" in page
    assert post(insp, f"/rectification/{mine}/escalate", measure="通报批评").status_code == 303
    # An overdue item may still be submitted (flagged late) and reopened by the inspector.
    r = post(
        inst,
        f"/rectification/{mine}/submit",
        plan="补交",
        kinds=["整改报告"],
        files=[("files", ("r.txt", b"r"))],
    )
    assert r.status_code == 303
    assert "逾期提交" in insp.get(f"/rectification/{mine}").text
    assert post(insp, f"/rectification/{mine}/reopen", note="台账未更新").status_code == 303
    assert "再整改" in inst.get(f"/rectification/{mine}").text


def test_rectification_notice_is_generated_as_docx_and_pdf_and_the_institution_may_download_it(as_user):
    insp, inst = as_user("insp3204"), as_user("inst1")
    pid = register(insp)
    post(insp, f"/rectification/{pid}/notify")
    assert (
        post(
            insp, f"/rectification/{pid}/document", agency="常医保", agency_name="常州市医疗保障局"
        ).status_code
        == 303
    )
    page = inst.get(f"/rectification/{pid}").text
    assert "常医保改〔" in page
    link = re.search(r'href="(/rectification/\d+/documents/\d+/pdf)"', page).group(1)
    assert inst.get(link).content.startswith(b"%PDF")
    assert inst.get(link.replace("/pdf", "/docx")).status_code == 200
    assert as_user("inst2").get(link).status_code == 403
