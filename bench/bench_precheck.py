"""Pre-check latency: uvicorn (2 workers) on a free loopback port, bounded async httpx load.

Realistic visits of 10–40 fee lines are posted at a target rate (~1,000 req/s full, lower quick),
count- and time-limited; reports throughput, p50 and p99, against ``GET /healthz`` of the same app.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

INST = "H11010500001"
TARGET_P99_MS = 10.0


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
    return raw


def _visit(rng: random.Random, i: int) -> dict:
    n = rng.randint(10, 40)
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
                "fee_ocur_time": f"2026-03-01 {9 + k % 8:02d}:{k % 60:02d}:00",
                "bilg_dr_codg": f"D1101050{rng.randint(0, 50):05d}",
            }
        )
    return {
        "scene": rng.choice(["pre", "settle"]),
        "mdtrt": {
            "mdtrt_id": f"BM{i}",
            "psn_no": f"P{rng.randint(0, 999)}",
            "gend": rng.choice(["1", "2"]),
            "age": rng.randint(0, 90),
            "fixmedins_code": INST,
            "med_type": rng.choice(["11", "21"]),
            "begntime": "2026-03-01 08:00:00",
        },
        "diag": [{"diag_code": "J06.900", "maindiag_flag": "1"}],
        "fee_list": lines,
    }


async def _load(url: str, method: str, bodies: list, headers: dict, rate: float, seconds: float, count: int):
    latencies: list[float] = []
    errors = 0
    sem = asyncio.Semaphore(64)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def one(body):
            nonlocal errors
            async with sem:
                t = time.perf_counter()
                try:
                    if method == "POST":
                        r = await client.post(url, json=body, headers=headers)
                    else:
                        r = await client.get(url)
                except httpx.HTTPError:
                    errors += 1
                    return
                latencies.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    errors += 1

        tasks, start = [], time.perf_counter()
        for i in range(count):
            due = start + i / rate
            if due - start > seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(bodies[i % len(bodies)])))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    latencies.sort()
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")  # noqa: E731
    return {
        "n": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": pct(0.5),
        "p99": pct(0.99),
        "errors": errors,
    }


def run(quick: bool) -> list[dict]:
    home = Path(tempfile.mkdtemp(prefix="fg-bench-precheck-"))
    raw = _prepare(home, full_knowledge=not quick)
    port = _free_port()
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "uvicorn", "fundguard.web.app:create_app", "--factory"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--log-level", "warning"]
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
        for _ in range(2):  # warm both workers' snapshots
            for b in bodies[:10]:
                httpx.post(f"{base}/api/v1/precheck", json=b, headers=headers, timeout=120)
        rate, seconds, count = (200.0, 5.0, 1000) if quick else (1000.0, 20.0, 20000)
        pc = asyncio.run(_load(f"{base}/api/v1/precheck", "POST", bodies, headers, rate, seconds, count))
        noop = asyncio.run(_load(f"{base}/healthz", "GET", [None], {}, rate, seconds, count))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    knowledge = "platform rules only" if quick else "all rule sets"
    note = f"{knowledge}; log {home / 'uvicorn.log'}; target {rate:.0f} req/s, {pc['n']} requests, {pc['errors']} non-200"
    ratio = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
    return [
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
