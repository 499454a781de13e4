"""History store (历史库) for the pre-check's cross-visit rules.

Batch audit sees the whole lake; a pre-check request sees one visit. Rules whose batch result depends
on OTHER visits read them here: SPLIT_ADMISSION (the previous inpatient stay at the same institution),
IMPERSONATION (overlapping stays elsewhere, the first recorded sex), FREQUENCY and OVERUSE (the
patient's lines in the rule's window) and TRACE_CODE (where a code was sold before).

Tables (``precheck_history_*``, migration branch ``precheck``) hold only the columns those rules read.
They are filled from two sources:

- **the lake**: ``sync_lake()`` copies every committed ingest batch not yet copied
  (``precheck_history_batch``), one transaction per batch. It runs on demand
  (``fundguard precheck sync-history``) and automatically: each serving worker re-checks the committed
  batches every ``precheck.reload_check_seconds`` and copies new ones in a background thread.
  Lake rows win: they replace pre-check rows of the same visit.
- **settled pre-check calls**: a ``settle`` call whose decision is not ``block`` is queued with its
  answer and written by the process's ``HistoryWriter`` thread within ≈0.2–0.5 s (one transaction
  for everything queued in ``LINGER``); a later call for the same ``mdtrt_id`` replaces it, a visit
  already copied from the lake is never overwritten. Of its fee lines only those a FREQUENCY or
  OVERUSE rule of the knowledge in force can read are kept (the only readers of history lines;
  ``precheck.history_all_lines`` keeps them all): a windowed rule added later counts the lake's lines
  and the pre-check lines settled after it took effect.

A request never sees its own ``mdtrt_id`` (or its own ``feedetl_sn``) in the history: the request is
the newest state of that visit. Given the same rows, the fast path answers exactly like batch audit.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as clock

import duckdb
from sqlalchemy import DateTime, and_, bindparam, delete, false, func, or_, select, union_all
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from fundguard import db, lake
from fundguard.precheck.fastpath import History, Index, Needs, reads_history_line
from fundguard.precheck.models import HistoryBatch, HistoryDiag, HistoryLine, HistoryTrace, HistoryVisit
from fundguard.precheck.prepared import Statements
from fundguard.profiles import get_profile
from fundguard.timeutil import now, today

log = logging.getLogger("fundguard.precheck.history")

LAKE, PRECHECK = "lake", "precheck"
TABLES = (HistoryVisit, HistoryDiag, HistoryLine, HistoryTrace)
CHUNK = 500
READ_ROWS = 50_000
LAKE_TABLES = ("mdtrt", "diag", "fee_list", "trace")


# ------------------------------------------------------------------ rows of one visit


def visit_rows(
    visit: dict, source: str = PRECHECK, batch_id: str = "", index: Index | None = None
) -> dict[str, list[dict]]:
    """History rows of one request-shaped visit (``mdtrt``/``diag``/``fee_list``/``trace`` lists).

    With ``index``, only the fee lines a FREQUENCY or OVERUSE rule of that knowledge can read
    (``fastpath.reads_history_line``); trace rows still take their line's fee time.
    """
    m = visit["mdtrt"][0]
    tag = {"source": source, "batch_id": batch_id}
    mdtrt_id = m["mdtrt_id"]
    lines = [f for f in visit.get("fee_list", []) if f.get("mdtrt_id", mdtrt_id) == mdtrt_id]
    fee_time = {f["feedetl_sn"]: f["fee_ocur_time"] for f in lines}
    traces = {}
    for t in visit.get("trace", []):
        if t["feedetl_sn"] in fee_time:
            key = (t["feedetl_sn"], t["drug_trac_codg"])
            sort_time = t.get("scan_time") or fee_time[t["feedetl_sn"]]
            traces[key] = {"mdtrt_id": mdtrt_id, "feedetl_sn": key[0], "drug_trac_codg": key[1],
                           "sort_time": sort_time, **tag}  # fmt: skip
    lines_by_sn = {}
    for f in lines:
        if index is not None and not reads_history_line(index, f["med_list_codg"]):
            continue
        lines_by_sn[f["feedetl_sn"]] = {
            "mdtrt_id": mdtrt_id,
            "feedetl_sn": f["feedetl_sn"],
            "psn_no": f.get("psn_no") or m["psn_no"],
            "fixmedins_code": f.get("fixmedins_code") or m["fixmedins_code"],
            "fee_ocur_time": f["fee_ocur_time"],
            "med_list_codg": f["med_list_codg"],
            "cnt": f["cnt"],
            **tag,
        }
    diags = {
        d["diag_code"]: {"mdtrt_id": mdtrt_id, "diag_code": d["diag_code"], **tag}
        for d in visit.get("diag", [])
        if d.get("maindiag_flag") == "1" and d.get("diag_code")
    }
    return {
        "visit": [
            {
                "mdtrt_id": mdtrt_id,
                "psn_no": m["psn_no"],
                "fixmedins_code": m["fixmedins_code"],
                "gend": m.get("gend"),
                "med_type": m.get("med_type"),
                "begntime": m["begntime"],
                "endtime": m.get("endtime"),
                "dscg_maindiag_code": m.get("dscg_maindiag_code"),
                **tag,
            }
        ],
        "diag": list(diags.values()),
        "line": list(lines_by_sn.values()),
        "trace": list(traces.values()),
    }


def history_from_tables(
    tables: dict[str, list[dict]], mdtrt_id: str, exclude_sns: Iterable[str] = ()
) -> History:
    """The complete history of a city held in memory (typed contract rows), seen by visit ``mdtrt_id``.

    Same rows as the store would return for that visit, unfiltered (tests and benchmarks).
    """
    skip = set(exclude_sns)
    visits = {m["mdtrt_id"]: m for m in tables.get("mdtrt", []) if m["mdtrt_id"] != mdtrt_id}
    flagged: dict[str, list[str]] = {}
    for d in tables.get("diag", []):
        if d.get("maindiag_flag") == "1" and d.get("diag_code"):
            flagged.setdefault(d["mdtrt_id"], []).append(d["diag_code"])
    out = History()
    for m in visits.values():
        main = m.get("dscg_maindiag_code")
        if main is None and flagged.get(m["mdtrt_id"]):
            main = min(flagged[m["mdtrt_id"]])
        out.visits.append({**_visit_fields(m), "main_diag_code": main})
    fee_time = {}
    for f in tables.get("fee_list", []):
        fee_time.setdefault(f["feedetl_sn"], f["fee_ocur_time"])
        if f["mdtrt_id"] in visits and f["feedetl_sn"] not in skip:
            out.lines.append(
                {
                    "feedetl_sn": f["feedetl_sn"],
                    "mdtrt_id": f["mdtrt_id"],
                    "psn_no": f["psn_no"],
                    "fixmedins_code": f["fixmedins_code"],
                    "visit_fixmedins_code": visits[f["mdtrt_id"]]["fixmedins_code"],
                    "fee_ocur_time": f["fee_ocur_time"],
                    "med_list_codg": f["med_list_codg"],
                    "cnt": f["cnt"],
                }
            )
    line_visit = {f["feedetl_sn"]: f["mdtrt_id"] for f in tables.get("fee_list", [])}
    for t in tables.get("trace", []):
        sn = t["feedetl_sn"]
        if sn in fee_time and sn not in skip and line_visit.get(sn) != mdtrt_id:
            out.traces.append(
                {
                    "drug_trac_codg": t["drug_trac_codg"],
                    "feedetl_sn": sn,
                    "sort_time": t.get("scan_time") or fee_time[sn],
                }
            )
    return out


def _visit_fields(m: dict) -> dict:
    return {
        k: m.get(k)
        for k in ("mdtrt_id", "psn_no", "fixmedins_code", "gend", "med_type", "begntime", "endtime")
    }


# ------------------------------------------------------------------ reading (per request)


_V = HistoryVisit.__table__.c
_D = HistoryDiag.__table__.c
_L = HistoryLine.__table__.c
_T = HistoryTrace.__table__.c
_MAIN = (
    select(func.min(_D.diag_code))
    .where(_D.mdtrt_id == _V.mdtrt_id)
    .correlate(HistoryVisit.__table__)
    .scalar_subquery()
)
_VISIT_COLS = (
    _V.mdtrt_id, _V.psn_no, _V.fixmedins_code, _V.gend, _V.med_type, _V.begntime, _V.endtime,
    func.coalesce(_V.dscg_maindiag_code, _MAIN).label("main_diag_code"),
)  # fmt: skip
_MINE = and_(_V.psn_no == bindparam("psn"), _V.mdtrt_id != bindparam("mdtrt_id"))
_BEFORE = or_(
    _V.begntime < bindparam("begntime", type_=DateTime()),
    and_(_V.begntime == bindparam("begntime", type_=DateTime()), _V.mdtrt_id < bindparam("mdtrt_id")),
)
_VISIT_PARTS = {
    # IMP-P02: the patient's earliest visit with a known sex
    "first_gend": lambda _: select(*_VISIT_COLS).where(_MINE, or_(_V.gend == "1", _V.gend == "2"))
    .order_by(_V.begntime, _V.mdtrt_id).limit(1),
    # SPL-P01: the previous inpatient stay at the same institution
    "prev_inpatient": lambda inpatient: select(*_VISIT_COLS)
    .where(_MINE, _V.fixmedins_code == bindparam("inst"), inpatient, _BEFORE)
    .order_by(_V.begntime.desc(), _V.mdtrt_id.desc())
    .limit(1),
    # IMP-P01: inpatient stays elsewhere that began earlier and were still open at begntime
    "overlaps": lambda inpatient: select(*_VISIT_COLS).where(
        _MINE, _V.fixmedins_code != bindparam("inst"), inpatient, _BEFORE,
        _V.endtime > bindparam("begntime", type_=DateTime()),
    ),
}  # fmt: skip
STATEMENTS = Statements()  # the per-request lookups and the writer's inserts, compiled once per dialect


def _visit_query(parts: tuple[str, ...], n_types: int):
    """One statement (UNION ALL of the wanted parts) for a combination and number of inpatient types
    (plain parameters ``type0``…: a prepared statement cannot hold an expanding IN)."""
    inpatient = _V.med_type.in_([bindparam(f"type{i}") for i in range(n_types)]) if n_types else false()
    selects = [_VISIT_PARTS[p](inpatient).subquery(p).select() for p in parts]
    return selects[0] if len(selects) == 1 else union_all(*selects)


_LINES = (
    select(_L.feedetl_sn, _L.mdtrt_id, _L.psn_no, _L.fixmedins_code, _V.fixmedins_code.label("visit_fixmedins_code"),
           _L.fee_ocur_time, _L.med_list_codg, _L.cnt)
    .join_from(HistoryLine.__table__, HistoryVisit.__table__, _V.mdtrt_id == _L.mdtrt_id)
    .where(_L.psn_no == bindparam("psn"), _L.fee_ocur_time >= bindparam("lo", type_=DateTime()),
           _L.fee_ocur_time <= bindparam("hi", type_=DateTime()), _L.mdtrt_id != bindparam("mdtrt_id"))
)  # fmt: skip
_TRACES = select(_T.drug_trac_codg, _T.feedetl_sn, _T.sort_time).where(
    _T.drug_trac_codg.in_(bindparam("codes", expanding=True)), _T.mdtrt_id != bindparam("mdtrt_id")
)


def fetch(store: Session | Connection | RequestStore, need: Needs) -> History:
    """The rows ``need`` asks for: at most three indexed queries (none when no history rule applies)."""
    out = History()
    if not need.any:
        return out
    conn = store if isinstance(store, Connection) else store.connection()
    parts = tuple(p for p in ("first_gend", "prev_inpatient", "overlaps") if getattr(need, p))
    if parts:
        types = sorted(need.inpatient_types)
        params = {"psn": need.psn_no, "mdtrt_id": need.mdtrt_id, "begntime": need.begntime,
                  "inst": need.fixmedins_code, **{f"type{i}": t for i, t in enumerate(types)}}  # fmt: skip
        seen = set()
        query = STATEMENTS.get(conn, ("visits", parts, len(types)), lambda: _visit_query(parts, len(types)))
        for r in query.rows(conn, params):
            if r["mdtrt_id"] not in seen:
                seen.add(r["mdtrt_id"])
                out.visits.append(r)
    if need.line_window:
        lo, hi = need.line_window
        params = {
            "psn": need.psn_no,
            "lo": datetime.combine(lo, datetime.min.time()),
            "hi": hi,
            "mdtrt_id": need.mdtrt_id,
        }
        lines = STATEMENTS.get(conn, "lines", lambda: _LINES).rows(conn, params)
        out.lines = [r for r in lines if r["feedetl_sn"] not in need.exclude_sns]
    if need.trace_codes:
        codes = sorted(need.trace_codes)
        for i in range(0, len(codes), CHUNK):
            rows = conn.execute(
                _TRACES, {"codes": codes[i : i + CHUNK], "mdtrt_id": need.mdtrt_id}
            ).mappings()
            out.traces += [dict(r) for r in rows if r["feedetl_sn"] not in need.exclude_sns]
    return out


# ------------------------------------------------------------------ writing: settled pre-check calls


def record_visits(session: Session, visits: list[dict], index: Index | None = None) -> int:
    """Store settled visits in ``session`` (the last copy of a visit wins; lake copies are kept).

    With ``index`` (the knowledge the visits were checked with), only the fee lines its windowed
    rules can read are stored (``visit_rows``); None stores every line.
    """
    latest = {v["mdtrt"][0]["mdtrt_id"]: v for v in visits}
    ids = sorted(latest)
    stored: dict[str, str] = {}  # mdtrt_id -> source of the copy already in the store
    v = HistoryVisit.__table__.c
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        query = select(v.mdtrt_id, v.source).where(v.mdtrt_id.in_(part))
        stored.update((r[0], r[1]) for r in session.connection().execute(query))
    ids = [i for i in ids if stored.get(i) != LAKE]
    replaced = [i for i in ids if stored.get(i) == PRECHECK]  # an earlier copy: its rows go first
    for i in range(0, len(replaced), CHUNK):
        part = replaced[i : i + CHUNK]
        for model in TABLES:
            session.connection().execute(
                delete(model).where(model.mdtrt_id.in_(part), model.source == PRECHECK)
            )
            _yield()
    rows: dict[str, list[dict]] = {"visit": [], "diag": [], "line": [], "trace": []}
    for mdtrt_id in ids:
        for name, part in visit_rows(latest[mdtrt_id], index=index).items():
            rows[name] += part
        _yield()
    _insert(session, rows)
    return len(ids)


def _yield() -> None:
    """Let a request thread that waits for the GIL run now: history writes and lake copies run in
    background threads of serving processes and must not hold requests for a switch interval (5 ms)."""
    time.sleep(0)


class HistoryWriter:
    """Writes settled visits into the history store right after their answers, off the request path.

    One daemon thread per process takes what was queued within ``LINGER`` of the first visit (up to
    ``BATCH`` visits) and writes it in one transaction: a pre-check never waits for a commit, and under
    load many visits share one commit. A batch that fails (a concurrent write of the same visit by another worker) is retried one
    visit per transaction; what still fails is logged, never raised. ``flush()`` waits for the queue.
    """

    BATCH = 500
    LINGER = 0.2  # seconds to gather more visits into one transaction after the first one arrives
    MAX_QUEUED = 50_000

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=self.MAX_QUEUED)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def put(self, visit: dict, maker: sessionmaker, index: Index | None = None) -> None:
        """Queue a settled visit; with ``index``, only its lines that index's windowed rules can read."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="precheck-history-writer", daemon=True)
                self._thread.start()
        try:
            self._queue.put_nowait((visit, maker, index))
        except queue.Full:
            log.warning(
                "pre-check history: queue full, visit %s not recorded", visit["mdtrt"][0].get("mdtrt_id")
            )

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued visit is written (True) or the timeout passed (False)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            time.sleep(self.LINGER)
            while len(batch) < self.BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                groups: dict[tuple[int, int], tuple[sessionmaker, Index | None, list[dict]]] = {}
                for visit, maker, index in batch:
                    groups.setdefault((id(maker), id(index)), (maker, index, []))[2].append(visit)
                for maker, index, visits in groups.values():
                    self._write(maker, visits, index)
            except Exception:  # noqa: BLE001 — the writer thread must survive anything
                log.warning("pre-check history: batch not recorded", exc_info=True)
            finally:
                for _ in batch:
                    self._queue.task_done()

    @staticmethod
    def _write(maker: sessionmaker, visits: list[dict], index: Index | None) -> None:
        try:
            with maker() as session, session.begin():
                record_visits(session, visits, index)
            return
        except SQLAlchemyError:
            log.info("pre-check history: batch of %d failed, retrying one by one", len(visits), exc_info=True)
        for visit in visits:
            try:
                with maker() as session, session.begin():
                    record_visits(session, [visit], index)
            except SQLAlchemyError:
                log.warning(
                    "pre-check history: visit %s not recorded",
                    visit["mdtrt"][0].get("mdtrt_id"),
                    exc_info=True,
                )


