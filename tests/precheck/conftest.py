"""Pre-check fixtures: the real app on a migrated store with the platform rule set imported."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from precheck_helpers import INST

from fundguard import db
from fundguard.auth import service as auth_service
from fundguard.precheck import reload, service
from fundguard.rules import service as rules_service
from fundguard.web.app import create_app


@pytest.fixture
def api_key(store):
    """A raw API key for institution INST on a fresh pre-check state; platform rules imported."""
    reload.reset()
    service.BUCKET.reset()
    service.KEYS.clear()
    with db.session_scope() as s:
        rules_service.import_set(s, "platform")
        raw, _ = auth_service.create_api_key(s, INST, actor="test")
    yield raw
    reload.reset()


@pytest.fixture
def api(api_key):
    """(client, raw_key) for institution INST; platform rules (SUS-P01, PRC-P01, DUP-P01 …) imported."""
    with TestClient(create_app()) as client:
        yield client, api_key


@pytest.fixture
def suspended(api):
    """A practitioner suspended 2026-02-01 … 2026-05-01 (end exclusive), stored like scoring stores it."""
    from datetime import date

    from fundguard.scoring.models import QualificationPeriod

    code = "D110105000099"
    with db.session_scope() as s:
        s.add(
            QualificationPeriod(
                prac_psn_code=code,
                kind="suspension",
                start_date=date(2026, 2, 1),
                end_date=date(2026, 5, 1),
                trigger_seq=1,
                trigger_total=9,
            )
        )
    reload.refresh()
    return code


@pytest.fixture
def all_lines(province):
    """A province profile with ``precheck.history_all_lines: true``: settled calls keep every fee line."""
    province({"precheck.history_all_lines": True})
