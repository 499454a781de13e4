"""``fundguard serve`` runs the app under uvicorn; ``--no-access-log`` drops the per-request log line."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from browser import free_port

FUNDGUARD = Path(sys.executable).with_name("fundguard")


def _serve_and_get(cli_env: dict, tmp_path: Path, *flags: str) -> str:
    """Start ``fundguard serve``, answer GET /healthz once, stop it; its console output."""
    port = free_port()
    out = tmp_path / f"serve-{port}.log"
    with out.open("wb") as log:
        proc = subprocess.Popen(
            [str(FUNDGUARD), "serve", "--port", str(port), *flags], env=cli_env, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
                    break
                except httpx.TransportError:
                    assert proc.poll() is None and time.monotonic() < deadline, out.read_text()
                    time.sleep(0.2)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return out.read_text()


@pytest.mark.parametrize(("flags", "logged"), [((), True), (("--no-access-log",), False)])
def test_access_log_is_optional(cli_env, tmp_path, flags, logged) -> None:
    output = _serve_and_get(cli_env, tmp_path, *flags)
    assert "Uvicorn running on" in output  # the server did log at info level
    assert ('"GET /healthz HTTP/1.1" 200' in output) is logged, output