WRITER = HistoryWriter()


class RequestStore:
    """One request's store access: a Core connection for history reads (a fraction of an ORM session's
    cost), and an ORM session only when something is written (the audit log of a block)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._session: Session | None = None

    def connection(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect()
        return self._conn

    def session(self) -> Session:
        if self._session is None:
            self._session = db.maker_for(self.engine)()
        return self._session

    def close(self, ok: bool) -> None:
        try:
            if self._session is not None:
                if ok:
                    self._session.commit()
                else:
                    self._session.rollback()
        finally:
            if self._session is not None:
                self._session.close()
            if self._conn is not None:
                self._conn.close()


@contextmanager
def request_store() -> Iterator[RequestStore]:
    from fundguard.db import get_engine

    store = RequestStore(get_engine())
    try:
        yield store
    except BaseException:
        store.close(ok=False)
        raise
    store.close(ok=True)


def _insert(session: Session, rows: dict[str, list[dict]]) -> None:
    for name, model in (
        ("visit", HistoryVisit),
        ("diag", HistoryDiag),
        ("line", HistoryLine),
        ("trace", HistoryTrace),
    ):
        batch = rows.get(name) or []
        for i in range(0, len(batch), READ_ROWS):
            _ins(session, model, batch[i : i + READ_ROWS])


def _ins(session: Session, model, rows: list[dict]) -> None:
    """A prepared executemany (Core's costs several times more per row; the ORM's more still), in
    small steps. Every row carries the keys of the first (``visit_rows`` and the lake reader)."""
    conn = session.connection()
    statement = STATEMENTS.insert(conn, model.__table__, tuple(rows[0]))
    for i in range(0, len(rows), 100):
        statement.run_many(conn, rows[i : i + 100])
        _yield()


# ------------------------------------------------------------------ pruning


def line_cutoff(on: date | None = None) -> datetime:
    """Fee lines before this moment are older than any rule window (``precheck.history_line_retention_days``)."""
    days = int(get_profile()["precheck.history_line_retention_days"])
    return datetime.combine((on or today()) - timedelta(days=days), clock.min)


def prune_lines(session: Session, on: date | None = None, dry_run: bool = False) -> tuple[datetime, int]:
    """Delete history fee lines (from the lake and from pre-check calls) older than ``line_cutoff``.

    Only lines: FREQUENCY and OVERUSE read a patient's lines within a window of at most 366 days before
    the request's fees, so older lines are read only for fees older than the retention's margin (a
    late claim then sees less history: a missed finding, never a false one), and lines are most of
    the store. Visits, diagnoses and trace codes stay: IMP-P02 compares with the first sex ever
    recorded and TRC-P01 with every earlier sale of a code.
    One statement in the caller's transaction (all or nothing). Returns (cutoff, lines deleted or, with
    ``dry_run``, to delete).
    """
    cutoff = line_cutoff(on)
    old = HistoryLine.fee_ocur_time < cutoff
    if dry_run:
        return cutoff, session.scalar(select(func.count()).select_from(HistoryLine).where(old)) or 0
    return cutoff, session.execute(delete(HistoryLine).where(old)).rowcount or 0


# ------------------------------------------------------------------ writing: the lake


def synced_batch_ids(session: Session) -> set[str]:
    return set(session.execute(select(HistoryBatch.batch_id)).scalars())


def pending_batches(session: Session, committed: Iterable[str] | None = None) -> list[str]:
    """Committed lake batches not yet in the history store, oldest first."""
    done = synced_batch_ids(session)
    ids = lake.committed_batch_ids() if committed is None else list(committed)
    return [b for b in ids if b not in done]


def lake_plan(batch_ids: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """The Parquet files to copy, per batch and table (resolved now, read later)."""
    return {b: {t: lake.table_files(t, [b]) for t in LAKE_TABLES} for b in batch_ids}


def _scan(con: duckdb.DuckDBPyConnection, name: str, table: str, files: list[str]) -> None:
    """A view of one batch's table with every contract column (missing optional columns are NULL)."""
    empty = lake.empty_select(table)
    if not files:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {empty}")
        return
    file_list = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    scan = f"read_parquet([{file_list}], union_by_name=true, hive_partitioning=false)"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM ({empty}) UNION ALL BY NAME SELECT * FROM {scan}"
    )


