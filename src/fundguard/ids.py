"""Correlation ids (请求编号、审核编号): 16 hex digits from a per-process PRNG.

They tie log lines, audit entries and feedback to one request or answer; they guard nothing, so a
PRNG seeded from os.urandom in each process is enough (uuid4 costs several times as much per call on
the pre-check's hot path). Never use them as secrets or tokens (``secrets`` for those).
"""

from __future__ import annotations

import random

_ids = random.Random()


def random_id() -> str:
    return f"{_ids.getrandbits(64):016x}"
