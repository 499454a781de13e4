"""Fixtures for the tip tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from fundguard import profiles, settings

PROFILES = Path(__file__).resolve().parents[2] / "profiles"


@pytest.fixture
def province(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Activate a province profile that overrides the given keys of the national defaults."""

    def activate(overrides: dict) -> None:
        folder = tmp_path / "profiles"
        folder.mkdir(exist_ok=True)
        shutil.copy(PROFILES / "national.yaml", folder / "national.yaml")
        doc = {"name": "测试省", "extends": "national", "overrides": overrides}
        (folder / "testprov.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        monkeypatch.setenv("FUNDGUARD_PROFILES_DIR", str(folder))
        monkeypatch.setenv("FUNDGUARD_PROFILE", "testprov")
        settings.reset_settings_cache()
        profiles.reset_profile_cache()

    return activate
