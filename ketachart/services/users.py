"""Staff accounts: creation, login with lockout, role changes. Passwords are argon2id hashes."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from ketachart.domain.access import Action
from ketachart.domain.checks import Checks
from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed, NotFound, ValidationError
from ketachart.models import User
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.storage.database import Database, Tx

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=5)
MIN_PASSWORD = 8
_HASHER = PasswordHasher()  # argon2id with the library's recommended parameters


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username, user.display_name, user.credentials, Role(user.role))


def count_users(tx: Tx) -> int:
    return tx.orm.scalar(select(func.count()).select_from(User)) or 0


def _check_new_user(username: str, display_name: str, password: str) -> None:
    checks = Checks()
    checks.text("username", "User name", username, required=True, max_len=64)
    if username and not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        checks.fail("username", "User name may use letters, digits, '.', '-' and '_' only.")
    checks.text("display_name", "Full name", display_name, required=True, max_len=120)
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
    _check_new_user(username, display_name, password)
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


def authenticate(db: Database, username: str, password: str, *, purpose: str = "login") -> Actor:
    """Check a user name and password in its own transaction, so that a failure is recorded
    even though it raises. Five failures lock the account for a few minutes. Every success and
    failure is audited (`purpose` says why: login, unlock, sign, witness). A read-only
    database can record nothing: the password is only checked, and a wrong one says so."""
    with db.reading() if db.read_only else db.transaction() as tx:
        outcome = check_password(tx, username, password, purpose=purpose)
    if isinstance(outcome, AuthenticationFailed):
        raise outcome
    return outcome


def check_password(
    tx: Tx, username: str, password: str, *, purpose: str = "login"
) -> Actor | AuthenticationFailed:
    """The outcome of a login attempt, recorded in `tx`; the caller commits, then raises."""
    user = tx.orm.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        audit(
            tx, None, f"{purpose}.failed", "user", "", "unknown or inactive user", username=username
        )
        return AuthenticationFailed("Wrong user name or password.")
    if user.locked_until is not None and user.locked_until > tx.now:
        minutes = -(-int((user.locked_until - tx.now).total_seconds()) // 60)
        audit(
            tx,
            None,
            f"{purpose}.refused",
            "user",
            str(user.id),
            "account locked",
            username=username,
        )
        return AuthenticationFailed(
            f"This account is locked after {MAX_FAILED_LOGINS} failed "
            f"attempts; try again in {minutes} min."
        )
    if not _password_matches(user.password_hash, password):
        _record_failure(tx, user, purpose)
        return AuthenticationFailed("Wrong user name or password.")
    user.failed_logins, user.locked_until = 0, None
    actor = actor_of(user)
    audit(tx, actor, purpose, "user", str(user.id))
    return actor


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
