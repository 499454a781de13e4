"""Fixtures of the case tests that go over HTTP: the real app on a real store, one user per role."""

from case_web import app, as_user, quick_argon2  # noqa: F401
