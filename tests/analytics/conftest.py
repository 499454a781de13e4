"""Shared analytics fixtures: the labelled mini city, analysed once per test module."""

from __future__ import annotations

import pandas as pd
import pytest

from fundguard.analytics import minicity, service, source


@pytest.fixture(scope="module")
def city() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    return minicity.generate(seed=minicity_seed())


@pytest.fixture(scope="module")
def analysed(city):
    frames, anomalies = city
    return service.analyse(source.open_frames(frames)), anomalies


def minicity_seed() -> int:
    from fundguard.analytics.evaluate import TUNING_SEED

    return TUNING_SEED
