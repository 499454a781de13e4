"""Pre-check service: validate limits, evaluate, map severities per scene, audit, feedback, rates."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from fundguard import db
from fundguard.auth import service as auth_service
from fundguard.auth.models import ApiKey
from fundguard.contract import TABLES
from fundguard.errors import Forbidden, InputError
from fundguard.ids import random_id
from fundguard.precheck import evaluator, history, reload
from fundguard.precheck.models import PrecheckFeedback
from fundguard.precheck.schemas import FeedbackRequest, PrecheckRequest
from fundguard.profiles import get_profile
from fundguard.scoring.emergency import is_emergency_visit
from fundguard.timeutil import now

UNKNOWN_CODE_RULE = "PCK-P01"
KNOWN_GEND = {"0", "1", "2", "9"}
SUSPENDED = "SUSPENDED_PERSON"
ACTIONS = {
    "block": "拦截：请删除或修改该费用后再提交；确需使用请说明理由并反馈。",
    "warn": "警示：请核对该费用是否符合医保支付规定，必要时修改或说明理由。",
    "info": "提醒：请核对该费用是否符合医保支付规定。",
}
SUSPENDED_ACTION = "拦截：该医师处于医保支付资格暂停/终止期，请改由有资格的医师开具。"
EMERGENCY_ACTION = "急诊/抢救例外：该医师处于暂停/终止期，本次按急救抢救放行，已记入审计日志，事后复核。"


class TooManyRequests(InputError):
    http_status = 429


@dataclass
class Caller:
    key_id: int
    fixmedins_code: str

    @property
    def actor(self) -> str:
        return f"apikey:{self.key_id}"


# ------------------------------------------------------------------ rate limit (token bucket)


class TokenBucket:
    """Per-key bucket: ``rate`` tokens per minute, burst up to ``rate``; in-process, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[int, tuple[float, float]] = {}

    def take(self, key_id: int, per_minute: int) -> bool:
        with self._lock:
            t = time.monotonic()
            tokens, last = self._buckets.get(key_id, (float(per_minute), t))
            tokens = min(float(per_minute), tokens + (t - last) * per_minute / 60.0)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, t)
                return False
            self._buckets[key_id] = (tokens - 1.0, t)
            return True

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


BUCKET = TokenBucket()


