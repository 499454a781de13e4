"""Knowledge hot reload (知识库热加载) without restart and without failing in-flight requests.

``current()`` returns the immutable ``Snapshot`` in force. At most every
``precheck.reload_check_seconds`` it recomputes a cheap knowledge key (current rule-set versions,
region switches, suspension periods, committed lake batches, database URL); when the key changed it
builds a new snapshot and swaps the module reference in one assignment. Requests that already hold
the old snapshot finish on it; the old DuckDB database is closed by garbage collection only, never
under a running request. ``refresh()`` forces the check (CLI/tests after a change).

Freshness bound: an answer never uses knowledge checked more than ``reload_check_seconds`` before
the request. A ticker thread re-checks every half period (a few indexed reads; a rebuild, seconds with
the full knowledge, only when the key changed), so requests normally never wait; a request that finds
the last check too old (the first one, or during a slow rebuild) runs it and concurrent ones wait for
it. The API runs such a check in the thread pool, not on the event loop. The check also starts the copy
of newly committed lake batches into the history store (``history.sync_in_background``).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from fundguard import lake
from fundguard.db import session_scope
from fundguard.precheck import history
from fundguard.precheck.evaluator import MASTER_TABLES, Snapshot, build_snapshot, knowledge_fingerprint
from fundguard.profiles import get_profile
from fundguard.rules import engine
from fundguard.rules import service as rules_service
from fundguard.rules.models import RuleSet
from fundguard.settings import get_settings

_lock = threading.Lock()
_ticker_lock = threading.Lock()
_state: dict = {"snapshot": None, "checked_at": 0.0, "db": None, "ticker": None}
# called with the check's session at every knowledge check (``service.KEYS.revalidate``)
ON_CHECK: list[Callable[[Session], None]] = []


def _versions(session: Session) -> dict[str, str]:
    return {rs.name: rs.current_version or "" for rs in session.execute(select(RuleSet)).scalars()}


def knowledge_key(session: Session, committed: list[str] | None = None) -> tuple[str, dict[str, str]]:
    versions = _versions(session)
    settings = sorted(
        (s["rule_code"], s["region"], s["enabled"]) for s in rules_service.region_settings(session)
    )
    suspensions = sorted(
        (s["prac_psn_code"], str(s["start_date"]), str(s["end_date"]), s["kind"])
        for s in rules_service.suspension_periods(session)
    )
    batches = lake.committed_batch_ids() if committed is None else committed
    return knowledge_fingerprint(versions, settings, suspensions, batches), versions


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


def _check(db_url: str, force: bool) -> Snapshot:
    """Recompute the key, rebuild and swap when it changed; start the lake copy. Caller holds ``_lock``."""
    snap = _state["snapshot"]
    if not force and is_fresh():
        return snap  # another thread checked while we waited
    started = time.monotonic()
    committed = lake.committed_batch_ids()
    rebuilt = False
    with session_scope() as session:
        key, versions = knowledge_key(session, committed)
        if snap is None or snap.key != key or _state["db"] != db_url:
            snap = _build(session, key, versions)
            rebuilt = True
        try:
            history.sync_in_background(session, committed)
        except Exception:  # noqa: BLE001 — the history copy must never fail a pre-check
            history.log.warning("pre-check history: could not start the lake copy", exc_info=True)
        for hook in ON_CHECK:
            try:
                hook(session)
            except Exception:  # noqa: BLE001 — a hook's own state expires by itself; keep serving
                history.log.warning("pre-check check hook %s failed", hook, exc_info=True)
    _state["snapshot"], _state["db"] = snap, db_url  # the atomic swap
    _state["checked_at"] = started  # what changed before the check started is in the snapshot
    if rebuilt:
        _freeze_heap()
    return snap


def _freeze_heap() -> None:
    """Move the (large, long-lived) knowledge index out of the cyclic GC's reach (``gc.freeze``).

    With the full knowledge a process holds ~400,000 objects; every full collection would scan them
    all (~200 ms, a stall of every request of the worker). Frozen objects are never scanned. At each
    build the previous heap is unfrozen and collected once (so an old snapshot and any garbage are
    freed, never frozen), then everything alive is frozen.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def is_fresh() -> bool:
    """Whether ``current()`` answers at once (True) or must check the knowledge first."""
    snap = _state["snapshot"]
    if snap is None or _state["db"] != get_settings().effective_database_url:
        return False
    return time.monotonic() - _state["checked_at"] < float(get_profile()["precheck.reload_check_seconds"])


def current(force: bool = False) -> Snapshot:
    """The snapshot in force, checked at most ``reload_check_seconds`` ago (freshness bound).

    A background ticker re-checks every half period, so in steady state requests never wait. A
    request that still finds the last check older than the period (first request, a slow rebuild)
    checks first; concurrent requests wait for that check, so no answer is ever based on knowledge
    older than the bound. The API awaits such a check in the thread pool (``is_fresh``).
    """
    db_url = get_settings().effective_database_url
    if not force and is_fresh():
        return _state["snapshot"]
    with _lock:
        snap = _check(db_url, force=force)
    _ensure_ticker(db_url)
    return snap


def _ensure_ticker(db_url: str) -> None:
    period = float(get_profile()["precheck.reload_check_seconds"])
    if period < 0.5:  # tiny periods (tests): every request checks by itself
        return
    with _ticker_lock:
        running = _state["ticker"]
        if running is not None and running[0].is_alive():
            return
        stop = threading.Event()
        thread = threading.Thread(
            target=_tick, args=(db_url, period / 2, stop), name="precheck-knowledge-ticker", daemon=True
        )
        _state["ticker"] = (thread, stop)
        thread.start()


def _tick(db_url: str, every: float, stop: threading.Event) -> None:
    """Re-check the knowledge every half period while this process serves the same store."""
    while not stop.wait(every):
        if get_settings().effective_database_url != db_url or _state["db"] != db_url:
            return
        try:
            with _lock:
                _check(db_url, force=True)
        except Exception:  # noqa: BLE001 — keep serving; a request past the bound will check itself
            history.log.warning("pre-check knowledge check failed", exc_info=True)


def refresh() -> Snapshot:
    return current(force=True)


def reset() -> None:
    """Forget the snapshot (tests switch stores); waits for the history writer and a running lake copy."""
    history.WRITER.flush()
    history.wait_for_background()
    with _ticker_lock:
        ticker, _state["ticker"] = _state["ticker"], None
    if ticker is not None:
        ticker[1].set()
        ticker[0].join(60)
    with _lock:
        _state.update(snapshot=None, checked_at=0.0, db=None)
