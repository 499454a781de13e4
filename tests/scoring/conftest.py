"""Fixtures of the scoring tests."""

from __future__ import annotations

import pytest

from ._helpers import add_person


@pytest.fixture
def person(session):
    """A doctor in master data, registered at one institution."""
    return add_person(session)