class KeyCache:
    """Verified API keys of this process, by SHA-256 of the raw key, for ``precheck.reload_check_seconds``.

    A hit skips the store (and the thread hand-off) on the request path. Only successful verifications
    are cached, so a new key works at once and a wrong key is always checked against the store. A key
    revoked in this process is dropped at once (ORM update of ``api_key``); one revoked by another
    process (CLI, another worker) stops working within ``precheck.reload_check_seconds``: the knowledge
    ticker re-checks every cached key in one query each half period (``revalidate``), renewing the live
    ones. Keys in use therefore never expire on the request path — when they did, every key of a busy
    worker fell out at the same moment and the burst of store lookups stalled the worker's requests
    (bench 2026-12-06: clusters of 20–45 ms answers every period).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[Caller, float]] = {}

    @staticmethod
    def _digest(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    def get(self, raw: str) -> Caller | None:
        hit = self._keys.get(self._digest(raw))
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, raw: str, caller: Caller) -> None:
        ttl = float(get_profile()["precheck.reload_check_seconds"])
        with self._lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[self._digest(raw)] = (caller, time.monotonic() + ttl)

    def clear(self, *_args) -> None:
        with self._lock:
            self._keys.clear()

    def revalidate(self, session: Session) -> None:
        """Drop cached keys revoked or deleted in the store; renew the others for another period."""
        started = time.monotonic()
        with self._lock:
            entries = dict(self._keys)
        if not entries:
            return
        ids = {caller.key_id for caller, _ in entries.values()}
        live = set(
            session.execute(
                select(ApiKey.id).where(ApiKey.id.in_(ids), ApiKey.revoked_at.is_(None))
            ).scalars()
        )
        until = started + float(get_profile()["precheck.reload_check_seconds"])
        with self._lock:
            for digest, (caller, _) in entries.items():
                if caller.key_id not in live:
                    self._keys.pop(digest, None)
                elif digest in self._keys:  # not cleared meanwhile by a revocation in this process
                    self._keys[digest] = (caller, until)


KEYS = KeyCache()
reload.ON_CHECK.append(KEYS.revalidate)
event.listen(ApiKey, "after_update", KEYS.clear)
event.listen(ApiKey, "after_delete", KEYS.clear)


def _missing_key(raw_key: str | None) -> None:
    if not raw_key:
        raise auth_service.Unauthorized(
            "API_KEY_REQUIRED", "缺少接口密钥（请求头 X-API-Key）", "missing X-API-Key", "X-API-Key"
        )


def _rate_limit(caller: Caller) -> Caller:
    if not BUCKET.take(caller.key_id, int(get_profile()["precheck.rate_limit_per_minute"])):
        raise TooManyRequests(
            "RATE_LIMITED",
            "接口调用过于频繁，已超过每分钟限额，请稍后再试",
            "rate limit exceeded",
            "X-API-Key",
        )
    return caller


def cached_caller(raw_key: str | None) -> Caller | None:
    """The caller of a recently verified key (rate limit applied), or None: verify with ``authenticate``."""
    _missing_key(raw_key)
    caller = KEYS.get(raw_key)
    return None if caller is None else _rate_limit(caller)


def authenticate(session: Session, raw_key: str | None) -> Caller:
    """The calling institution from its X-API-Key (401 if missing/invalid/revoked, 429 over the rate)."""
    _missing_key(raw_key)
    key = auth_service.verify_api_key(session, raw_key)
    caller = Caller(key.id, key.fixmedins_code)
    KEYS.put(raw_key, caller)
    return _rate_limit(caller)


# ------------------------------------------------------------------ pre-check


TEXT_COLUMNS = {name: {c.name for c in t.columns if c.type == "str"} for name, t in TABLES.items()}


def _fields(model, table: str) -> dict:
    """Declared fields, plus extra fields that are text columns of the contract table (text values only)."""
    row = dict(model.__dict__)  # the declared fields' validated values (flat models: no nesting)
    extra = model.__pydantic_extra__
    if extra:
        text = TEXT_COLUMNS[table]
        for k, v in extra.items():
            if k in text and k not in row and isinstance(v, str):
                row[k] = v
    return row


def visit_rows(req: PrecheckRequest) -> dict:
    """The request as contract rows (``mdtrt``, ``fee_list``, ``diag``, ``oprn``, ``trace``)."""
    m = _fields(req.mdtrt, "mdtrt")
    common = {"mdtrt_id": m["mdtrt_id"], "psn_no": m["psn_no"], "fixmedins_code": m["fixmedins_code"]}
    fees, traces = [], []
    for line in req.fee_list:
        row = _fields(line, "fee_list")
        codes = row.pop("drug_trac_codg", None) or []
        fees.append({**row, **common})
        traces += [
            {"feedetl_sn": line.feedetl_sn, "drug_trac_codg": c, "fixmedins_code": m["fixmedins_code"]}
            for c in codes
        ]
    diags = [{**_fields(d, "diag"), "mdtrt_id": m["mdtrt_id"]} for d in req.diag]
    oprns = [{**_fields(o, "oprn"), "mdtrt_id": m["mdtrt_id"]} for o in req.oprn]
    return {"mdtrt": [m], "fee_list": fees, "diag": diags, "oprn": oprns, "trace": traces}


def scene_severity(scene: str, rule_severity: str) -> str:
    """domain §2c: pre → info prompt / block intercept; settle → warn / block."""
    if rule_severity == "block":
        return "block"
    return "info" if scene == "pre" else "warn"


def _emergency_exempt(req: PrecheckRequest, finding: dict) -> bool:
    profile = get_profile()
    kind = (json.loads(finding["evidence"] or "{}")).get("kind", "")
    terminated = kind in ("termination", "terminated")
    allowed = profile[
        "scoring.emergency_exception_termination" if terminated else "scoring.emergency_exception_suspension"
    ]
    if not allowed:
        return False
    names = [f.medins_list_name or f.med_list_codg for f in req.fee_list]
    if is_emergency_visit(req.mdtrt.med_type, req.mdtrt.adm_dept_name, names):
        return True
    return any(is_emergency_visit(None, f.bilg_dept_name, None) for f in req.fee_list)


def _unknown_code_findings(req: PrecheckRequest, snapshot: evaluator.Snapshot) -> list[dict]:
    sev = scene_severity(req.scene, "warn")
    out = []
    if req.mdtrt.gend not in KNOWN_GEND:
        out.append(
            (None, f"性别代码 {req.mdtrt.gend} 不在字典中（1 男，2 女，0/9 未知），限性别规则未能检查。")
        )
    if snapshot.catalog_codes:
        for f in req.fee_list:
            if f.med_list_codg not in snapshot.catalog_codes:
                out.append((f.feedetl_sn, f"医疗目录编码 {f.med_list_codg} 不在医保目录中，请核对编码。"))
    return [
        {
            "rule_code": UNKNOWN_CODE_RULE,
            "rule_version": "",
            "category": "OTHER",
            "severity": sev,
            "feedetl_sn": sn,
            "amount": 0.0,
            "message": msg,
            "suggested_action": "请核对编码后重新提交；未知编码不影响其他规则的审核。",
        }
        for sn, msg in out
    ]


def check_limits(req: PrecheckRequest) -> None:
    limit = int(get_profile()["precheck.max_fee_lines"])
    if len(req.fee_list) > limit:
        raise InputError(
            "TOO_MANY_FEE_LINES",
            f"费用明细 fee_list 共 {len(req.fee_list)} 条，超过单次上限 {limit} 条",
            "too many fee lines",
            "fee_list",
        )
    seen = set()
    for i, f in enumerate(req.fee_list):
        if f.feedetl_sn in seen:
            raise InputError(
                "DUPLICATE_FEEDETL_SN",
                f"费用明细 fee_list.{i}.feedetl_sn 流水号 {f.feedetl_sn} 重复",
                "duplicate feedetl_sn",
                f"fee_list.{i}.feedetl_sn",
            )
        seen.add(f.feedetl_sn)


def precheck(
    store: Session | history.RequestStore,
    caller: Caller,
    req: PrecheckRequest,
    request_id: str = "",
    on_settled: Callable[[dict], None] | None = None,
    audit: list[dict] | None = None,
) -> dict:
    """Check one visit; every block and every emergency override goes to the audit log.

    A ``settle`` visit that is not blocked joins the history store: queued for the process's history
    writer (written within milliseconds, off the request path), or handed to ``on_settled(visit_rows)``.
    ``store`` is a session, or a ``history.RequestStore`` (reads on a Core connection, a session only
    when the audit log is written). With ``audit`` (a list) the audit entries are appended to it for
    ``write_audit`` instead of written here (the API writes them in a worker thread: the audit chain's
    lock must never be awaited on the event loop).
    """

    def record(action: str, detail: dict, note: str = "") -> None:
        entry = {"action": action, "entity_id": req.mdtrt.mdtrt_id, "detail": detail, "note": note}
        if audit is not None:
            audit.append(entry)
            return
        session = store.session() if isinstance(store, history.RequestStore) else store
        write_audit(session, caller, [entry], request_id)

    if req.mdtrt.fixmedins_code != caller.fixmedins_code:
        raise Forbidden(
            "INSTITUTION_MISMATCH",
            f"接口密钥属于机构 {caller.fixmedins_code}，不能提交机构 {req.mdtrt.fixmedins_code} 的就诊",
            "institution mismatch",
            "mdtrt.fixmedins_code",
        )
    check_limits(req)
    snapshot = reload.current()
    visit = visit_rows(req)
    raw = evaluator.evaluate(snapshot, visit, lambda need: history.fetch(store, need))
    findings, overrides = [], []
    for f in raw:
        sev = scene_severity(req.scene, f["severity"])
        action = ACTIONS[sev]
        if f["category"] == SUSPENDED:
            sev, action = "block", SUSPENDED_ACTION
            if _emergency_exempt(req, f):
                sev, action = "warn", EMERGENCY_ACTION
                overrides.append(f)
        findings.append(
            {
                "rule_code": f["rule_code"],
                "rule_version": f["rule_version"],
                "category": f["category"],
                "severity": sev,
                "feedetl_sn": f["feedetl_sn"],
                "amount": float(f["amount"]),
                "message": f["message"] if f["message"] is not None else f"命中规则 {f['rule_code']}。",
                "suggested_action": action,
            }
        )
    findings += _unknown_code_findings(req, snapshot)
    severities = {f["severity"] for f in findings}
    decision = "block" if "block" in severities else ("warn" if findings else "pass")
    precheck_id = random_id()  # an answer id, not a secret
    blocks = [f for f in findings if f["severity"] == "block"]
    base = {"precheck_id": precheck_id, "scene": req.scene, "knowledge_version": snapshot.version}
    if blocks:
        record(
            "precheck.block",
            {**base, "lines": [[f["rule_code"], f["feedetl_sn"], f["amount"]] for f in blocks]},
        )
    if overrides:
        lines = [[f["rule_code"], f["feedetl_sn"], f["prac_psn_code"]] for f in overrides]
        record("precheck.emergency_override", {**base, "lines": lines}, note="急救、抢救除外")
    if req.scene == "settle" and decision != "block":
        if on_settled is not None:
            on_settled(visit)
        else:
            engine = store.engine if isinstance(store, history.RequestStore) else store.get_bind()
            history.WRITER.put(visit, db.maker_for(engine), _lines_for(snapshot))
    return {
        "precheck_id": precheck_id,
        "decision": decision,
        "knowledge_version": snapshot.version,
        "findings": findings,
    }


def _lines_for(snapshot: evaluator.Snapshot):
    """The knowledge whose windowed rules choose the fee lines kept in the history (None: every line)."""
    return None if get_profile()["precheck.history_all_lines"] else snapshot.index


def write_audit(session: Session, caller: Caller, entries: list[dict], request_id: str = "") -> None:
    """Append pre-check audit entries (``precheck(..., audit=[])``) in ``session``'s transaction."""
    for e in entries:
        auth_service.record(
            session,
            caller.actor,
            e["action"],
            "mdtrt",
            e["entity_id"],
            e["detail"],
            request_id=request_id,
            note=e.get("note", ""),
        )


