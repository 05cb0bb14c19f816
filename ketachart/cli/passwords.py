"""Passwords on the command line: from an environment variable the caller names (scripts), or
asked on the terminal, never taken from an argument (it would show in the process list)."""

from __future__ import annotations

import getpass
import os
import sys

from ketachart.errors import ValidationError


def password_from(
    env_var: str | None, option: str, what: str, prompt: str, *, repeat: bool = False
) -> str:
    """The password in `env_var` if one is named (it must be set and not empty), else one
    typed at the terminal (twice if `repeat`). `option` names the flag that sets `env_var`."""
    if env_var:
        value = os.environ.get(env_var)
        if not value:
            raise ValidationError.single(
                "password", f"Environment variable {env_var} is empty or not set."
            )
        return value
    if not sys.stdin.isatty():
        raise ValidationError.single(
            "password", f"No terminal to ask for the {what}: use {option} VAR."
        )
    first = getpass.getpass(prompt)
    if repeat and first != getpass.getpass("Repeat the password: "):
        raise ValidationError.single("password", "The two passwords differ.")
    return first


CLINIC_PASSPHRASE_ENV_HELP = (
    "read the clinic key passphrase from this environment variable (else it is asked)"
)


def clinic_passphrase_from(env_var: str | None, *, new: bool = False) -> str:
    """The clinic key passphrase, from the environment variable named by
    --clinic-passphrase-env, or typed (twice when choosing a new one)."""
    return password_from(
        env_var,
        "--clinic-passphrase-env",
        "clinic key passphrase",
        "New clinic key passphrase: " if new else "Clinic key passphrase: ",
        repeat=new,
    )
