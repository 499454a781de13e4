"""Generated cities shared by the synth tests (generated once per test session and worker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fundguard.synth.service import generate


@pytest.fixture(scope="session")
def clean_city(tmp_path_factory) -> Path:
    """Scale 0.02, no injected violations, CSV."""
    out = tmp_path_factory.mktemp("clean")
    generate(out, scale=0.02, seed=11, fmt="csv", violation_rate=0)
    return out


@pytest.fixture(scope="session")
def labelled_city(tmp_path_factory) -> Path:
    """Scale 0.05 at the default violation rate, CSV."""
    out = tmp_path_factory.mktemp("labelled")
    generate(out, scale=0.05, seed=5, fmt="csv")
    return out
