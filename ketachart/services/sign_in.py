"""Signing in, proving a password again, and changing one's own password.

Two rules shape this module:
- The argon2 check (about half a second on purpose) never runs inside a write transaction:
  the stored hash is read in a short read, checked with no transaction open, and the outcome
  recorded in a short write. A bedside save never waits behind someone's sign-in.
- A refusal tells an attacker nothing: an unknown name, a disabled or locked account and a
  wrong password all raise SignInRefused with one message, after the same argon2 work (a
  dummy hash stands in for an unknown name). An unknown name is audited as "unknown user",
  and the typed text is stored nowhere: it may be a password typed into the wrong box."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Select, select

from ketachart.domain import limits
from ketachart.domain.checks import nfc
from ketachart.domain.passwords import password_problems
from ketachart.errors import AuthenticationFailed, ValidationError
from ketachart.keys.sealed import SealedKey, seal, seal_new_key
from ketachart.keys.signer import Signer
from ketachart.models import User
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.clinic_info import get_clinic
from ketachart.services.keys import open_user_key, sealed_user_key, store_user_key
from ketachart.services.users import actor_of, hash_password, is_locked, password_matches
from ketachart.storage.database import Database, Tx

log = logging.getLogger(__name__)
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=5)
PROOF_LIFETIME = timedelta(minutes=10)
"""How long a proven password may wait for the action it was typed for (a dialog left open)."""
UNKNOWN_USER = "unknown user"
REFUSED_MESSAGE = (
    "The user name or password is not right, or this account cannot sign in now. "
    "Check both and try again; if it keeps failing, ask an administrator."
)


class SignInRefused(AuthenticationFailed):
    """Every refused sign-in or password proof: one message whatever the reason (the reason
    is in the audit trail, for the administrator)."""

    def __init__(self) -> None:
        super().__init__(REFUSED_MESSAGE)


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, and whether they must choose a new password before anything else."""

    actor: Actor
    must_change_password: bool


_MINTED = object()


@dataclass(frozen=True)
class PasswordProof:
    """A password checked just now for `actor` and `purpose` (prove_password makes it; an
    action's service takes it with use_proof, in the action's own transaction)."""

    actor: Actor
    purpose: str
    proven_at: datetime
    _minted: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._minted is not _MINTED:
            raise TypeError("A PasswordProof comes from sign_in.prove_password only.")


@dataclass(frozen=True)
class _Stored:
    """What the short read takes out of the database: the account's id, its hash and its
    sealed key (opened by the same password, after the hash matched)."""

    user_id: int
    password_hash: str
    sealed_key: str | None


def sign_in(db: Database, username: str, password: str, *, purpose: str = "login") -> SignedIn:
    """Sign in by user name and password (a login, an unlock, a witness, a physician's
    approval). Success clears the failure count, records the time and is audited under
    `purpose`; any refusal raises SignInRefused once it is recorded (see the module's text).
    An account without a key (made before keys were kept) gets one, sealed under the password."""
    # A name over the limit is no account's (none is longer): looked up as no name at all,
    # so that the refusal is the same, and a pasted megabyte is not normalised or sent.
    name = nfc(username) if len(username) <= limits.USERNAME else ""
    stored = _read_stored(db, _by_username(name))
    matches = _checked(stored, password)
    # The key is opened (or made) only for an account that will be let in: a refusal then
    # costs the same for a disabled or locked account as for an unknown name.
    usable = matches and _still_usable(db, stored)
    signer = _opened_key(stored, password) if usable else None
    made = _key_to_make(stored, password) if usable else None
    with db.transaction() as tx:
        user = _usable_user(tx, stored, matches, purpose)
        if user is not None and made is not None:
            signer = _keep_made_key(tx, user, made)
        outcome = None if user is None else _signed_in(tx, user, purpose, signer)
    if outcome is None:
        raise SignInRefused
    return outcome


def _opened_key(stored: _Stored | None, password: str) -> Signer | None:
    """The account's signing key, opened by the password that just matched (slow: no
    transaction open). None if it has none or the password does not open it: its hash was
    replaced, or the key was; the account signs in, but cannot sign."""
    if stored is None:
        return None
    signer = open_user_key(stored.user_id, stored.sealed_key, password)
    if signer is None and stored.sealed_key is not None:
        log.warning("user %s: the password does not open the account's key", stored.user_id)
    return signer


