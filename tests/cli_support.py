"""Signing in on the command line in tests: `--user NAME --password-env VAR`, the way a
scheduled job does, with VAR set (for the test only) to the account's password."""

from __future__ import annotations

import pytest

from tests.support import PASSWORDS


def as_user(
    monkeypatch: pytest.MonkeyPatch, username: str, password: str | None = None
) -> list[str]:
    """The flags that sign `username` in (their password from tests.support by default)."""
    variable = password_variable(username)
    monkeypatch.setenv(variable, PASSWORDS[username] if password is None else password)
    return ["--user", username, "--password-env", variable]


def password_variable(username: str) -> str:
    return f"KC_TEST_PASSWORD_{username.upper().replace('.', '_').replace('-', '_')}"
