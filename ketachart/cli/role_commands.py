"""`ketachart init --app-role ...`: least privilege on PostgreSQL (storage.pg_roles)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import make_url

from ketachart.cli.passwords import password_from
from ketachart.errors import ValidationError
from ketachart.storage import pg_roles
from ketachart.storage.database import Database


@contextmanager
def least_privilege(args: argparse.Namespace) -> Iterator[str | None]:
    """With --app-role: set the roles up, give init the owner's URL to migrate with, and grant
    the roles their privileges once init is done. Without it: nothing (None), and a note if
    the application would connect as a PostgreSQL role that owns the schema."""
    from ketachart.cli.commands import database_choice, open_from_args

    url = database_choice(args).url
    if not args.app_role:
        yield None
        _note_without_roles(args, url)
        return
    if make_url(url).get_backend_name() != "postgresql":
        raise ValidationError.single("app_role", "--app-role is for a PostgreSQL database only.")
    passwords = pg_roles.Passwords(
        _password(args.app_password_env, "--app-password-env"),
        _password(args.auditor_password_env, "--auditor-password-env"),
    )
    owner_url = pg_roles.set_up(url, args.app_role, args.auditor_role, args.owner_role, passwords)
    yield owner_url
    auditors = [args.auditor_role] if args.auditor_role else []
    with open_from_args(args, url=owner_url) as db:
        _grant(db, [args.app_role], auditors)
    print(
        f"Application role {args.app_role}: connect with {pg_roles.login_url(url, args.app_role)}"
    )
    if args.auditor_role:
        auditor_url = pg_roles.login_url(url, args.auditor_role)
        print(f"Auditor role {args.auditor_role} (read-only, for verify): {auditor_url}")


def _grant(db: Database, apps: list[str], auditors: list[str]) -> None:
    with db.engine.begin() as connection:
        pg_roles.grant(connection, apps, auditors)


def _password(env_var: str | None, option: str) -> str | None:
    """A role's password from the variable named, if one is; else the role keeps its own."""
    if env_var is None:
        return None
    return password_from(env_var, option, "role password", "")


def _note_without_roles(args: argparse.Namespace, url: str) -> None:
    from ketachart.cli.commands import open_from_args

    if make_url(url).get_backend_name() != "postgresql":
        return
    with open_from_args(args) as db, db.engine.connect() as connection:
        apps, _auditors = pg_roles.granted_roles(connection)
    if not apps:
        print(
            "Note: no application role is set up, so ketachart connects as a role that can "
            "get around append-only. Run init once more with --app-role (see README: "
            "PostgreSQL least privilege)."
        )