def _batches(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    reader = con.sql(sql, params=params or []).to_arrow_reader(READ_ROWS)
    for batch in reader:
        yield batch.to_pylist()


def sync_batch(session: Session, batch_id: str, files: dict[str, list[str]]) -> dict[str, int]:
    """Copy one lake batch (idempotent: the batch's earlier copy is replaced). Caller commits."""
    for model in TABLES:
        session.execute(delete(model).where(model.batch_id == batch_id))
    session.execute(delete(HistoryBatch).where(HistoryBatch.batch_id == batch_id))
    con = duckdb.connect()
    counts = {"visits": 0, "lines": 0, "traces": 0}
    try:
        for table in LAKE_TABLES:
            _scan(con, f"b_{table}", table, files.get(table, []))
        ids = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT mdtrt_id FROM b_mdtrt UNION SELECT DISTINCT mdtrt_id FROM b_fee_list"
            ).fetchall()
        }
        local = (
            set(
                session.execute(
                    select(HistoryVisit.mdtrt_id).where(HistoryVisit.source == PRECHECK)
                ).scalars()
            )
            & ids
        )
        stale = sorted(local)
        for i in range(0, len(stale), CHUNK):
            part = stale[i : i + CHUNK]
            for model in TABLES:
                session.execute(delete(model).where(model.mdtrt_id.in_(part), model.source == PRECHECK))
        tag = f"'{LAKE}' AS source, ? AS batch_id"
        for rows in _batches(
            con,
            "SELECT DISTINCT ON (mdtrt_id) mdtrt_id, psn_no, fixmedins_code, gend, med_type, begntime, endtime,"
            f" dscg_maindiag_code, {tag} FROM b_mdtrt WHERE mdtrt_id IS NOT NULL AND psn_no IS NOT NULL"
            " AND fixmedins_code IS NOT NULL AND begntime IS NOT NULL",
            [batch_id],
        ):
            counts["visits"] += len(rows)
            _ins(session, HistoryVisit, rows)
        for rows in _batches(
            con,
            f"SELECT DISTINCT mdtrt_id, diag_code, {tag} FROM b_diag WHERE maindiag_flag = '1' AND diag_code IS NOT NULL",
            [batch_id],
        ):
            _ins(session, HistoryDiag, rows)
        for rows in _batches(
            con,
            "SELECT DISTINCT ON (mdtrt_id, feedetl_sn) mdtrt_id, feedetl_sn, psn_no, fixmedins_code, fee_ocur_time,"
            f" med_list_codg, cnt, {tag} FROM b_fee_list WHERE feedetl_sn IS NOT NULL AND mdtrt_id IS NOT NULL"
            " AND psn_no IS NOT NULL AND fixmedins_code IS NOT NULL AND fee_ocur_time IS NOT NULL"
            " AND med_list_codg IS NOT NULL AND cnt IS NOT NULL",
            [batch_id],
        ):
            counts["lines"] += len(rows)
            _ins(session, HistoryLine, rows)
        session.flush()
        # Trace rows: sort time = coalesce(scan_time, the line's fee time); the line may be in an earlier batch.
        missing = []
        for rows in _batches(
            con,
            "SELECT DISTINCT ON (f.mdtrt_id, t.feedetl_sn, t.drug_trac_codg) f.mdtrt_id, t.feedetl_sn,"
            " t.drug_trac_codg, coalesce(t.scan_time, f.fee_ocur_time) AS sort_time, t.scan_time"
            f", {tag} FROM b_trace t LEFT JOIN b_fee_list f ON f.feedetl_sn = t.feedetl_sn"
            " WHERE t.feedetl_sn IS NOT NULL AND t.drug_trac_codg IS NOT NULL",
            [batch_id],
        ):
            found = [r for r in rows if r["mdtrt_id"] is not None]
            missing += [r for r in rows if r["mdtrt_id"] is None]
            for r in found:
                r.pop("scan_time")
            if found:
                counts["traces"] += len(found)
                _ins(session, HistoryTrace, found)
        ln = HistoryLine.__table__.c
        for i in range(0, len(missing), CHUNK):
            part = missing[i : i + CHUNK]
            known = {
                r.feedetl_sn: (r.mdtrt_id, r.fee_ocur_time)
                for r in session.execute(
                    select(ln.feedetl_sn, ln.mdtrt_id, ln.fee_ocur_time).where(
                        ln.feedetl_sn.in_({r["feedetl_sn"] for r in part}), ln.source == LAKE
                    )
                )
            }
            rows = []
            for r in part:
                scan_time = r.pop("scan_time")
                if r["feedetl_sn"] in known:
                    mdtrt_id, fee_time = known[r["feedetl_sn"]]
                    rows.append({**r, "mdtrt_id": mdtrt_id, "sort_time": scan_time or fee_time})
            if rows:
                counts["traces"] += len(rows)
                _ins(session, HistoryTrace, rows)
    finally:
        con.close()
    session.add(HistoryBatch(batch_id=batch_id, synced_at=now(), **counts))
    session.flush()
    return counts


