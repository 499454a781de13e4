"""Fixtures of the HTTP tests: the real app with users of each role (see ``agreements.web_support``)."""

from agreements.web_support import quick_argon2, web  # noqa: F401
