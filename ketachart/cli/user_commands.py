"""`ketachart users …`: staff accounts from the command line. An administrator signs in for
each command but `passwd` (any user, their own password); each change is one transaction
through services.staff, which checks the role and audits it. Temporary passwords are made by
services.staff (or typed, with --ask-password) and printed once; never stored in clear."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

from ketachart.cli.passwords import clinic_passphrase_from, password_from
from ketachart.cli.sign_in import credentials, sign_in_as, signed_in
from ketachart.cli.terminal import shown
from ketachart.domain.access import Action
from ketachart.domain.vocab import Role
from ketachart.services import keys, sign_in, staff
from ketachart.services.actors import Actor
from ketachart.services.keys import UnlockedClinicKey
from ketachart.services.staff_status import account_status
from ketachart.services.users import new_password
from ketachart.storage.database import Database, Tx

NEVER = "never"


def run_users(db: Database, args: argparse.Namespace) -> int:
    if args.users_verb == "passwd":
        return _passwd(db, args)
    admin = signed_in(db, args, Action.MANAGE_USERS, purpose=f"cli.users.{args.users_verb}")
    verbs: dict[str, Callable[[Database, Actor, argparse.Namespace], int]] = {
        "list": _list,
        "add": _add,
        "reset-password": _reset_password,
        "set-role": _set_role,
        "disable": _switch,
        "enable": _switch,
        "unlock": _switch,
    }
    return verbs[args.users_verb](db, admin, args)


def _list(db: Database, admin: Actor, _args: argparse.Namespace) -> int:
    with db.transaction() as tx:
        rows = staff.list_staff(tx, admin)
    print(f"{'USER':<16} {'ROLE':<10} {'STATUS':<22} {'LAST SIGN-IN':<17} NAME")
    for row in rows:
        print(
            f"{shown(row.username):<16} {row.role.value:<10} {account_status(row):<22} "
            f"{_when(row.last_sign_in_at):<17} {shown(_full_name(row))}"
        )
    print(f"{len(rows)} account(s).")
    return 0


def _when(moment: datetime | None) -> str:
    return NEVER if moment is None else f"{moment.astimezone():%Y-%m-%d %H:%M}"


def _full_name(row: staff.StaffRow) -> str:
    return f"{row.display_name}, {row.credentials}" if row.credentials else row.display_name


def _add(db: Database, admin: Actor, args: argparse.Namespace) -> int:
    clinic_key = _clinic_key(db, args)
    temporary = _temporary_password(args)
    hashed = new_password(temporary)  # before the transaction: no lock held while hashing
    with db.transaction() as tx:
        row = staff.add_staff(
            tx,
            admin,
            args.username,
            args.name,
            args.credentials,
            Role(args.role),
            hashed,
            clinic_key=clinic_key,
        )
    print(f"Added {shown(row.username)} ({row.role.value}): {shown(_full_name(row))}.")
    _show_temporary(args, temporary)
    return 0


def _reset_password(db: Database, admin: Actor, args: argparse.Namespace) -> int:
    clinic_key = _clinic_key(db, args)
    temporary = _temporary_password(args)
    hashed = new_password(temporary)  # before the transaction: no lock held while hashing
    with db.transaction() as tx:
        row = staff.find_staff(tx, admin, args.username)
        staff.reset_password(tx, admin, row.id, hashed, clinic_key=clinic_key)
    print(f"Reset the password of {shown(row.username)}; the account is unlocked.")
    _show_temporary(args, temporary)
    return 0


def _set_role(db: Database, admin: Actor, args: argparse.Namespace) -> int:
    role = Role(args.role)
    clinic_key = _clinic_key(db, args)
    with db.transaction() as tx:
        row = staff.find_staff(tx, admin, args.username)
        staff.change_role(tx, admin, row.id, role, clinic_key=clinic_key)
    print(f"{shown(row.username)} is now {role.value} (was {row.role.value}).")
    return 0


SWITCHES: dict[str, tuple[Callable[[Tx, Actor, int, UnlockedClinicKey | None], None], str]] = {
    "disable": (
        lambda tx, admin, user_id, key: staff.disable(tx, admin, user_id, clinic_key=key),
        "Disabled {}: they can no longer sign in; their entries stay.",
    ),
    "enable": (
        lambda tx, admin, user_id, key: staff.enable(tx, admin, user_id, clinic_key=key),
        "Enabled {} again.",
    ),
    "unlock": (lambda tx, admin, user_id, _key: staff.unlock(tx, admin, user_id), "Unlocked {}."),
}
CERTIFIED_VERBS = ("add", "reset-password", "set-role", "disable", "enable")
"""The changes the clinic key certifies: they ask for its passphrase."""


def _clinic_key(db: Database, args: argparse.Namespace) -> UnlockedClinicKey | None:
    """The clinic key, opened by its passphrase, for a change it certifies (None for a
    clinic that has no key yet: the change is made, uncertified, and verify says so)."""
    if args.users_verb not in CERTIFIED_VERBS:
        return None
    with db.reading() as tx:
        if keys.clinic_public_key(tx) is None:
            return None
    passphrase = clinic_passphrase_from(getattr(args, "clinic_passphrase_env", None))
    return keys.unlock_clinic_key(db, passphrase)


def _switch(db: Database, admin: Actor, args: argparse.Namespace) -> int:
    change, done = SWITCHES[args.users_verb]
    clinic_key = _clinic_key(db, args)
    with db.transaction() as tx:
        row = staff.find_staff(tx, admin, args.username)
        change(tx, admin, row.id, clinic_key)
    print(done.format(shown(row.username)))
    return 0


def _temporary_password(args: argparse.Namespace) -> str:
    """Typed (twice) with --ask-password, else made by services.staff."""
    if args.ask_password:
        return password_from(
            None, "--ask-password", "temporary password", "Temporary password: ", repeat=True
        )
    return staff.new_temporary_password()


def _show_temporary(args: argparse.Namespace, temporary: str) -> None:
    """The made password, printed once: the user changes it at their first sign-in."""
    if not args.ask_password:
        print(f"Temporary password (shown once; they must change it): {temporary}")
    else:
        print("They must change the temporary password at their first sign-in.")


def _passwd(db: Database, args: argparse.Namespace) -> int:
    """Any user changes their own password: the current one (--password-env or asked), the
    new one (--new-password-env or asked twice). Works for an account that must change."""
    username, current = credentials(args, prompt="Current password")
    actor, _must_change = sign_in_as(db, username, current, purpose="cli.users.passwd")
    new = password_from(
        args.new_password_env,
        "--new-password-env",
        "new password",
        "New password: ",
        repeat=True,
    )
    sign_in.change_own_password(db, actor, current, new)
    print(f"Changed the password of {shown(actor.username)}.")
    return 0
