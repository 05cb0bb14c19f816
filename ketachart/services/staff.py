"""Staff management for administrators: list, add, reset a password, change a role, disable,
enable, unlock. Each is `fn(tx, actor, ...)` in the caller's one transaction, needs
MANAGE_USERS, and is one audited event (never with a password in it). Accounts are never
deleted: their entries keep their author. The clinic always keeps an active administrator."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ketachart.domain import limits
from ketachart.domain.access import Action
from ketachart.domain.checks import nfc
from ketachart.domain.passwords import password_problems
from ketachart.domain.vocab import Role
from ketachart.errors import NotFound, RuleViolation, ValidationError
from ketachart.models import User
from ketachart.services import users
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.clinic_info import get_clinic
from ketachart.services.keys import UnlockedClinicKey, store_user_key
from ketachart.storage.database import Tx

TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Lower-case letters and digits that cannot be misread for one another (no l/1, o/0, i)."""
TEMPORARY_GROUPS = 4
TEMPORARY_GROUP_LENGTH = 4


@dataclass(frozen=True)
class StaffRow:
    """One account as the staff screen and the `users` commands show it: plain values."""

    id: int
    username: str
    display_name: str
    credentials: str
    role: Role
    active: bool
    locked: bool
    """Locked now, after too many wrong passwords (unlock, or wait for the lock to pass)."""
    must_change_password: bool
    last_sign_in_at: datetime | None
    created_at: datetime


def list_staff(tx: Tx, actor: Actor) -> list[StaffRow]:
    """Every account, active or not, by user name."""
    actor.require(Action.MANAGE_USERS)
    rows = tx.orm.scalars(select(User).order_by(User.username))
    return [_row(tx, user) for user in rows]


def find_staff(tx: Tx, actor: Actor, username: str) -> StaffRow:
    """The account with this user name, or NotFound saying so."""
    actor.require(Action.MANAGE_USERS)
    if len(username) > limits.USERNAME:
        raise NotFound(f"There is no account with that user name (at most {limits.USERNAME}).")
    user = tx.orm.scalar(select(User).where(User.username == nfc(username)))
    if user is None:
        raise NotFound(f"There is no account with the user name '{nfc(username)}'.")
    return _row(tx, user)


def add_staff(
    tx: Tx,
    actor: Actor,
    username: str,
    display_name: str,
    credentials: str,
    role: Role,
    temporary_password: users.NewPassword,
    *,
    clinic_key: UnlockedClinicKey | None,
) -> StaffRow:
    """A new account with a temporary password, which must be changed at the first sign-in.
    Problems with the password are on the field "temporary_password"."""
    actor.require(Action.MANAGE_USERS)
    created = users.create_user(
        tx,
        actor,
        username,
        display_name,
        credentials,
        role,
        temporary_password,
        clinic_key=clinic_key,
        must_change_password=True,
        password_field="temporary_password",
    )
    return _row(tx, users.get_user(tx, created.id))


def reset_password(
    tx: Tx,
    actor: Actor,
    user_id: int,
    temporary_password: users.NewPassword,
    *,
    clinic_key: UnlockedClinicKey | None,
) -> None:
    """A forgotten password: a temporary one, to be changed at the next sign-in. The account
    is unlocked too (the person is with the administrator). The old key was sealed under the
    forgotten password, so the account gets a new key pair, certified from now on."""
    actor.require(Action.MANAGE_USERS)
    user = users.get_user(tx, user_id)
    problems = password_problems(
        temporary_password.text,
        username=user.username,
        display_name=user.display_name,
        clinic_name=get_clinic(tx).name,
    )
    if problems:
        raise ValidationError.single("temporary_password", " ".join(problems))
    user.password_hash = temporary_password.hash
    user.must_change_password = True
    user.password_changed_at = tx.now
    user.failed_logins, user.locked_until = 0, None
    store_user_key(tx, user.id, temporary_password.key)
    users.certify_account(tx, clinic_key, user, actor, temporary_password.key.public_key)
    audit(tx, actor, "user.password_reset", "user", str(user_id))


def change_role(
    tx: Tx, actor: Actor, user_id: int, role: Role, *, clinic_key: UnlockedClinicKey | None
) -> None:
    """A privilege change, audited with the old and new role. The last active administrator
    keeps the role: someone must be able to manage accounts."""
    actor.require(Action.MANAGE_USERS)
    user = users.get_user(tx, user_id)
    old = user.role
    if old == role.value:
        return
    if old == Role.ADMIN.value and user.active and _active_admins(tx) <= 1:
        raise RuleViolation(
            f"{user.display_name} is the last active administrator; make another account "
            "an administrator first."
        )
    user.role = role.value
    users.certify_account(tx, clinic_key, user, actor)
    audit(tx, actor, "user.role_change", "user", str(user_id), f"{old} -> {role.value}")


def disable(tx: Tx, actor: Actor, user_id: int, *, clinic_key: UnlockedClinicKey | None) -> None:
    """A leaver, or an account not to be used for now: it can no longer sign in, and its
    entries keep its name. Not one's own account, nor the last active administrator."""
    actor.require(Action.MANAGE_USERS)
    user = users.get_user(tx, user_id)
    if user.id == actor.id:
        raise RuleViolation("You cannot disable your own account; another administrator can.")
    if not user.active:
        return
    if user.role == Role.ADMIN.value and _active_admins(tx) <= 1:
        raise RuleViolation(
            f"{user.display_name} is the last active administrator and cannot be disabled."
        )
    user.active = False
    users.certify_account(tx, clinic_key, user, actor)
    audit(tx, actor, "user.deactivate", "user", str(user_id))


def enable(tx: Tx, actor: Actor, user_id: int, *, clinic_key: UnlockedClinicKey | None) -> None:
    """A disabled account may sign in again."""
    actor.require(Action.MANAGE_USERS)
    user = users.get_user(tx, user_id)
    if user.active:
        return
    user.active = True
    users.certify_account(tx, clinic_key, user, actor)
    audit(tx, actor, "user.activate", "user", str(user_id))


def unlock(tx: Tx, actor: Actor, user_id: int) -> None:
    """Lift a lock-out after too many wrong passwords, before it passes by itself."""
    actor.require(Action.MANAGE_USERS)
    user = users.get_user(tx, user_id)
    user.failed_logins, user.locked_until = 0, None
    audit(tx, actor, "user.unlock", "user", str(user_id))


def new_temporary_password() -> str:
    """A random temporary password such as "k7mq-x3vt-9hpw-r2ne": 16 characters from 31,
    about 79 bits, easy to read out and type; it passes the password policy."""
    groups = (
        "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_GROUP_LENGTH))
        for _ in range(TEMPORARY_GROUPS)
    )
    return "-".join(groups)


def _active_admins(tx: Tx) -> int:
    query = select(func.count()).where(User.role == Role.ADMIN.value, User.active.is_(True))
    return tx.orm.scalar(query.select_from(User)) or 0


def _row(tx: Tx, user: User) -> StaffRow:
    return StaffRow(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        credentials=user.credentials,
        role=Role(user.role),
        active=user.active,
        locked=users.is_locked(user, tx.now),
        must_change_password=user.must_change_password,
        last_sign_in_at=user.last_sign_in_at,
        created_at=user.created_at,
    )
