"""Schemathesis against the app's OpenAPI spec for the pre-check endpoints: no answer is ever a 5xx.

Positive (schema-valid) and negative (schema-violating) bodies, with a valid API key, bounded in
count; every status must be < 500 and every error body the contract's ``{code, message, field}``.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from precheck_helpers import INST
from schemathesis import GenerationMode

from fundguard.web.app import create_app

OPERATIONS = ("/api/v1/precheck", "/api/v1/precheck/feedback")
EXAMPLES = {GenerationMode.POSITIVE: 60, GenerationMode.NEGATIVE: 40}


@pytest.fixture
def schema_and_key(api_key):
    return schemathesis.openapi.from_asgi("/openapi.json", create_app()), api_key


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
@pytest.mark.parametrize("path", OPERATIONS)
def test_no_server_errors(schema_and_key, path, mode):
    schema, raw = schema_and_key
    operation = schema[path]["POST"]
    seen: list[int] = []

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers={"X-API-Key": raw}))
    def run(case):
        body = case.body
        if mode is GenerationMode.POSITIVE and isinstance(body, dict) and isinstance(body.get("mdtrt"), dict):
            body["mdtrt"]["fixmedins_code"] = INST  # the key's institution: the visit reaches the rules
            if body["mdtrt"].get("age") is None and body["mdtrt"].get("brdy") is None:
                body["mdtrt"]["age"] = 30
        response = case.call(headers={"X-API-Key": raw})
        seen.append(response.status_code)
        assert response.status_code < 500, (case.body, response.text)
        if response.status_code >= 400:
            body = response.json()
            assert set(body) >= {"code", "message"}, body

    run()
    assert seen
    if mode is GenerationMode.POSITIVE and path == OPERATIONS[0]:
        assert 200 in seen  # valid visits really reach the rules
