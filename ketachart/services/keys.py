"""The clinic key, the users' keys and the certificates that bind them (ketachart.keys does
the cryptography; this module stores and reads it).

Trust model: whoever can write to the database can change any row and recompute any hash,
but cannot sign as the clinic or as a user: the private keys are stored only sealed, under
the administrator's passphrase or the user's password. A certificate, signed by the clinic
key, says what an account is (name, credentials, role, active) from a time on, and which
public key speaks for it; a signature is checked against the certificate valid when it was
made. Slow steps (stretching a passphrase or password) run with no transaction open."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from ketachart.domain.codec import format_instant
from ketachart.domain.events import GENESIS_HASH, chain_hash
from ketachart.domain.findings import Problem
from ketachart.errors import AuthenticationFailed, RuleViolation, ValidationError
from ketachart.keys.sealed import SealedKey, WrongSecret, open_sealed, seal_new_key
from ketachart.keys.signatures import fingerprint, sign_message, signature_valid
from ketachart.keys.signer import Signer
from ketachart.models import Certificate, ClinicKey, User, UserKey
from ketachart.storage.database import Database, Tx
from ketachart.storage.key_records import KeyRecord

MIN_PASSPHRASE = 12
NO_CLINIC_KEY = (
    "This clinic has no signing key yet. An administrator makes one with "
    "'ketachart keys init' (it asks for a new clinic key passphrase)."
)


class ClinicKeyRefused(AuthenticationFailed):
    """The passphrase typed does not open the clinic key."""

    def __init__(self) -> None:
        super().__init__(
            "The clinic key passphrase is not right. It is the passphrase chosen when the "
            "clinic was set up; ask the clinic's administrator."
        )


@dataclass(frozen=True)
class UnlockedClinicKey:
    """The clinic's private key, opened by its passphrase for one administrator's action."""

    public_key: str
    private_key: Ed25519PrivateKey = field(repr=False, compare=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def check_passphrase(passphrase: str) -> str | None:
    """What is wrong with a new clinic key passphrase, or None."""
    if len(passphrase) < MIN_PASSPHRASE:
        return f"The clinic key passphrase needs at least {MIN_PASSPHRASE} characters."
    return None


@dataclass(frozen=True)
class NewClinicKey:
    """A clinic key pair just made: sealed, to store, and open, to certify the first
    accounts in the same transaction."""

    sealed: SealedKey
    unlocked: UnlockedClinicKey


def new_clinic_key(passphrase: str) -> NewClinicKey:
    """A new clinic key pair sealed under `passphrase` (slow: before the transaction);
    ValidationError on "clinic_passphrase" if the passphrase is too short."""
    problem = check_passphrase(passphrase)
    if problem is not None:
        raise ValidationError.single("clinic_passphrase", problem)
    sealed, private_key = seal_new_key(passphrase)
    return NewClinicKey(sealed, UnlockedClinicKey(sealed.public_key, private_key))


def store_clinic_key(tx: Tx, key: NewClinicKey) -> UnlockedClinicKey:
    """Keep the new clinic key (sealed); a clinic has one, made once."""
    if clinic_public_key(tx) is not None:
        raise RuleViolation("This clinic already has a signing key.")
    tx.orm.add(
        ClinicKey(
            public_key=key.sealed.public_key,
            sealed_private_key=key.sealed.to_json(),
            created_at=tx.now,
        )
    )
    tx.orm.flush()
    return key.unlocked


def _newest_clinic_key(tx: Tx) -> ClinicKey | None:
    return tx.orm.scalar(select(ClinicKey).order_by(ClinicKey.id.desc()).limit(1))


def clinic_public_key(tx: Tx) -> str | None:
    """The clinic key's public half as the database holds it, or None before there is one."""
    row = _newest_clinic_key(tx)
    return None if row is None else row.public_key


def clinic_fingerprint(tx: Tx) -> str | None:
    """The clinic key's fingerprint as the database holds it (printed on every PDF)."""
    public = clinic_public_key(tx)
    return None if public is None else fingerprint(public)


def unlock_clinic_key(db: Database, passphrase: str) -> UnlockedClinicKey:
    """Open the clinic key with its passphrase: read, then stretch the passphrase with no
    transaction open. ClinicKeyRefused if it does not open; RuleViolation if there is none."""
    with db.reading() as tx:
        row = _newest_clinic_key(tx)
        stored = None if row is None else row.sealed_private_key
    if stored is None:
        raise RuleViolation(NO_CLINIC_KEY)
    try:
        sealed = SealedKey.from_json(stored)
        private_key = open_sealed(sealed, passphrase)
    except WrongSecret as error:
        raise ClinicKeyRefused from error
    return UnlockedClinicKey(sealed.public_key, private_key)