@dataclass(frozen=True)
class _MadeKey:
    """A key pair made at sign-in for an account that has none, sealed under the password
    just typed (slow: made before the sign-in's transaction)."""

    sealed: SealedKey
    opened: Signer = field(repr=False)


def _key_to_make(stored: _Stored | None, password: str) -> _MadeKey | None:
    """A new key for an account that has none (made before keys were kept: a clinic upgraded
    from 0005), sealed under its matching password; None if it has one."""
    if stored is None or stored.sealed_key is not None:
        return None
    sealed, private_key = seal_new_key(password)
    return _MadeKey(sealed, Signer(stored.user_id, sealed.public_key, private_key))


def _keep_made_key(tx: Tx, user: User, made: _MadeKey) -> Signer | None:
    """Store the key made at sign-in, in the sign-in's transaction: the account can sign once
    an administrator certifies it ('ketachart keys certify'). None, and nothing stored, if
    the database is read-only or another sign-in stored a key meanwhile."""
    if tx.read_only or sealed_user_key(tx, user.id) is not None:
        return None
    store_user_key(tx, user.id, made.sealed)
    detail = "a key made at sign-in, to be certified by an administrator"
    audit(tx, actor_of(user), "user.key_made", "user", str(user.id), detail)
    return made.opened


def prove_password(db: Database, actor: Actor, password: str, *, purpose: str) -> PasswordProof:
    """`actor` types their password again (to sign, attest, ...). A refusal is recorded and
    counts towards the lock-out as a sign-in's does; a success writes nothing here: the
    action's service takes the proof (use_proof) and audits it with the action."""
    stored = _read_stored(db, select(User).where(User.id == actor.id))
    matches = _checked(stored, password)
    if matches and _still_usable(db, stored):
        signer = _opened_key(stored, password)
        return PasswordProof(replace(actor, signer=signer), purpose, db.clock.now(), _MINTED)
    with db.transaction() as tx:
        _usable_user(tx, stored, matches, purpose)
    raise SignInRefused


def use_proof(tx: Tx, proof: PasswordProof, *, purpose: str, actor: Actor | None = None) -> Actor:
    """Take a proof inside the action's transaction: it must be for this purpose (and this
    actor), recent, and the account still active and not locked. Audited under `purpose`
    with the failure count cleared. Returns the account as it is now."""
    wanted = actor is None or proof.actor.id == actor.id
    fresh = proof.proven_at <= tx.now <= proof.proven_at + PROOF_LIFETIME
    user = tx.orm.get(User, proof.actor.id)
    if proof.purpose != purpose or not wanted or not fresh or user is None:
        raise SignInRefused
    if not user.active or is_locked(user, tx.now):
        raise SignInRefused
    _clear_failures(tx, user)
    account = replace(actor_of(user), signer=proof.actor.signer)
    audit(tx, account, purpose, "user", str(user.id))
    return account


def change_own_password(
    db: Database, actor: Actor, current_password: str, new_password: str
) -> None:
    """Any user changes their own password: the current one is proven (a wrong one refuses
        as a sign-in does), the new one must meet the policy (ValidationError on "new_password");
        the must-change flag is cleared. The account's key is sealed again under the new password
    (the same key pair: its certificate stands). The argon2 steps run before the short write."""
    if new_password == current_password:
        raise ValidationError.single(
            "new_password", "The new password must differ from the current one."
        )
    _check_policy(db, actor, new_password)
    proof = prove_password(db, actor, current_password, purpose="password_change")
    new_hash = hash_password(new_password)
    opened = proof.actor.signer
    resealed = None if opened is None else seal(opened.private_key, new_password)
    with db.transaction() as tx:
        use_proof(tx, proof, purpose="password_change", actor=actor)
        user = tx.orm.get(User, actor.id)
        assert user is not None  # use_proof found it
        user.password_hash, user.must_change_password = new_hash, False
        user.password_changed_at = tx.now
        if resealed is not None:
            store_user_key(tx, user.id, resealed)
        audit(tx, actor, "user.password_change", "user", str(actor.id))


