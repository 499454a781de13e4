"""Audit log (审计日志): every state change, hash-chained, verifiable with ``fundguard verify-log``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard import hashchain
from fundguard.auth.models import AuditEvent, ChainHead
from fundguard.timeutil import format_time, now

AUDIT_CHAIN = "audit"

# Other append-only chains (e.g. the points ledger) register a verifier here so that
# ``verify_all`` checks every chain in the store.
CHAIN_VERIFIERS: dict[str, Callable[[Session], list[hashchain.Break]]] = {}


def lock_chain(session: Session, chain: str) -> ChainHead:
    """Return the chain's head row, locked for this transaction (created on first use)."""
    head = session.execute(select(ChainHead).where(ChainHead.chain == chain).with_for_update()).scalar_one_or_none()
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
