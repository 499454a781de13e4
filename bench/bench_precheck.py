"""Pre-check latency: ``fundguard serve`` (2 uvicorn workers) on loopback under a bounded open-loop load.

Realistic visits of 10–40 fee lines — every request a new visit of one of 10,000 patients, spread
over 2026 — are posted at a target rate (1,000 req/s full, 500 quick), count- and time-limited, by a
minimal keep-alive HTTP/1.1 client on uvloop protocol callbacks (cheap per request, so the shared
cores go to the server); three runs, reported by the median run's p99 (all three in the notes); throughput, p50 and
p99 against ``GET /healthz`` of the same app measured the same way (before and after; the more loaded
of the two is kept). Also in-process: the fast path per visit against the SQL templates per request
(the 0011 design) on the same knowledge.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import uvloop

INST = "H11010500001"
# 1,000 requests/s come from many institutions: one key each keeps every key under the profile's
# per-key rate limit (precheck.rate_limit_per_minute), as in production.
INSTITUTIONS = [f"H110105{i:05d}" for i in range(1, 21)]
TARGET_P99_MS = 10.0
VISIT_DAYS = 300
WARD_ROUND = "001102000050000"  # 住院诊查费: FRQ-N01 (national table), at most one a day


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(home: Path, full_knowledge: bool) -> str:
    os.environ["FUNDGUARD_HOME"] = str(home)
    os.environ["FUNDGUARD_DATABASE_URL"] = f"sqlite:///{home}/fundguard.db"
    from fundguard import db, migrate, settings

    settings.reset_settings_cache()
    db.reset_engines()
    migrate.upgrade()
    from fundguard.auth import service as auth_service
    from fundguard.rules import service as rules_service

    with db.session_scope() as s:
        if full_knowledge:
            rules_service.import_knowledge(s, "all")
        else:
            rules_service.import_set(s, "platform")
        raw, _ = auth_service.create_api_key(s, INST, actor="bench")
        KEYS.update({code: auth_service.create_api_key(s, code, actor="bench")[0] for code in INSTITUTIONS})
    return raw


KEYS: dict[str, str] = {}


def _visit(rng: random.Random, i: int) -> dict:
    """Visit ``i``: its own mdtrt_id and fee lines (a settled visit joins the history once, as in
    production), one of 10,000 patients, on one of ``VISIT_DAYS`` days of 2026. An inpatient visit
    bills a ward round, so the FREQUENCY rule reads the patient's history lines and the history
    writer keeps that line (decision 0021)."""
    n = rng.randint(10, 40)
    day = date(2026, 1, 1) + timedelta(days=i % VISIT_DAYS)
    lines = []
    for k in range(n):
        price = round(rng.uniform(1, 300), 2)
        cnt = rng.randint(1, 3)
        lines.append(
            {
                "feedetl_sn": f"B{i}-{k}",
                "med_list_codg": rng.choice(["001202000010000", "XJ01CRA040A001010100000", f"00{k:013d}"]),
                "cnt": cnt,
                "pric": price,
                "det_item_fee_sumamt": round(price * cnt, 2),
                "fee_ocur_time": f"{day} {9 + k % 8:02d}:{k % 60:02d}:00",
                "bilg_dr_codg": f"D1101050{rng.randint(0, 50):05d}",
            }
        )
    scene, psn_no, gend, age = (
        rng.choice(["pre", "settle"]),
        f"P{rng.randint(0, 9999)}",
        rng.choice(["1", "2"]),
        rng.randint(0, 90),
    )
    med_type = rng.choice(["11", "21"])
    if med_type == "21":  # an inpatient day has its ward round, which FREQUENCY counts across visits
        lines[0].update(med_list_codg=WARD_ROUND, cnt=1, pric=25.0, det_item_fee_sumamt=25.0)
    return {
        "scene": scene,
        "mdtrt": {
            "mdtrt_id": f"BM{i}",
            "psn_no": psn_no,
            "gend": gend,
            "age": age,
            "fixmedins_code": INST,
            "med_type": med_type,
            "begntime": f"{day} 08:00:00",
        },
        "diag": [{"diag_code": "J06.900", "maindiag_flag": "1"}],
        "fee_list": lines,
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants (Linux /proc; 0.0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def _measured(proc, load) -> dict:
    """Run one load and add the server's CPU milliseconds per answered request (robust on a shared machine)."""
    before = _cpu_seconds(proc.pid)
    result = uvloop.run(load)  # the same fast loop the server runs: the generator's CPU is the server's loss
    result["cpu_ms"] = (_cpu_seconds(proc.pid) - before) * 1000 / max(result["n"], 1)
    return result


