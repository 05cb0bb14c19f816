"""Signing in on the command line in tests: `--user NAME --password-env VAR`, the way a
scheduled job does, with VAR set (for the test only) to the account's password; and the clinic
key passphrase, `--clinic-passphrase-env VAR`, for `init` and the account changes it certifies."""

from __future__ import annotations

import pytest

from tests.support import CLINIC_PASSPHRASE, PASSWORDS

CLINIC_PASSPHRASE_VARIABLE = "KC_TEST_CLINIC_PASSPHRASE"


def as_user(
    monkeypatch: pytest.MonkeyPatch, username: str, password: str | None = None
) -> list[str]:
    """The flags that sign `username` in (their password from tests.support by default)."""
    variable = password_variable(username)
    monkeypatch.setenv(variable, PASSWORDS[username] if password is None else password)
    return ["--user", username, "--password-env", variable]


def password_variable(username: str) -> str:
    return f"KC_TEST_PASSWORD_{username.upper().replace('.', '_').replace('-', '_')}"


def clinic_passphrase(monkeypatch: pytest.MonkeyPatch, passphrase: str | None = None) -> list[str]:
    """The flag that gives a command the clinic key passphrase (tests.support's by default):
    `init` makes the clinic key with it; `users add`, `reset-password`, `set-role`, `disable`
    and `enable` open the clinic key with it to certify the change."""
    monkeypatch.setenv(
        CLINIC_PASSPHRASE_VARIABLE, CLINIC_PASSPHRASE if passphrase is None else passphrase
    )
    return ["--clinic-passphrase-env", CLINIC_PASSPHRASE_VARIABLE]
