"""Audit log (审计日志): every state change, hash-chained, verifiable with ``fundguard verify-log``."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import false, select, true
from sqlalchemy.orm import Session

from fundguard import hashchain
from fundguard.auth.models import ApiKey, AuditEvent, ChainHead, User, UserSession
from fundguard.errors import Conflict, Forbidden, FundguardError, InputError, NotFound
from fundguard.masterdata.models import Institution
from fundguard.profiles import get_profile
from fundguard.timeutil import format_time, localize, now

AUDIT_CHAIN = "audit"

# Other append-only chains (e.g. the points ledger) register a verifier here so that
# ``verify_all`` checks every chain in the store.
CHAIN_VERIFIERS: dict[str, Callable[[Session], list[hashchain.Break]]] = {}


def lock_chain(session: Session, chain: str) -> ChainHead:
    """Return the chain's head row, locked for this transaction (created on first use)."""
    head = session.execute(
        select(ChainHead).where(ChainHead.chain == chain).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = ChainHead(chain=chain, last_seq=0, last_hash=hashchain.GENESIS)
        session.add(head)
        session.flush()
    return head


def audit_payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": format_time(event.occurred_at),
        "actor": event.actor,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "region": event.region,
        "detail": event.detail,
        "request_id": event.request_id,
        "note": event.note,
    }


def record(
    session: Session,
    actor: str,
    action: str,
    entity_type: str = "",
    entity_id: str = "",
    detail: dict[str, Any] | None = None,
    region: str = "",
    request_id: str = "",
    note: str = "",
) -> AuditEvent:
    """Append one event in the caller's transaction (so it commits or rolls back with the change)."""
    head = lock_chain(session, AUDIT_CHAIN)
    event = AuditEvent(
        seq=head.last_seq + 1,
        occurred_at=now().replace(microsecond=0),
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        region=region,
        detail=detail or {},
        request_id=request_id,
        note=note,
        prev_hash=head.last_hash,
        hash="",
    )
    event.hash = hashchain.link_hash(event.prev_hash, audit_payload(event))
    session.add(event)
    head.last_seq = event.seq
    head.last_hash = event.hash
    session.flush()
    return event


def verify_audit_log(session: Session) -> list[hashchain.Break]:
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    breaks = hashchain.verify(AUDIT_CHAIN, ((e.seq, e.prev_hash, e.hash, audit_payload(e)) for e in rows))
    head = session.get(ChainHead, AUDIT_CHAIN)
    last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()
    if head is not None and (last is None or last.seq != head.last_seq or last.hash != head.last_hash):
        breaks.append(hashchain.Break(AUDIT_CHAIN, head.last_seq, "链尾记录缺失（末尾记录被删除）"))
    return breaks


CHAIN_VERIFIERS[AUDIT_CHAIN] = verify_audit_log


def verify_all(session: Session) -> dict[str, list[hashchain.Break]]:
    return {name: verifier(session) for name, verifier in CHAIN_VERIFIERS.items()}


# --- Users, roles, region scope, sessions, API keys (用户、角色、数据范围、会话、接口密钥) ---------

ROLES: dict[str, str] = {
    "admin": "系统管理员",
    "supervisor": "监管人员",
    "auditor": "审核稽核人员",
    "inspector": "执法检查人员",
    "institution": "定点机构用户",
    "leader": "只读领导",
}
# Roles that may see personal identifiers (姓名、证件号、电话) in clear; everyone else sees masks.
ROLE_SEES_IDENTIFIERS: dict[str, bool] = {
    "admin": False,
    "supervisor": True,
    "auditor": True,
    "inspector": True,
    "institution": True,  # its own patients only (scope enforced separately)
    "leader": False,
}
READ_ONLY_ROLES = frozenset({"leader"})
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
REGION_RE = re.compile(r"^(\d{2}){0,3}$")

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("fundguard-dummy-password")


class Unauthorized(FundguardError):
    http_status = 401


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def _auth_setting(name: str) -> Any:
    return get_profile()[f"auth.{name}"]


def sees_identifiers(user: User) -> bool:
    """Whether this user sees personal identifiers in clear (profile ``privacy.mask_identifiers``)."""
    if not get_profile().get("privacy.mask_identifiers", True):
        return True
    return ROLE_SEES_IDENTIFIERS.get(user.role, False)


def _check_password_strength(password: str) -> None:
    minimum = int(_auth_setting("password_min_length"))
    if len(password) < minimum:
        raise InputError(
            "PASSWORD_TOO_SHORT",
            f"密码至少 {minimum} 位",
            f"password needs {minimum}+ characters",
            "password",
        )
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if classes < 3:
        raise InputError(
            "PASSWORD_TOO_WEAK",
            "密码须包含大写字母、小写字母、数字、符号中的至少三类",
            "password needs three of: upper, lower, digit, symbol",
            "password",
        )


