"""Knowledge hot reload (知识库热加载) without restart and without failing in-flight requests.

``current()`` returns the immutable ``Snapshot`` in force. At most every
``precheck.reload_check_seconds`` it recomputes a cheap knowledge key (current rule-set versions,
region switches, suspension periods, committed lake batches, database URL); when the key changed it
builds a new snapshot and swaps the module reference in one assignment. Requests that already hold
the old snapshot finish on it; the old DuckDB database is closed by garbage collection only, never
under a running request. ``refresh()`` forces the check (CLI/tests after a change).
"""

from __future__ import annotations

import threading
import time

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard import lake
from fundguard.db import session_scope
from fundguard.precheck.evaluator import MASTER_TABLES, Snapshot, build_snapshot, knowledge_fingerprint
from fundguard.profiles import get_profile
from fundguard.rules import engine
from fundguard.rules import service as rules_service
from fundguard.rules.models import RuleSet
from fundguard.settings import get_settings

_lock = threading.Lock()
_state: dict = {"snapshot": None, "checked_at": 0.0, "db": None}


def _versions(session: Session) -> dict[str, str]:
    return {rs.name: rs.current_version or "" for rs in session.execute(select(RuleSet)).scalars()}


def knowledge_key(session: Session) -> tuple[str, dict[str, str]]:
    versions = _versions(session)
    settings = sorted(
        (s["rule_code"], s["region"], s["enabled"]) for s in rules_service.region_settings(session)
    )
    suspensions = sorted(
        (s["prac_psn_code"], str(s["start_date"]), str(s["end_date"]), s["kind"])
        for s in rules_service.suspension_periods(session)
    )
    return knowledge_fingerprint(versions, settings, suspensions, lake.committed_batch_ids()), versions


def master_tables() -> dict[str, pa.Table]:
    """Institution, practitioner and catalogue rows from the lake (empty typed tables when none)."""
    import duckdb

    con = duckdb.connect()
    try:
        lake.register_views(con, tables=list(MASTER_TABLES))
        return {name: con.sql(f"SELECT * FROM {name}").to_arrow_table() for name in MASTER_TABLES}
    finally:
        con.close()


def _build(session: Session, key: str, versions: dict[str, str]) -> Snapshot:
    if not any(versions.values()):
        rules_service.ensure_imported(session)
        session.commit()
        key, versions = knowledge_key(session)
    knowledge = rules_service.load_knowledge(session)
    params = engine.rule_params(get_profile())
    version = ",".join(f"{k}={v}" for k, v in sorted(versions.items()))
    return build_snapshot(knowledge, params, key, version, master_tables())


def current(force: bool = False) -> Snapshot:
    """The snapshot in force (built on first use; re-checked at most every reload_check_seconds)."""
    db_url = get_settings().effective_database_url
    snap: Snapshot | None = _state["snapshot"]
    ttl = float(get_profile()["precheck.reload_check_seconds"])
    fresh = time.monotonic() - _state["checked_at"] < ttl
    if snap is not None and not force and fresh and _state["db"] == db_url:
        return snap
    with _lock:
        snap = _state["snapshot"]
        recent = time.monotonic() - _state["checked_at"] < ttl
        if snap is not None and not force and _state["db"] == db_url and recent:
            return snap  # another thread checked while we waited
        with session_scope() as session:
            key, versions = knowledge_key(session)
            if snap is None or snap.key != key or _state["db"] != db_url:
                snap = _build(session, key, versions)
        _state["snapshot"], _state["db"] = snap, db_url  # the atomic swap
        _state["checked_at"] = time.monotonic()
        return snap


def refresh() -> Snapshot:
    return current(force=True)


def reset() -> None:
    """Forget the snapshot (tests switch stores)."""
    with _lock:
        _state.update(snapshot=None, checked_at=0.0, db=None)
