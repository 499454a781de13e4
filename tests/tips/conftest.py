"""Fixtures of the tip tests over HTTP; the helpers are shared with tests/cases (case_web.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cases"))

from case_web import app, as_user, quick_argon2  # noqa: E402, F401