def _request_bytes(host: str, port: int, method: str, path: str, body: dict | None, headers: dict) -> bytes:
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


class _Conn(asyncio.Protocol):
    """One keep-alive connection of the load generator: sends a request, parses the answer in place."""

    def __init__(self, load: _Load) -> None:
        self.load, self.transport, self.buf, self.due, self.need = load, None, bytearray(), 0.0, -1
        self.status, self.close = 0, False

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.load.release(self)

    def send(self, payload: bytes, due: float) -> None:
        self.due, self.need = due, -1
        self.transport.write(payload)

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if self.need < 0:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end])
            length, self.close, self.status = 0, False, int(head[9:12])
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    self.close = b"close" in value.lower()
            self.need = end + 4 + length
        if len(buf) < self.need:
            return
        due, self.due = self.due, 0.0
        self.load.done(due, self.status != 200)
        del buf[:]
        if self.close:  # the server recycles keep-alive connections (settings.keepalive_requests)
            self.transport.close()  # connection_lost opens the next one
        else:
            self.load.release(self)

    def connection_lost(self, exc) -> None:
        if self.due:  # a request was in flight: an error
            self.due = 0.0
            self.load.failed()
        elif self in self.load.idle:
            self.load.idle.remove(self)
        self.load.reconnect()


class _Load:
    """Open-loop load on keep-alive connections with a minimal HTTP/1.1 client on protocol callbacks
    (no task, stream or queue per request: about two thirds of the CPU of asyncio streams, and the
    generator shares the 2 cores with the server). Latency counts from the moment a request was due, so
    queueing in the client is not hidden (no coordinated omission)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[_Conn] = []
        self.backlog: collections.deque = collections.deque()
        self.latencies: list[float] = []
        self.errors = self.finished = 0
        self.all_done = asyncio.Event()
        self.expected = -1
        self.closing = False

    async def connect(self) -> None:
        await asyncio.get_running_loop().create_connection(lambda: _Conn(self), self.host, self.port)

    def reconnect(self) -> None:
        if not self.closing:
            asyncio.ensure_future(self.connect())

    def dispatch(self, payload: bytes, due: float) -> None:
        if self.idle:
            self.idle.pop().send(payload, due)
        else:
            self.backlog.append((payload, due))

    def release(self, conn: _Conn) -> None:
        if self.backlog:
            conn.send(*self.backlog.popleft())
        else:
            self.idle.append(conn)

    def done(self, due: float, error: bool) -> None:
        self.latencies.append((time.perf_counter() - due) * 1000)
        self.errors += error
        self._count()

    def failed(self) -> None:
        self.errors += 1
        self._count()

    def _count(self) -> None:
        self.finished += 1
        if self.finished == self.expected:
            self.all_done.set()


async def _load(
    host: str, port: int, payloads: list[bytes], rate: float, seconds: float, count: int, conns: int = 32
):
    load = _Load(host, port)
    for _ in range(conns):
        await load.connect()
    # The generator must not pause: a full collection over its garbage stalled it for 100+ ms, and
    # every request due meanwhile counted that as server latency.
    gc.collect()
    gc.freeze()
    gc.disable()
    cpu, start = time.process_time(), time.perf_counter()
    sent = 0
    try:
        for i in range(count):
            due = start + i / rate
            if due - start > seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            load.dispatch(payloads[i % len(payloads)], due)
            sent += 1
        load.expected = sent
        if load.finished < sent:
            await asyncio.wait_for(load.all_done.wait(), timeout=120)
    finally:
        gc.enable()
        gc.unfreeze()
    elapsed = time.perf_counter() - start
    client_cpu = time.process_time() - cpu
    load.closing = True
    for conn in load.idle:
        conn.transport.close()
    latencies = sorted(load.latencies)
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")  # noqa: E731
    return {
        "n": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": pct(0.5),
        "p99": pct(0.99),
        "errors": load.errors,
        "client_cpu_ms": client_cpu * 1000 / max(len(latencies), 1),
    }


def _in_process(raw_bodies: list[dict], full_knowledge: bool) -> list[dict]:
    """Evaluation cost per visit in this process: the fast path against the SQL templates per request
    (the 0011 design), same snapshot knowledge; and the whole service call (auth excluded)."""
    from fundguard import db
    from fundguard.precheck import evaluator, reload, service
    from fundguard.precheck.schemas import PrecheckRequest
    from fundguard.profiles import get_profile
    from fundguard.rules import engine
    from fundguard.rules import service as rules_service

    snap = reload.refresh()
    visits = [service.visit_rows(PrecheckRequest.model_validate(b)) for b in raw_bodies]
    n = 400
    t = time.perf_counter()
    for i in range(n):
        evaluator.evaluate(snap, visits[i % len(visits)])
    fast_ms = (time.perf_counter() - t) / n * 1000
    with db.session_scope() as s:
        knowledge = rules_service.load_knowledge(s)
    params = evaluator.precheck_params(engine.rule_params(get_profile()))
    templates = [x for x in engine.templates_to_run(knowledge) if x not in evaluator.BATCH_ONLY_TEMPLATES]
    sql = evaluator._build_sql(knowledge, params, reload.master_tables(), templates)
    m = 10
    t = time.perf_counter()
    for i in range(m):
        evaluator._evaluate_sql(sql, visits[i])
    sql_ms = (time.perf_counter() - t) / m * 1000
    sql.con.close()
    caller = service.Caller(0, INST)
    reqs = [PrecheckRequest.model_validate(dict(b, scene="pre")) for b in raw_bodies]
    t = time.perf_counter()
    for i in range(n):
        with db.session_scope() as s:
            service.precheck(s, caller, reqs[i % len(reqs)])
    service_ms = (time.perf_counter() - t) / n * 1000
    knowledge_note = "all rule sets" if full_knowledge else "platform rules only"
    return [
        {"name": "precheck evaluate in-process (fast path)", "value": round(fast_ms, 3), "unit": "ms/visit",
         "baseline_name": "same visits, SQL templates per request (0011)", "baseline_value": round(sql_ms, 1),
         "ratio": round(fast_ms / sql_ms, 4) if sql_ms else None, "notes": f"{knowledge_note}; 10–40 lines per visit"},
        {"name": "precheck service call in-process", "value": round(service_ms, 3), "unit": "ms/visit",
         "baseline_name": "fast path evaluate only", "baseline_value": round(fast_ms, 3),
         "ratio": round(service_ms / fast_ms, 2) if fast_ms else None,
         "notes": "validation excluded; history lookups, severity mapping, audit of blocks, one store session"},
    ]  # fmt: skip


def run(quick: bool) -> list[dict]:
    home = Path(tempfile.mkdtemp(prefix="fg-bench-precheck-"))
    raw = _prepare(home, full_knowledge=not quick)
    port = _free_port()
    env = dict(os.environ)
    # The command a bureau runs (README), without the per-request access log at this rate.
    cmd = [
        str(Path(sys.executable).with_name("fundguard")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    cmd += ["--workers", "2", "--no-access-log"]
    log = open(home / "uvicorn.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        rng = random.Random(1)
        bodies = [_visit(rng, i) for i in range(200)]
        headers = {"X-API-Key": raw}
        for _ in range(4):  # warm both workers' snapshots
            for b in bodies[:10]:
                httpx.post(f"{base}/api/v1/precheck", json=b, headers=headers, timeout=120)
        # Several shorter runs, reported by the median run's p99: on a shared VM one run's tail moves
        # 2× with the neighbours. Every request is a new visit (ids after the warm-up's).
        rate, seconds, runs = (500.0, 6.0, 1) if quick else (1000.0, 10.0, 3)
        count = int(rate * seconds)

        def post(i: int) -> bytes:
            body = _visit(rng, i)
            inst = INSTITUTIONS[i % len(INSTITUTIONS)]
            body["mdtrt"]["fixmedins_code"] = inst
            return _request_bytes(
                "127.0.0.1", port, "POST", "/api/v1/precheck", body, {"X-API-Key": KEYS[inst]}
            )

        loads = [[post(1000 + r * count + i) for i in range(count)] for r in range(runs)]
        gets = [_request_bytes("127.0.0.1", port, "GET", "/healthz", None, {})]
        noop = _measured(proc, _load("127.0.0.1", port, gets, rate, seconds, count))
        pcs = sorted(
            (_measured(proc, _load("127.0.0.1", port, p, rate, seconds, count)) for p in loads),
            key=lambda r: r["p99"],
        )
        pc = pcs[len(pcs) // 2]
        noop2 = _measured(proc, _load("127.0.0.1", port, gets, rate, seconds, count))
        if noop2["p99"] > noop["p99"]:  # the machine is shared: keep the baseline run that was more loaded
            noop = noop2
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    knowledge = "platform rules only" if quick else "all rule sets"
    each = ", ".join(f"{r['p99']:.1f}" for r in pcs)
    note = (
        f"{knowledge}; log {home / 'uvicorn.log'}; target {rate:.0f} req/s; median of {runs} runs of {seconds:.0f} s "
        f"by p99 (p99 of each: {each} ms); {pc['n']} requests, {pc['errors']} non-200"
    )
    ratio = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
    in_process = _in_process(bodies[:50], full_knowledge=not quick)
    cpu_note = (
        "server (2 uvicorn workers) user+system CPU per answered request; 2,000 ms / value = requests/s two "
        f"dedicated cores could serve; the load generator, on the same cores, used {pc['client_cpu_ms']:.3f} ms per request"
    )
    return in_process + [
        {"name": "precheck server CPU", "value": round(pc["cpu_ms"], 3), "unit": "ms/request",
         "baseline_name": "healthz server CPU", "baseline_value": round(noop["cpu_ms"], 3),
         "ratio": ratio(pc["cpu_ms"], noop["cpu_ms"]), "notes": cpu_note},
        {"name": "precheck throughput", "value": round(pc["rps"], 1), "unit": "req/s",
         "baseline_name": "healthz throughput", "baseline_value": round(noop["rps"], 1),
         "ratio": ratio(pc["rps"], noop["rps"]), "notes": note},
        {"name": "precheck p50", "value": round(pc["p50"], 2), "unit": "ms",
         "baseline_name": "healthz p50", "baseline_value": round(noop["p50"], 2),
         "ratio": ratio(pc["p50"], noop["p50"]), "notes": note},
        {"name": "precheck p99", "value": round(pc["p99"], 2), "unit": "ms",
         "baseline_name": "healthz p99", "baseline_value": round(noop["p99"], 2),
         "ratio": ratio(pc["p99"], noop["p99"]), "notes": f"{note}; target p99 ≤ {TARGET_P99_MS} ms"},
    ]  # fmt: skip


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
