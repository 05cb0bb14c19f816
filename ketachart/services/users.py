"""Staff accounts: creation, login with lockout, role changes. Passwords are argon2id hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from ketachart.domain.access import Action
from ketachart.domain.checks import Checks, nfc
from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed, NotFound, ValidationError
from ketachart.models import User
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.storage.database import Tx

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=5)
MIN_PASSWORD = 8
_HASHER = PasswordHasher()  # argon2id with the library's recommended parameters


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username, user.display_name, user.credentials, Role(user.role))


def count_users(tx: Tx) -> int:
    return tx.orm.scalar(select(func.count()).select_from(User)) or 0


def _check_new_user(username: str, display_name: str, credentials: str, password: str) -> None:
    checks = Checks()
    checks.text("username", "User name", username, required=True, max_len=64)
    plain = username.replace(".", "").replace("-", "").replace("_", "")
    if username and not checks.problems and not plain.isalnum():
        checks.fail("username", "User name may use letters, digits, '.', '-' and '_' only.")
    checks.text("display_name", "Full name", display_name, required=True, max_len=120)
    checks.text("credentials", "Credentials", credentials, max_len=40)
    if len(password) < MIN_PASSWORD:
        checks.fail("password", f"Password must have at least {MIN_PASSWORD} characters.")
    checks.done()


def create_user(
    tx: Tx,
    actor: Actor | None,
    username: str,
    display_name: str,
    credentials: str,
    role: Role,
    password: str,
) -> Actor:
    """Create an account. Only an admin may, except for the very first account of a clinic."""
    if actor is not None:
        actor.require(Action.MANAGE_USERS)
    elif count_users(tx) > 0:
        raise AuthenticationFailed("Only an administrator can create accounts.")
    username, display_name, credentials = nfc(username), nfc(display_name), nfc(credentials)
    _check_new_user(username, display_name, credentials, password)
    if tx.orm.scalar(select(User).where(User.username == username)) is not None:
        raise ValidationError.single("username", f"The user name '{username}' is taken.")
    user = User(
        username=username,
        display_name=display_name,
        credentials=credentials,
        role=role.value,
        password_hash=_HASHER.hash(password),
        active=True,
        failed_logins=0,
        created_at=tx.now,
    )
    tx.orm.add(user)
    tx.orm.flush()
    created = actor_of(user)
    audit(tx, actor or created, "user.create", "user", str(user.id), f"role={role.value}")
    return created


class Refusal(StrEnum):
    """Why a password check refused: each is recorded differently (see record_failed_attempt)."""

    UNKNOWN_USER = "unknown or inactive user"
    LOCKED = "account locked"
    WRONG_PASSWORD = "wrong password"


@dataclass(frozen=True)
class FailedAttempt:
    """A refused password check, to be recorded once the refused action has rolled back."""

    username: str
    purpose: str
    refusal: Refusal


class PasswordRejected(AuthenticationFailed):
    """A wrong user name or password, or a locked account. The action that checked it is
    refused and rolls back; the caller records `attempt` in a transaction of its own (see
    services.user_action), so that the failure is audited and counts towards the lock-out."""

    def __init__(self, message: str, attempt: FailedAttempt) -> None:
        super().__init__(message)
        self.attempt = attempt


def authenticate(tx: Tx, username: str, password: str, *, purpose: str = "login") -> Actor:
    """Check a user name and password as part of the action in `tx` (a login, an unlock, a
    signature, a witness). A success is audited (`purpose` says why) and clears the count of
    failures. A failure writes nothing here: it raises PasswordRejected, whose attempt the
    caller records after the rollback (services.user_action does both). Five failures lock
    the account for a few minutes. A read-only database can record nothing: the password is
    only checked, and a wrong one says so."""
    username = nfc(username)
    user = tx.orm.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        attempt = FailedAttempt(username, purpose, Refusal.UNKNOWN_USER)
        raise PasswordRejected("Wrong user name or password.", attempt)
    if user.locked_until is not None and user.locked_until > tx.now:
        minutes = -(-int((user.locked_until - tx.now).total_seconds()) // 60)
        raise PasswordRejected(
            f"This account is locked after {MAX_FAILED_LOGINS} failed "
            f"attempts; try again in {minutes} min.",
            FailedAttempt(username, purpose, Refusal.LOCKED),
        )
    if not _password_matches(user.password_hash, password):
        attempt = FailedAttempt(username, purpose, Refusal.WRONG_PASSWORD)
        raise PasswordRejected("Wrong user name or password.", attempt)
    if not tx.read_only and (user.failed_logins or user.locked_until is not None):
        user.failed_logins, user.locked_until = 0, None
    actor = actor_of(user)
    audit(tx, actor, purpose, "user", str(user.id))
    return actor


def record_failed_attempt(tx: Tx, attempt: FailedAttempt) -> None:
    """Audit a refused password check and count a wrong password towards the lock-out, in a
    transaction of its own after the refused action rolled back. A read-only database cannot
    record it (the audit entry is logged instead)."""
    purpose, username = attempt.purpose, attempt.username
    user = tx.orm.scalar(select(User).where(User.username == username))
    if user is None or attempt.refusal is Refusal.UNKNOWN_USER:
        detail = Refusal.UNKNOWN_USER.value
        audit(tx, None, f"{purpose}.failed", "user", "", detail, username=username)
    elif attempt.refusal is Refusal.LOCKED:
        detail = Refusal.LOCKED.value
        audit(tx, None, f"{purpose}.refused", "user", str(user.id), detail, username=username)
    elif tx.read_only:
        audit(tx, None, f"{purpose}.failed", "user", str(user.id), username=username)
    else:
        _record_failure(tx, user, purpose)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _record_failure(tx: Tx, user: User, purpose: str) -> None:
    user.failed_logins += 1
    detail = f"attempt {user.failed_logins}"
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until, user.failed_logins = tx.now + LOCKOUT, 0
        detail += ", account locked"
    audit(tx, None, f"{purpose}.failed", "user", str(user.id), detail, username=user.username)


def change_role(tx: Tx, actor: Actor, user_id: int, role: Role) -> Actor:
    """A privilege change, audited with the old and new role."""
    actor.require(Action.MANAGE_USERS)
    user = tx.orm.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    old = user.role
    user.role = role.value
    audit(tx, actor, "user.role_change", "user", str(user_id), f"{old} -> {role.value}")
    return actor_of(user)


def set_active(tx: Tx, actor: Actor, user_id: int, active: bool) -> None:
    actor.require(Action.MANAGE_USERS)
    user = tx.orm.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    user.active = active
    audit(tx, actor, "user.activate" if active else "user.deactivate", "user", str(user_id))


def get_actor(tx: Tx, user_id: int) -> Actor:
    user = tx.orm.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return actor_of(user)


def list_actors(tx: Tx) -> list[Actor]:
    return [actor_of(u) for u in tx.orm.scalars(select(User).order_by(User.username))]
