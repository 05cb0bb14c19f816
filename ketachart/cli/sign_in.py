"""Who runs a command. Every command that reads or changes clinic data signs in first, as the
application's login does: the user name from --user (or asked), the password asked on the
terminal without echo, or read from the environment variable --password-env names (scheduled
jobs). The role is then checked as in the application, and the command's actions are audited
under that user. A refusal is the one sign-in message, whatever was wrong."""

from __future__ import annotations

import argparse
import sys

from ketachart.cli.passwords import password_from
from ketachart.domain.access import Action
from ketachart.errors import AuthenticationFailed, ValidationError
from ketachart.services.actors import Actor
from ketachart.services.sign_in import sign_in
from ketachart.storage.database import Database

MUST_CHANGE = (
    "Your password is a temporary one: change it first with "
    "`ketachart users passwd --user {username}`."
)


def signed_in(db: Database, args: argparse.Namespace, action: Action, *, purpose: str) -> Actor:
    """The user named by --user, signed in with their password, who may do `action`. An
    account that must change its password is refused every command but `users passwd`."""
    username, password = credentials(args)
    actor, must_change = sign_in_as(db, username, password, purpose=purpose)
    if must_change:
        raise AuthenticationFailed(MUST_CHANGE.format(username=actor.username))
    actor.require(action)
    return actor


def credentials(args: argparse.Namespace, prompt: str = "Password") -> tuple[str, str]:
    """The user name and password the command line gives (flags, variable or terminal)."""
    username = user_name(args)
    return username, user_password(args, f"{prompt} for {username}: ")


def sign_in_as(db: Database, username: str, password: str, *, purpose: str) -> tuple[Actor, bool]:
    """The signed-in actor, and whether they must change their password first (the argon2
    check runs outside any transaction; a refusal is recorded and raises SignInRefused)."""
    signed = sign_in(db, username, password, purpose=purpose)
    return signed.actor, signed.must_change_password


def user_name(args: argparse.Namespace) -> str:
    """--user, or the name typed at the terminal."""
    name: str | None = getattr(args, "user", None)
    if name:
        return name
    if not sys.stdin.isatty():
        raise ValidationError.single(
            "user", "This command needs a signed-in user: name one with --user NAME."
        )
    return input("User name: ").strip()


def user_password(args: argparse.Namespace, prompt: str) -> str:
    """The password from the variable --password-env names, or typed without echo."""
    return password_from(getattr(args, "password_env", None), "--password-env", "password", prompt)
