"""Staff accounts as the other account services share them: the row as an Actor, the checks
of a new account, its creation (the clinic's first admin; services.staff for the admin's
later ones) and the argon2id hashing. Signing in is services.sign_in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from ketachart.domain import limits
from ketachart.domain.access import Action
from ketachart.domain.checks import Checks, nfc
from ketachart.domain.passwords import password_problems
from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed, NotFound, RuleViolation, ValidationError
from ketachart.keys.sealed import SealedKey, seal_new_key
from ketachart.keys.signer import Signer
from ketachart.models import User
from ketachart.services import keys
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.clinic_info import get_clinic
from ketachart.storage.database import Tx

_HASHER = PasswordHasher()  # argon2id with the library's recommended parameters


@dataclass(frozen=True)
class NewPassword:
    """A password chosen for an account, with its argon2 hash made before the account's
    transaction opens: hashing takes about half a second, and no bedside save may wait that
    long for the write lock. The services check `text` against the policy and store `hash`."""

    text: str = field(repr=False)
    hash: str = field(repr=False)
    key: SealedKey = field(repr=False)
    """A new key pair for the account, its private key sealed under this password."""
    opened: Ed25519PrivateKey = field(repr=False, compare=False)
    """The same private key, open: the account made with it can sign at once."""


def new_password(text: str) -> NewPassword:
    """Hash a chosen password, with no transaction open (see NewPassword). A text over the
    password limit is refused by the policy the services check, so it is not hashed (argon2
    pre-hashes all of it: seconds for a pasted 100 MB); its hash is never stored."""
    usable = text if len(text) <= limits.PASSWORD else ""
    sealed, opened = seal_new_key(usable)
    return NewPassword(text, hash_password(usable), sealed, opened)


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.username, user.display_name, user.credentials, Role(user.role))


def is_locked(user: User, now: datetime) -> bool:
    """Locked out now, after too many wrong passwords in a row (services.sign_in)."""
    return user.locked_until is not None and user.locked_until > now


def count_users(tx: Tx) -> int:
    return tx.orm.scalar(select(func.count()).select_from(User)) or 0


def check_new_user(
    username: str,
    display_name: str,
    password: str,
    credentials: str = "",
    *,
    clinic_name: str = "",
    password_field: str = "password",
) -> None:
    """Every problem with a new account's name and password, each on its field (the setup
    window and the staff screen show each next to its field before anything is written)."""
    checks = Checks()
    checks.text("username", "User name", username, required=True, max_len=limits.USERNAME)
    plain = username.replace(".", "").replace("-", "").replace("_", "")
    if username and not checks.problems and not plain.isalnum():
        checks.fail("username", "User name may use letters, digits, '.', '-' and '_' only.")
    checks.text(
        "display_name", "Full name", display_name, required=True, max_len=limits.PERSON_NAME
    )
    checks.text("credentials", "Credentials", credentials, max_len=limits.CODE)
    problems = password_problems(
        password,
        username=_within(username, limits.USERNAME),
        display_name=_within(display_name, limits.PERSON_NAME),
        clinic_name=_within(clinic_name, limits.CLINIC_NAME),
    )
    if problems:
        checks.fail(password_field, " ".join(problems))
    checks.done()


def _within(name: str, max_len: int) -> str:
    """A name the password is compared with: none when it is over its limit (it is refused on
    its own field, and folding a pasted megabyte to search the password for it is slow)."""
    return name if len(name) <= max_len else ""


def create_user(
    tx: Tx,
    actor: Actor | None,
    username: str,
    display_name: str,
    credentials: str,
    role: Role,
    password: NewPassword,
    *,
    clinic_key: keys.UnlockedClinicKey | None,
    must_change_password: bool = False,
    password_field: str = "password",
) -> Actor:
    """Create an account. Only an admin may, except for the very first account of a clinic.
    The password must meet the policy (domain.passwords) for this person at this clinic."""
    if actor is not None:
        actor.require(Action.MANAGE_USERS)
    elif count_users(tx) > 0:
        raise AuthenticationFailed("Only an administrator can create accounts.")
    username = nfc(username, limits.USERNAME)
    display_name = nfc(display_name, limits.PERSON_NAME)
    credentials = nfc(credentials, limits.CODE)
    clinic_name = get_clinic(tx).name
    check_new_user(
        username,
        display_name,
        password.text,
        credentials,
        clinic_name=clinic_name,
        password_field=password_field,
    )
    if tx.orm.scalar(select(User).where(User.username == username)) is not None:
        raise ValidationError.single("username", f"The user name '{username}' is taken.")
    user = User(
        username=username,
        display_name=display_name,
        credentials=credentials,
        role=role.value,
        password_hash=password.hash,
        active=True,
        failed_logins=0,
        created_at=tx.now,
        must_change_password=must_change_password,
        password_changed_at=tx.now,
    )
    tx.orm.add(user)
    tx.orm.flush()
    keys.store_user_key(tx, user.id, password.key)
    signer = Signer(user.id, password.key.public_key, password.opened)
    created = replace(actor_of(user), signer=signer)
    certify_account(tx, clinic_key, user, actor or created, password.key.public_key)
    audit(tx, actor or created, "user.create", "user", str(user.id), f"role={role.value}")
    return created


def certify_account(
    tx: Tx,
    clinic_key: keys.UnlockedClinicKey | None,
    user: User,
    actor: Actor,
    public_key: str | None = None,
) -> None:
    """Every change to an account's name, role, state or key is certified by the clinic key
    in the change's transaction (services.keys). A clinic with no key yet (upgraded, before
    'ketachart keys init') changes accounts uncertified; `verify` says so."""
    if keys.clinic_public_key(tx) is None:
        return
    if clinic_key is None:
        raise AuthenticationFailed(
            "Changing an account needs the clinic key passphrase: enter it and try again."
        )
    key = public_key or keys.certified_key(tx, user.id)
    if key is None:
        raise RuleViolation(
            f"{user.display_name}'s account has no key yet: reset their password first."
        )
    keys.certify(tx, clinic_key, user, key, actor.id)


def hash_password(password: str) -> str:
    """The argon2id hash stored for a password (slow on purpose: about half a second)."""
    return _HASHER.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """True if `password` is the one `password_hash` was made from (as slow as hashing)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_user(tx: Tx, user_id: int) -> User:
    """The account row, or NotFound saying so."""
    user = tx.orm.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


def get_actor(tx: Tx, user_id: int) -> Actor:
    return actor_of(get_user(tx, user_id))


def list_actors(tx: Tx) -> list[Actor]:
    return [actor_of(u) for u in tx.orm.scalars(select(User).order_by(User.username))]