def sync_lake(
    batch_ids: Iterable[str] | None = None, session_maker: sessionmaker | None = None
) -> dict[str, dict]:
    """Copy every pending (or the given) lake batch; one transaction per batch. Returns counts per batch."""
    from fundguard.db import session_factory

    maker = session_maker or session_factory()
    with maker() as session:
        ids = pending_batches(session) if batch_ids is None else list(batch_ids)
    return _sync_plan(lake_plan(ids), maker)


def _sync_plan(plan: dict[str, dict[str, list[str]]], maker: sessionmaker) -> dict[str, dict]:
    done = {}
    for batch_id, files in plan.items():
        with maker() as session:
            try:
                done[batch_id] = sync_batch(session, batch_id, files)
                session.commit()
            except BaseException:
                session.rollback()
                raise
    return done


# ------------------------------------------------------------------ automatic copy in a serving worker

_auto = {"thread": None}
_auto_lock = threading.Lock()


def sync_in_background(session: Session, committed: list[str]) -> threading.Thread | None:
    """Start copying pending batches in a daemon thread (at most one per process); None if nothing to do."""
    pending = pending_batches(session, committed)
    if not pending:
        return None
    with _auto_lock:
        running = _auto["thread"]
        if running is not None and running.is_alive():
            return None
        plan = lake_plan(pending)
        maker = sessionmaker(bind=session.get_bind(), expire_on_commit=False)

        def work() -> None:
            try:
                _sync_plan(plan, maker)
            except Exception:  # noqa: BLE001 — another worker may be copying the same batch; retried later
                log.warning("pre-check history: lake copy failed (retried at the next check)", exc_info=True)

        thread = threading.Thread(target=work, name="precheck-history-sync", daemon=True)
        _auto["thread"] = thread
        thread.start()
        return thread


def wait_for_background(timeout: float = 60.0) -> None:
    thread = _auto["thread"]
    if thread is not None:
        thread.join(timeout)
