"""What `verify` checks with keys: every certificate is the clinic key's and every account row
is what its newest certificate says; every signature, attestation, witness and override
approval is a digital signature by the key certified for its signer when it was made, with a
role that may do it. None of this can be forged by rewriting rows and recomputing hashes:
that takes the clinic's or the user's private key (services.keys)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ketachart.domain.access import Action, is_allowed
from ketachart.domain.events import GENESIS_HASH
from ketachart.domain.findings import Problem
from ketachart.domain.vocab import Role
from ketachart.keys.signatures import signature_valid
from ketachart.models import Certificate, ClinicKey, User, UserKey
from ketachart.services.keys import (
    certificate_at,
    certificate_hash,
    certificate_is_genuine,
    clinic_public_key,
)
from ketachart.services.vouching import vouched_hashes
from ketachart.storage.database import Tx

NO_CLINIC_KEY = (
    "this clinic has no signing key: accounts and signatures are not certified; an "
    "administrator runs 'ketachart keys init'"
)
KEY_NOT_CERTIFIED = (
    "sign-in made a key that is not certified yet: an administrator runs 'ketachart keys certify'"
)
NO_KEY_YET = (
    "the account, made before the clinic key, has no key yet: it gets one at its next "
    "sign-in; then an administrator runs 'ketachart keys certify'"
)
ACCOUNT_FIELDS = ("username", "display_name", "credentials", "role", "active")


@dataclass
class Certificates:
    """Every certificate, by user, read once for a whole verify."""

    clinic_key: str | None
    by_user: dict[int, list[Certificate]] = field(default_factory=dict)
    vouched: set[str] = field(default_factory=set)
    """Hashes of entries signed before the clinic had keys that the clinic key vouched for."""
    genuine: dict[int, bool] = field(default_factory=dict)
    """Per certificate id, whether the clinic key signed it: checked once per verify, not
    once per signature."""

    @classmethod
    def read(cls, tx: Tx) -> Certificates:
        found = cls(clinic_public_key(tx))
        query = select(Certificate).order_by(Certificate.user_id, Certificate.version)
        for cert in tx.orm.scalars(query):
            found.by_user.setdefault(cert.user_id, []).append(cert)
        if found.clinic_key is not None:
            found.vouched = vouched_hashes(tx, found.clinic_key)
        return found

    def in_force(self, user_id: int, at: datetime) -> Certificate | None:
        """The genuine certificate of `user_id` in force at `at` (None if none is)."""
        cert = certificate_at(self.by_user.get(user_id, []), at)
        if cert is None or self.clinic_key is None:
            return None
        if cert.id not in self.genuine:
            self.genuine[cert.id] = certificate_is_genuine(cert, self.clinic_key)
        return cert if self.genuine[cert.id] else None


def signer_problem(
    certs: Certificates,
    signer_id: int,
    at: datetime,
    action: Action,
    message: Mapping[str, object],
    signature: str | None,
    *,
    entry_hash: str,
) -> str | None:
    """Why a digital signature does not stand, or None if it does: made with the key that
    the clinic certified for `signer_id` at `at`, for a role allowed `action`, active. An
    entry made before the clinic had keys carries none: it stands only if the clinic key
    vouched for that very entry (its hash) when the keys were made."""
    if certs.clinic_key is None:
        return None  # reported once, as NO_CLINIC_KEY
    if not signature:
        if entry_hash in certs.vouched:
            return None
        return "it carries no digital signature: forged, or made outside ketachart"
    cert = certs.in_force(signer_id, at)
    if cert is None:
        return "no genuine certificate of the clinic key vouches for its signer at that time"
    if not cert.active:
        return "its signer's account was disabled at that time"
    if not is_allowed(Role(cert.role), action):
        return f"its signer was certified as {cert.role} at that time, who may not do this"
    if not signature_valid(cert.public_key, message, signature):
        return "its digital signature does not match: the content or the signer was changed"
    return None


def verify_accounts(tx: Tx, certs: Certificates | None = None) -> list[Problem]:
    """Each user's certificates form an intact chain signed by the clinic key, and the
    account row and its key are what the newest certificate says (`certs`: the
    certificates, if the caller read them already)."""
    if certs is None:
        certs = Certificates.read(tx)
    if certs.clinic_key is None:
        return [Problem("clinic key", NO_CLINIC_KEY)] if _has_users(tx) else []
    keys = newest_user_keys(tx)
    keyed_since = _clinic_key_made(tx)
    problems: list[Problem] = []
    for user in tx.orm.scalars(select(User).order_by(User.id)):
        mine = certs.by_user.get(user.id, [])
        if not mine:
            problems.append(_uncertified(user, keys.get(user.id), keyed_since))
            continue
        problems.extend(_account_problems(user, mine, certs.clinic_key, keys.get(user.id)))
    return problems


def _clinic_key_made(tx: Tx) -> datetime | None:
    return tx.orm.scalar(select(ClinicKey.created_at).order_by(ClinicKey.id.desc()).limit(1))


def _uncertified(user: User, key: str | None, keyed_since: datetime | None) -> Problem:
    """An account the clinic key vouches for not at all: what made it so, and what to do."""
    where = f"user {user.id}"
    if key is not None:
        return Problem(where, KEY_NOT_CERTIFIED)
    if keyed_since is not None and user.created_at <= keyed_since:
        return Problem(where, NO_KEY_YET)
    return Problem(where, "the account has no certificate: added outside ketachart")


def _has_users(tx: Tx) -> bool:
    return tx.orm.scalar(select(User.id).limit(1)) is not None


def newest_user_keys(tx: Tx) -> dict[int, str]:
    """Each user's newest public key (the one their password opens)."""
    newest: dict[int, str] = {}
    for user_id, public_key in tx.orm.execute(
        select(UserKey.user_id, UserKey.public_key).order_by(UserKey.id)
    ):
        newest[user_id] = public_key
    return newest


def _account_problems(
    user: User, certs: list[Certificate], clinic_key: str, key: str | None
) -> Iterable[Problem]:
    where = f"user {user.id}"
    yield from _chain_problems(where, certs, clinic_key)
    newest = certs[-1]
    changed = [f for f in ACCOUNT_FIELDS if getattr(user, f) != getattr(newest, f)]
    if changed:
        yield Problem(
            where,
            f"the account's {', '.join(changed)} differ from its certificate: changed outside "
            "ketachart",
        )
    if key is not None and key != newest.public_key:
        yield Problem(where, "the account's key is not the one its certificate vouches for")


def _chain_problems(where: str, certs: list[Certificate], clinic_key: str) -> Iterable[Problem]:
    expected_prev = GENESIS_HASH
    for number, cert in enumerate(certs, start=1):
        if cert.version != number or cert.prev_hash != expected_prev:
            yield Problem(where, f"certificate {number} is missing or out of order")
        if cert.hash != certificate_hash(cert):
            yield Problem(where, f"certificate {cert.version} was changed after it was issued")
        elif not certificate_is_genuine(cert, clinic_key):
            yield Problem(where, f"certificate {cert.version} was not issued by the clinic key")
        expected_prev = cert.hash