def store_user_key(tx: Tx, user_id: int, sealed: SealedKey) -> None:
    """Keep a user's key pair, sealed under their password (a new pair or the same pair
    sealed again under a new password)."""
    tx.orm.add(
        UserKey(
            user_id=user_id,
            public_key=sealed.public_key,
            sealed_private_key=sealed.to_json(),
            created_at=tx.now,
        )
    )


def sealed_user_key(tx: Tx, user_id: int) -> str | None:
    """The newest sealed key of a user, as stored (None for an account with none)."""
    return tx.orm.scalar(
        select(UserKey.sealed_private_key)
        .where(UserKey.user_id == user_id)
        .order_by(UserKey.id.desc())
        .limit(1)
    )


def open_user_key(user_id: int, stored: str | None, password: str) -> Signer | None:
    """The user's signing key opened by their password (slow: no transaction open), or None
    if the account has no key or the password does not open it (its hash was replaced)."""
    if stored is None:
        return None
    try:
        sealed = SealedKey.from_json(stored)
        return Signer(user_id, sealed.public_key, open_sealed(sealed, password))
    except WrongSecret:
        return None


def certificate_content(cert: Certificate) -> dict[str, object]:
    """What a certificate says, as hashed and signed."""
    return {
        "user_id": cert.user_id,
        "version": cert.version,
        "username": cert.username,
        "display_name": cert.display_name,
        "credentials": cert.credentials,
        "role": cert.role,
        "active": cert.active,
        "public_key": cert.public_key,
        "valid_from": format_instant(cert.valid_from),
        "issued_by": cert.issued_by,
        "clinic_key": cert.clinic_key,
    }


def certificate_hash(cert: Certificate) -> str:
    return chain_hash(certificate_content(cert), cert.prev_hash)


def certificate_message(cert: Certificate) -> dict[str, object]:
    """What the clinic key signs: the content, linked to the certificate before."""
    return {"certificate": certificate_content(cert), "prev_hash": cert.prev_hash}


def user_certificates(tx: Tx, user_id: int) -> list[Certificate]:
    return list(
        tx.orm.scalars(
            select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.version)
        )
    )


def certify(
    tx: Tx,
    clinic: UnlockedClinicKey,
    user: User,
    public_key: str,
    issued_by: int | None,
) -> Certificate:
    """The clinic key vouches for `user` as its row stands now, with `public_key`, from now
    on. Called in the transaction of every change to an account's name, role, state or key;
    the user's certificates form a chain (the newest links to the one before)."""
    if clinic_public_key(tx) != clinic.public_key:
        raise RuleViolation("That key is not this clinic's signing key.")
    tx.orm.flush()
    before = user_certificates(tx, user.id)
    cert = Certificate(
        user_id=user.id,
        version=len(before) + 1,
        username=user.username,
        display_name=user.display_name,
        credentials=user.credentials,
        role=user.role,
        active=user.active,
        public_key=public_key,
        valid_from=tx.now,
        issued_by=issued_by,
        clinic_key=clinic.public_key,
        prev_hash=before[-1].hash if before else GENESIS_HASH,
    )
    cert.hash = certificate_hash(cert)
    cert.signature = sign_message(clinic.private_key, certificate_message(cert))
    tx.orm.add(cert)
    tx.orm.flush()
    return cert


def certified_key(tx: Tx, user_id: int) -> str | None:
    """The public key the user's newest certificate vouches for."""
    certs = user_certificates(tx, user_id)
    return certs[-1].public_key if certs else None


def certificate_at(certs: list[Certificate], at: datetime) -> Certificate | None:
    """The certificate in force at `at`: the newest valid from then or earlier."""
    current = None
    for cert in certs:
        if cert.valid_from <= at:
            current = cert
    return current


def certificate_is_genuine(cert: Certificate, clinic_key: str) -> bool:
    """Signed by the clinic key over exactly what it says."""
    return (
        cert.clinic_key == clinic_key
        and certificate_hash(cert) == cert.hash
        and signature_valid(clinic_key, certificate_message(cert), cert.signature)
    )


def record_clinic_key(db: Database) -> None:
    """This workstation records the clinic key the database holds, the first time it sees
    one (at set-up, or the first time it opens the database); never replaced after."""
    if db.key_record is None or db.key_record.recorded() is not None:
        return
    with db.reading() as tx:
        public = clinic_public_key(tx)
    if public is not None:
        db.key_record.record(public, format_instant(db.clock.now()))


def check_recorded_clinic_key(tx: Tx, record: KeyRecord | None) -> list[Problem]:
    """The clinic key in the database is the one this workstation recorded."""
    public = clinic_public_key(tx)
    recorded = None if record is None else record.recorded()
    if public is None or recorded is None or recorded.public_key == public:
        return []
    return [
        Problem(
            "clinic key",
            f"the database's clinic key ({fingerprint(public)}) is not the one this "
            f"workstation recorded on {recorded.recorded_at[:10]} "
            f"({fingerprint(recorded.public_key)}, in {recorded.path}): the key, and every "
            "certificate and signature it vouches for, were replaced",
        )
    ]