def get_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    region: str = "",
    fixmedins_code: str | None = None,
    display_name: str = "",
    actor: str = "cli",
    request_id: str = "",
) -> User:
    """Create a user (audit ``user.create``). Institution users need their ``fixmedins_code``."""
    if not USERNAME_RE.match(username or ""):
        raise InputError(
            "USERNAME_INVALID", "用户名须为 3–64 位字母、数字或 _.-", "invalid username", "username"
        )
    if role not in ROLES:
        raise InputError(
            "ROLE_UNKNOWN", f"未知角色 {role}，可选：{', '.join(ROLES)}", f"unknown role {role}", "role"
        )
    region = (region or "").strip()
    if not REGION_RE.match(region):
        raise InputError(
            "REGION_INVALID", "数据范围须为 2、4 或 6 位医保区划代码前缀", "invalid region prefix", "region"
        )
    fixmedins_code = (fixmedins_code or "").strip() or None
    if role == "institution" and not fixmedins_code:
        raise InputError(
            "INSTITUTION_REQUIRED",
            "定点机构用户须指定定点机构编码",
            "institution users need a fixmedins_code",
            "fixmedins_code",
        )
    if role != "institution" and fixmedins_code:
        raise InputError(
            "INSTITUTION_NOT_ALLOWED",
            "只有定点机构用户可绑定定点机构",
            "only institution users have an institution",
            "fixmedins_code",
        )
    if fixmedins_code and not region:
        inst = session.get(Institution, fixmedins_code)
        region = (inst.admdvs or "") if inst else ""
    if get_user(session, username) is not None:
        raise Conflict("USER_EXISTS", f"用户 {username} 已存在", f"user {username} exists", "username")
    _check_password_strength(password)
    stamp = now()
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        region=region,
        fixmedins_code=fixmedins_code,
        active=True,
        failed_logins=0,
        created_at=stamp,
        password_changed_at=stamp,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user.create",
        "user",
        username,
        {"role": role, "region": region, "fixmedins_code": fixmedins_code},
        region=region,
        request_id=request_id,
    )
    return user


def reset_password(
    session: Session, username: str, password: str, actor: str = "cli", request_id: str = ""
) -> User:
    """Set a new password, clear the lockout and end the user's sessions (audit ``user.reset``)."""
    user = get_user(session, username)
    if user is None:
        raise NotFound("USER_NOT_FOUND", f"用户 {username} 不存在", f"no user {username}", "username")
    _check_password_strength(password)
    stamp = now()
    user.password_hash = hash_password(password)
    user.password_changed_at = stamp
    user.failed_logins = 0
    user.locked_until = None
    for s in session.execute(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ).scalars():
        s.ended_at = stamp
    record(session, actor, "user.reset", "user", username, {}, region=user.region, request_id=request_id)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


@dataclass
class LoginResult:
    user: User | None
    reason: str = ""  # "" on success; bad_credentials | locked | inactive
    message_zh: str = ""