def _check_policy(db: Database, actor: Actor, password: str) -> None:
    with db.reading() as tx:
        clinic_name = get_clinic(tx).name
    problems = password_problems(
        password,
        username=actor.username,
        display_name=actor.display_name,
        clinic_name=clinic_name,
    )
    if problems:
        raise ValidationError.single("new_password", " ".join(problems))


def _by_username(username: str) -> Select[User]:
    return select(User).where(User.username == username)


def _read_stored(db: Database, query: Select[User]) -> _Stored | None:
    """The account's id and hash, in a short read that ends before the argon2 check."""
    with db.reading() as tx:
        user = tx.orm.scalar(query)
        if user is None:
            return None
        return _Stored(user.id, user.password_hash, sealed_user_key(tx, user.id))


def _checked(stored: _Stored | None, password: str) -> bool:
    """The argon2 check, with no transaction open; the dummy hash for an unknown name. A
    password over the limit is no account's (domain.passwords refuses it): the same work is
    done on an empty one, not on a pasted megabyte (argon2 pre-hashes all of it, seconds)."""
    dummy = _dummy_hash()  # made on every path, so the first sign-in is as slow for any name
    over = len(password) > limits.PASSWORD
    checked = "" if over else password
    matches = password_matches(dummy if stored is None else stored.password_hash, checked)
    return matches and stored is not None and not over


@cache
def _dummy_hash() -> str:
    """Checked for an unknown name so that it takes as long as a wrong password for a real
    one: made with the same parameters as real hashes, once per process (not at import,
    which would slow the app's start)."""
    return hash_password("ketachart: no such account, the same work as a real check")


def _still_usable(db: Database, stored: _Stored | None) -> bool:
    """After a matching password: the account is still active, not locked and unchanged."""
    with db.reading() as tx:
        user = None if stored is None else tx.orm.get(User, stored.user_id)
        return user is not None and _acceptable(tx, user, stored)


def _usable_user(tx: Tx, stored: _Stored | None, matches: bool, purpose: str) -> User | None:
    """The account if the checked password lets it in now; otherwise the refusal is
    recorded (audited; a wrong password counts towards the lock-out) and None returned."""
    user = None if stored is None else tx.orm.get(User, stored.user_id)
    if user is None:
        audit(tx, None, f"{purpose}.failed", "user", "", UNKNOWN_USER, username="")
        return None
    if matches and _acceptable(tx, user, stored):
        return user
    if not user.active:
        _audit_refusal(tx, user, f"{purpose}.failed", "account disabled")
    elif is_locked(user, tx.now):
        _audit_refusal(tx, user, f"{purpose}.refused", "account locked")
    else:
        _record_failure(tx, user, purpose)
    return None


def _acceptable(tx: Tx, user: User, stored: _Stored | None) -> bool:
    """Active, not locked, and the hash checked is still the account's (not changed since)."""
    unchanged = stored is not None and user.password_hash == stored.password_hash
    return user.active and not is_locked(user, tx.now) and unchanged


def _signed_in(tx: Tx, user: User, purpose: str, signer: Signer | None) -> SignedIn:
    """A sign-in let through: failures cleared, the time kept for the staff list, audited.
    The actor carries the signing key the password opened."""
    _clear_failures(tx, user)
    if not tx.read_only:
        user.last_sign_in_at = tx.now
    actor = replace(actor_of(user), signer=signer)
    audit(tx, actor, purpose, "user", str(user.id))
    return SignedIn(actor, user.must_change_password)


def _clear_failures(tx: Tx, user: User) -> None:
    if not tx.read_only and (user.failed_logins or user.locked_until is not None):
        user.failed_logins, user.locked_until = 0, None


def _audit_refusal(tx: Tx, user: User, action: str, detail: str) -> None:
    audit(tx, None, action, "user", str(user.id), detail, username=user.username)


def _record_failure(tx: Tx, user: User, purpose: str) -> None:
    """A wrong password: counted, and the fifth in a row locks the account for a while. A
    read-only database can count nothing (the audit entry is logged instead)."""
    if tx.read_only:
        _audit_refusal(tx, user, f"{purpose}.failed", "wrong password")
        return
    user.failed_logins += 1
    detail = f"wrong password, attempt {user.failed_logins}"
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until, user.failed_logins = tx.now + LOCKOUT, 0
        detail += ", account locked"
    _audit_refusal(tx, user, f"{purpose}.failed", detail)
