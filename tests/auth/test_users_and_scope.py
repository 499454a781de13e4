"""Users, lockout, region scope, masking and API keys (service level, real store)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fundguard.auth import service
from fundguard.auth.models import AuditEvent, User
from fundguard.auth.privacy import mask_certno, mask_name, mask_phone, mask_record
from fundguard.errors import Conflict, Forbidden, InputError
from fundguard.ingest.models import IngestBatch  # noqa: F401  (metadata)
from fundguard.masterdata.models import Institution
from fundguard.timeutil import now

PASSWORD = "Secret-pass-123"


def _actions(session, actor=None):
    q = select(AuditEvent.action).order_by(AuditEvent.seq)
    if actor:
        q = q.where(AuditEvent.actor == actor)
    return session.execute(q).scalars().all()


def test_masking_keeps_only_what_the_policy_allows():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "*"
    assert mask_certno("320402199001011234") == "320402********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_record({"psn_name": "王五", "certno": "11010119800101001X", "amt": 3}) == {
        "psn_name": "王*",
        "certno": "110101********001X",
        "amt": 3,
    }


def test_create_user_validates_role_region_and_institution(session):
    with pytest.raises(InputError) as e:
        service.create_user(session, "user1", PASSWORD, "boss")
    assert e.value.field == "role"
    with pytest.raises(InputError) as e:
        service.create_user(session, "user1", PASSWORD, "institution")
    assert e.value.code == "INSTITUTION_REQUIRED"
    with pytest.raises(InputError) as e:
        service.create_user(session, "user1", PASSWORD, "auditor", region="3A")
    assert e.value.field == "region"
    with pytest.raises(InputError) as e:
        service.create_user(session, "user1", "short", "auditor")
    assert e.value.code == "PASSWORD_TOO_SHORT"
    service.create_user(session, "user1", PASSWORD, "auditor", region="32")
    with pytest.raises(Conflict):
        service.create_user(session, "user1", PASSWORD, "auditor")


def test_institution_user_inherits_the_institutions_region(session):
    session.add(Institution(fixmedins_code="H1", fixmedins_name="一院", fixmedins_type="1", admdvs="320402"))
    session.flush()
    user = service.create_user(session, "hosp1", PASSWORD, "institution", fixmedins_code="H1")
    assert user.region == "320402"


def test_lockout_expires_after_the_configured_minutes(session):
    service.create_user(session, "sup", PASSWORD, "supervisor", region="3204")
    for _ in range(5):
        assert service.authenticate(session, "sup", "nope").user is None
    result = service.authenticate(session, "sup", PASSWORD)
    assert result.user is None and result.reason == "locked"
    user = service.get_user(session, "sup")
    user.locked_until = now() - timedelta(seconds=1)
    assert service.authenticate(session, "sup", PASSWORD).user is not None
    assert _actions(session, "sup").count("user.lockout") == 1


def test_reset_clears_lockout_and_is_audited(session):
    service.create_user(session, "sup", PASSWORD, "supervisor")
    for _ in range(5):
        service.authenticate(session, "sup", "nope")
    service.reset_password(session, "sup", "New-secret-456", actor="admin1", request_id="r1")
    assert service.authenticate(session, "sup", "New-secret-456").user is not None
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "user.reset")).scalar_one()
    assert (event.actor, event.request_id) == ("admin1", "r1")
    assert service.verify_audit_log(session) == []


def test_sessions_expire(session):
    user = service.create_user(session, "sup", PASSWORD, "supervisor")
    token, row = service.start_session(session, user)
    assert service.resolve_session(session, token)[1].username == "sup"
    row.expires_at = now() - timedelta(seconds=1)
    assert service.resolve_session(session, token) is None
    assert service.resolve_session(session, "forged") is None


def test_check_access_by_role_institution_and_region():
    inst = User(username="i", role="institution", region="320402", fixmedins_code="H1")
    city = User(username="c", role="supervisor", region="3204")
    nation = User(username="n", role="leader", region="")
    service.check_access(inst, "H1", "320402")
    with pytest.raises(Forbidden):
        service.check_access(inst, "H2", "320402")
    service.check_access(city, "H2", "320411")
    with pytest.raises(Forbidden):
        service.check_access(city, "H3", "320502")
    with pytest.raises(Forbidden):
        service.check_access(city, None, None)
    service.check_access(nation, "H9", "110101")


def test_scope_filter_selects_the_users_rows(session):
    session.add_all(
        [
            Institution(fixmedins_code="H1", fixmedins_name="一", fixmedins_type="1", admdvs="320402"),
            Institution(fixmedins_code="H2", fixmedins_name="二", fixmedins_type="1", admdvs="320502"),
            Institution(fixmedins_code="H3", fixmedins_name="三", fixmedins_type="1", admdvs="330102"),
        ]
    )
    session.flush()

    def visible(user):
        cond = service.scope_filter(user, Institution.fixmedins_code, Institution.admdvs)
        return sorted(session.execute(select(Institution.fixmedins_code).where(cond)).scalars())

    assert visible(User(role="institution", region="", fixmedins_code="H2")) == ["H2"]
    assert visible(User(role="supervisor", region="32")) == ["H1", "H2"]
    assert visible(User(role="supervisor", region="3204")) == ["H1"]
    assert visible(User(role="leader", region="")) == ["H1", "H2", "H3"]


def test_identifier_clearance_by_role():
    assert service.sees_identifiers(User(role="auditor"))
    assert not service.sees_identifiers(User(role="leader"))


def test_api_key_is_hashed_scoped_and_revocable(session):
    raw, key = service.create_api_key(session, "H32040001", actor="admin1", label="HIS")
    assert raw.startswith("fgk_") and raw not in key.key_hash and len(key.key_hash) == 64
    assert service.verify_api_key(session, raw).fixmedins_code == "H32040001"
    with pytest.raises(service.Unauthorized):
        service.verify_api_key(session, raw[:-1] + ("x" if raw[-1] != "x" else "y"))
    service.revoke_api_key(session, key.id, actor="admin1")
    with pytest.raises(service.Unauthorized) as e:
        service.verify_api_key(session, raw)
    assert e.value.http_status == 401
    assert _actions(session) == ["apikey.create", "apikey.revoke"]