# ------------------------------------------------------------------ feedback (3103)


def store_feedback(session: Session, caller: Caller, req: FeedbackRequest, request_id: str = "") -> int:
    for i, item in enumerate(req.items):
        if item.action == "overridden" and not item.reason.strip():
            raise InputError(
                "OVERRIDE_REASON",
                f"反馈 items.{i}.reason 为必填项：坚持原医嘱必须说明理由",
                "an override needs a reason",
                f"items.{i}.reason",
            )
    at = now()
    for item in req.items:
        session.add(
            PrecheckFeedback(
                precheck_id=req.precheck_id,
                fixmedins_code=caller.fixmedins_code,
                mdtrt_id=req.mdtrt_id,
                feedetl_sn=item.feedetl_sn or "",
                rule_code=item.rule_code,
                action=item.action,
                reason=item.reason,
                doctor_code=req.doctor_code,
                api_key_id=caller.key_id,
                created_at=at,
            )
        )
        if item.action == "overridden":
            auth_service.record(
                session,
                caller.actor,
                "precheck.override",
                "mdtrt",
                req.mdtrt_id,
                {
                    "precheck_id": req.precheck_id,
                    "rule_code": item.rule_code,
                    "feedetl_sn": item.feedetl_sn or "",
                    "doctor_code": req.doctor_code,
                    "reason": item.reason,
                },
                request_id=request_id,
            )
    session.flush()
    return len(req.items)


def override_rates(session: Session) -> list[dict]:
    """Per rule: feedback count, overrides and override rate (overridden ÷ all feedback)."""
    rows = session.execute(
        select(PrecheckFeedback.rule_code, PrecheckFeedback.action, func.count()).group_by(
            PrecheckFeedback.rule_code, PrecheckFeedback.action
        )
    )
    counts: dict[str, dict[str, int]] = {}
    for code, action, n in rows:
        counts.setdefault(code, {})[action] = n
    out = []
    for code in sorted(counts):
        c = counts[code]
        total = sum(c.values())
        over = c.get("overridden", 0)
        out.append(
            {
                "rule_code": code,
                "feedback": total,
                "accepted": c.get("accepted", 0),
                "changed": c.get("changed", 0),
                "overridden": over,
                "override_rate": round(over / total, 4) if total else None,
            }
        )
    return out