def authenticate(
    session: Session, username: str, password: str, request_id: str = "", client: str = ""
) -> LoginResult:
    """Check a password; count failures and lock the account after ``auth.lockout_failures``.

    Audits ``login.success``, ``login.failure`` and ``user.lockout``; the caller commits even on failure.
    """
    stamp = now()
    user = get_user(session, username)
    detail = {"client": client}
    if user is None:
        verify_password(_DUMMY_HASH, password)  # same work whether or not the user exists
        record(
            session,
            username or "-",
            "login.failure",
            "user",
            username,
            {**detail, "reason": "unknown_user"},
            request_id=request_id,
        )
        return LoginResult(None, "bad_credentials", "用户名或密码错误")
    if user.locked_until is not None and localize(user.locked_until) > stamp:
        record(
            session,
            username,
            "login.failure",
            "user",
            username,
            {**detail, "reason": "locked"},
            region=user.region,
            request_id=request_id,
        )
        until = format_time(user.locked_until)
        return LoginResult(None, "locked", f"账户已锁定，请于 {until} 后再试或联系系统管理员")
    if not user.active:
        record(
            session,
            username,
            "login.failure",
            "user",
            username,
            {**detail, "reason": "inactive"},
            region=user.region,
            request_id=request_id,
        )
        return LoginResult(None, "inactive", "账户已停用，请联系系统管理员")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        record(
            session,
            username,
            "login.failure",
            "user",
            username,
            {**detail, "reason": "bad_password", "failures": user.failed_logins},
            region=user.region,
            request_id=request_id,
        )
        if user.failed_logins >= int(_auth_setting("lockout_failures")):
            minutes = int(_auth_setting("lockout_minutes"))
            user.locked_until = stamp + timedelta(minutes=minutes)
            user.failed_logins = 0
            record(
                session,
                username,
                "user.lockout",
                "user",
                username,
                {"minutes": minutes, "locked_until": format_time(user.locked_until)},
                region=user.region,
                request_id=request_id,
            )
            return LoginResult(None, "locked", f"密码错误次数过多，账户已锁定 {minutes} 分钟")
        return LoginResult(None, "bad_credentials", "用户名或密码错误")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = stamp
    record(
        session,
        username,
        "login.success",
        "user",
        username,
        detail,
        region=user.region,
        request_id=request_id,
    )
    return LoginResult(user)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def start_session(session: Session, user: User, client: str = "") -> tuple[str, UserSession]:
    """Open a login session for ``auth.session_hours``; returns the raw token (goes in the cookie)."""
    token = secrets.token_urlsafe(32)
    stamp = now()
    row = UserSession(
        token_hash=_sha256(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=stamp,
        expires_at=stamp + timedelta(hours=int(_auth_setting("session_hours"))),
        client=client[:64],
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_session(session: Session, token: str) -> tuple[UserSession, User] | None:
    """The live session and its user for a raw token, or None (unknown, ended, expired, inactive)."""
    row = session.get(UserSession, _sha256(token))
    if row is None or row.ended_at is not None or localize(row.expires_at) <= now():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return row, user


def end_session(session: Session, token: str, request_id: str = "") -> None:
    """Log out (audit ``logout``)."""
    found = resolve_session(session, token)
    if found is None:
        return
    row, user = found
    row.ended_at = now()
    record(
        session, user.username, "logout", "user", user.username, {}, region=user.region, request_id=request_id
    )


# --- Region / institution scope (数据范围) -----------------------------------------------------


def scope_filter(user: User, institution_column=None, admdvs_column=None):
    """A SQLAlchemy condition restricting a query to the rows this user may see.

    Institution users see rows of their own institution only; everyone else the rows whose
    医保区划 starts with their region prefix (all rows when the prefix is empty).
    """
    if user.role == "institution":
        if institution_column is None or not user.fixmedins_code:
            return false()
        return institution_column == user.fixmedins_code
    if not user.region:
        return true()
    if admdvs_column is None:
        return false()
    return admdvs_column.like(f"{user.region}%")


def check_access(user: User, fixmedins_code: str | None, admdvs: str | None) -> None:
    """Raise ``Forbidden`` unless ``user`` may see a record of this institution and region."""
    if user.role == "institution":
        if not user.fixmedins_code or fixmedins_code != user.fixmedins_code:
            raise Forbidden(
                "OUT_OF_SCOPE", "无权访问其他定点机构的数据", "record belongs to another institution"
            )
        return
    if user.region and not (admdvs or "").startswith(user.region):
        raise Forbidden("OUT_OF_SCOPE", "无权访问本辖区以外的数据", "record is outside your region")


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise Forbidden("ROLE_FORBIDDEN", "当前角色无权执行此操作", f"role {user.role} may not do this")


# --- API keys (接口密钥) for institution systems ------------------------------------------------

API_KEY_PREFIX = "fgk"


def create_api_key(
    session: Session, fixmedins_code: str, actor: str = "cli", label: str = "", request_id: str = ""
) -> tuple[str, ApiKey]:
    """Issue a key scoped to one institution; the raw key is returned once and stored hashed."""
    fixmedins_code = (fixmedins_code or "").strip()
    if not fixmedins_code:
        raise InputError(
            "INSTITUTION_REQUIRED", "须指定定点机构编码", "fixmedins_code required", "fixmedins_code"
        )
    inst = session.get(Institution, fixmedins_code)
    prefix = secrets.token_hex(6)
    raw = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        prefix=prefix,
        key_hash=_sha256(raw),
        fixmedins_code=fixmedins_code,
        label=label,
        created_by=actor,
        created_at=now(),
    )
    session.add(key)
    session.flush()
    record(
        session,
        actor,
        "apikey.create",
        "api_key",
        str(key.id),
        {"fixmedins_code": fixmedins_code, "prefix": prefix},
        region=(inst.admdvs or "") if inst else "",
        request_id=request_id,
    )
    return raw, key


def revoke_api_key(session: Session, key_id: int, actor: str = "cli", request_id: str = "") -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("API_KEY_NOT_FOUND", f"接口密钥 {key_id} 不存在", f"no API key {key_id}", "key_id")
    if key.revoked_at is None:
        key.revoked_at = now()
        record(
            session,
            actor,
            "apikey.revoke",
            "api_key",
            str(key.id),
            {"fixmedins_code": key.fixmedins_code, "prefix": key.prefix},
            request_id=request_id,
        )
    return key


def verify_api_key(session: Session, raw: str) -> ApiKey:
    """The live key for a raw key string; ``Unauthorized`` otherwise (the pre-check API uses this)."""
    parts = (raw or "").split("_", 2)
    key = None
    if len(parts) == 3 and parts[0] == API_KEY_PREFIX:
        key = session.execute(select(ApiKey).where(ApiKey.prefix == parts[1])).scalar_one_or_none()
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, _sha256(raw)):
        raise Unauthorized("API_KEY_INVALID", "接口密钥无效或已吊销", "invalid or revoked API key")
    return key


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.execute(select(ApiKey).order_by(ApiKey.id)).scalars())
