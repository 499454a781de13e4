"""举报 pages: the public reports and follows progress without login; staff handle tips in their region;
the reporter's identity appears only through the audited identity action."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from fundguard import db
from fundguard.auth.models import AuditEvent
from fundguard.tips.models import Tip


def post(client, path, **data):
    return client.post(path, data={"csrf_token": getattr(client, "csrf", ""), **data}, follow_redirects=False)


def public_tip(app, **extra):
    public = TestClient(app)
    assert public.get("/public/tips").status_code == 200
    data = {
        "content": "药店用医保卡刷日用品",
        "accused_institution": "常州市第一人民医院",
        "category": "串换项目",
        **extra,
    }
    r = public.post("/public/tips", data=data, files=[("files", ("photo.jpg", b"jpeg-bytes", "image/jpeg"))])
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    tip_no = re.search(r'id="tip-no">([^<]+)<', r.text).group(1)
    code = re.search(r'id="retrieval-code">([^<]+)<', r.text).group(1)
    return public, tip_no, code


def test_public_named_tip_without_login_then_progress_with_the_code(app):
    public, tip_no, code = public_tip(app, name="张三", phone="13800000000")
    with db.session_scope() as s:
        tip = s.execute(select(Tip).where(Tip.tip_no == tip_no)).scalar_one()
        # The institution named in words was found in the master data; the tip is in its region.
        assert (tip.accused_institution, tip.region, tip.anonymous) == ("H32040001", "320402", False)
    assert public.get("/public/tips/progress").status_code == 200
    r = public.post("/public/tips/progress", data={"tip_no": tip_no, "code": code})
    assert r.status_code == 200 and "已接收" in r.text
    wrong = public.post("/public/tips/progress", data={"tip_no": tip_no, "code": "WRONGCODE000"})
    assert wrong.status_code == 404 and "举报编号或查询码不正确" in wrong.text
    more = public.post(
        "/public/tips/progress/attachments",
        data={"tip_no": tip_no, "code": code},
        files=[("files", ("more.txt", b"more"))],
    )
    assert more.status_code == 200 and "已补充 1 份材料" in more.text
    # Staff pages stay closed to the public.
    assert public.get("/tips", follow_redirects=False).status_code == 303


def test_anonymous_public_tip_with_an_unknown_institution_keeps_the_text(app):
    _, tip_no, _ = public_tip(app, accused_institution="某某诊所（城东）", anonymous="1", name="不应保存")
    with db.session_scope() as s:
        tip = s.execute(select(Tip).where(Tip.tip_no == tip_no)).scalar_one()
        assert tip.anonymous and tip.region == "" and "某某诊所（城东）" in tip.content


def test_staff_handle_a_tip_to_reward_and_identity_only_through_the_audited_action(app, as_user):
    public, tip_no, code = public_tip(app, name="张三", phone="13800000000")
    sup, sup_b = as_user("sup3204"), as_user("sup3204b")
    page = sup.get("/tips/1").text
    assert "张三" not in page and "13800000000" not in page and tip_no in page
    assert "photo.jpg" in page and "查看举报人身份" in page
    for event, data in (
        ("triage", {}),
        ("accept", {}),
        ("investigate", {}),
        ("substantiate", {"note": "查实串换", "verified_amount": "50000"}),
        ("send_feedback", {"text": "经查属实，已依法处理"}),
        ("compute_reward", {"level": "1"}),
    ):
        r = post(sup, f"/tips/1/do/{event}", **data)
        assert r.status_code == 303, (event, r.text)
    # The approver must differ from the person who computed the reward.
    same = post(sup, "/tips/1/do/approve_reward")
    assert same.status_code == 409 and "不能为同一人" in same.text
    assert post(sup_b, "/tips/1/do/approve_reward").status_code == 303
    page = sup.get("/tips/1").text
    assert "1500.00" in page and "sup3204b" in page
    progress = public.post("/public/tips/progress", data={"tip_no": tip_no, "code": code}).text
    assert "经查属实，已依法处理" in progress and "1500.00" in progress
    # Identity: the inspector (not a whistleblower officer) cannot; the supervisor can, audited.
    insp = as_user("insp3204")
    assert "查看举报人身份" not in insp.get("/tips/1").text
    assert post(insp, "/tips/1/identity", reason="想看").status_code == 403
    shown = post(sup, "/tips/1/identity", reason="核实领奖人身份")
    assert shown.status_code == 200 and "张三" in shown.text and shown.headers["cache-control"] == "no-store"
    with db.session_scope() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "tip.identity_revealed")).scalar_one()
    assert event.actor == "sup3204" and event.detail["reason"] == "核实领奖人身份"


def test_tip_pages_are_scoped_and_illegal_steps_refused(app, as_user):
    public_tip(app)
    other, inst, leader = as_user("sup3205"), as_user("inst1"), as_user("leader1")
    assert other.get("/tips/1").status_code == 403
    assert post(other, "/tips/1/do/accept").status_code == 403
    assert "JB-" not in other.get("/tips").text
    assert inst.get("/tips").status_code == 403
    assert leader.get("/tips/1").status_code == 200
    assert post(leader, "/tips/1/do/accept").status_code == 403
    sup = as_user("sup3204")
    r = post(sup, "/tips/1/do/send_feedback", text="提前反馈")
    assert r.status_code == 409 and "不能执行“反馈举报人”" in r.text
    assert post(sup, "/tips/1/do/accept").status_code == 303
    r = post(sup, "/tips/1/do/clue", note="串换项目")
    assert r.status_code == 303 and r.headers["location"].startswith("/clues/")
    clue_page = sup.get(r.headers["location"]).text
    assert "举报" in clue_page and "张三" not in clue_page
