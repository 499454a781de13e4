"""Pre-check service: validate limits, evaluate, map severities per scene, audit, feedback, rates."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fundguard.auth import service as auth_service
from fundguard.errors import Forbidden, InputError
from fundguard.precheck import evaluator, reload
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


def authenticate(session: Session, raw_key: str | None) -> Caller:
    """The calling institution from its X-API-Key (401 if missing/invalid/revoked, 429 over the rate)."""
    if not raw_key:
        raise auth_service.Unauthorized(
            "API_KEY_REQUIRED", "缺少接口密钥（请求头 X-API-Key）", "missing X-API-Key", "X-API-Key"
        )
    key = auth_service.verify_api_key(session, raw_key)
    if not BUCKET.take(key.id, int(get_profile()["precheck.rate_limit_per_minute"])):
        raise TooManyRequests(
            "RATE_LIMITED",
            "接口调用过于频繁，已超过每分钟限额，请稍后再试",
            "rate limit exceeded",
            "X-API-Key",
        )
    return Caller(key.id, key.fixmedins_code)


# ------------------------------------------------------------------ pre-check


def _visit_rows(req: PrecheckRequest) -> dict:
    m = req.mdtrt.model_dump()
    common = {"mdtrt_id": m["mdtrt_id"], "psn_no": m["psn_no"], "fixmedins_code": m["fixmedins_code"]}
    fees, traces = [], []
    for line in req.fee_list:
        row = line.model_dump()
        codes = row.pop("drug_trac_codg", None) or []
        fees.append({**row, **common})
        traces += [
            {"feedetl_sn": line.feedetl_sn, "drug_trac_codg": c, "fixmedins_code": m["fixmedins_code"]}
            for c in codes
        ]
    diags = [{**d.model_dump(), "mdtrt_id": m["mdtrt_id"]} for d in req.diag]
    oprns = [{**o.model_dump(), "mdtrt_id": m["mdtrt_id"]} for o in req.oprn]
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


def precheck(session: Session, caller: Caller, req: PrecheckRequest, request_id: str = "") -> dict:
    """Check one visit; every block and every emergency override goes to the audit log."""
    if req.mdtrt.fixmedins_code != caller.fixmedins_code:
        raise Forbidden(
            "INSTITUTION_MISMATCH",
            f"接口密钥属于机构 {caller.fixmedins_code}，不能提交机构 {req.mdtrt.fixmedins_code} 的就诊",
            "institution mismatch",
            "mdtrt.fixmedins_code",
        )
    check_limits(req)
    snapshot = reload.current()
    raw = evaluator.evaluate(snapshot, _visit_rows(req))
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
                "message": f["message"],
                "suggested_action": action,
            }
        )
    findings += _unknown_code_findings(req, snapshot)
    severities = {f["severity"] for f in findings}
    decision = "block" if "block" in severities else ("warn" if findings else "pass")
    precheck_id = uuid.uuid4().hex[:16]
    blocks = [f for f in findings if f["severity"] == "block"]
    base = {"precheck_id": precheck_id, "scene": req.scene, "knowledge_version": snapshot.version}
    if blocks:
        auth_service.record(
            session,
            caller.actor,
            "precheck.block",
            "mdtrt",
            req.mdtrt.mdtrt_id,
            {**base, "lines": [[f["rule_code"], f["feedetl_sn"], f["amount"]] for f in blocks]},
            request_id=request_id,
        )
    if overrides:
        auth_service.record(
            session,
            caller.actor,
            "precheck.emergency_override",
            "mdtrt",
            req.mdtrt.mdtrt_id,
            {**base, "lines": [[f["rule_code"], f["feedetl_sn"], f["prac_psn_code"]] for f in overrides]},
            request_id=request_id,
            note="急救、抢救除外",
        )
    return {
        "precheck_id": precheck_id,
        "decision": decision,
        "knowledge_version": snapshot.version,
        "findings": findings,
    }


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
