"""线索移交 clue handoff to the cases domain.

Contract for the cases engineer (``fundguard.cases``): every inspection finding that needs
investigation is stored here as a ``ClueRequest`` row with status PENDING, via::

    hand_off_clue(session, source_type, source_id, fixmedins_code, summary, amount, found_on,
                  category="OTHER", evidence=None, actor="system") -> ClueRequest

``source_type`` is ``flight_inspection``, ``random_inspection`` or ``self_check``; ``category`` a
data-contract violation category; ``amount`` a Decimal in yuan. The cases domain reads
``pending_clues(session)`` and calls ``mark_taken(session, clue_request_id, clue_id)`` once it has
created its own clue, so a request is never taken twice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard.auth import service as audit
from fundguard.errors import Conflict, NotFound
from fundguard.inspections.models import ClueRequest


def hand_off_clue(
    session: Session,
    source_type: str,
    source_id: str,
    fixmedins_code: str,
    summary: str,
    amount: Decimal,
    found_on: date,
    category: str = "OTHER",
    evidence: list | None = None,
    actor: str = "system",
) -> ClueRequest:
    row = ClueRequest(
        source_type=source_type,
        source_id=str(source_id),
        fixmedins_code=fixmedins_code,
        category=category,
        summary=summary,
        amount=Decimal(str(amount)),
        evidence=list(evidence or []),
        found_on=found_on,
        status="PENDING",
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "inspection.clue.hand_off",
        "insp_clue_request",
        str(row.id),
        {"source": f"{source_type}:{source_id}", "amount": str(row.amount)},
    )
    return row


def pending_clues(session: Session) -> list[ClueRequest]:
    return list(
        session.scalars(select(ClueRequest).where(ClueRequest.status == "PENDING").order_by(ClueRequest.id))
    )


def mark_taken(session: Session, clue_request_id: int, clue_id: str, actor: str = "system") -> ClueRequest:
    row = session.get(ClueRequest, clue_request_id)
    if row is None:
        raise NotFound(
            "CLUE_REQUEST_NOT_FOUND", f"线索移交 {clue_request_id} 不存在", "clue request not found"
        )
    if row.status != "PENDING":
        raise Conflict("CLUE_TAKEN", "该线索已被接收", "clue request already taken")
    row.status = "TAKEN"
    session.flush()
    audit.record(
        session, actor, "inspection.clue.taken", "insp_clue_request", str(row.id), {"clue_id": clue_id}
    )
    return row
