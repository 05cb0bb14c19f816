"""The keys outside the database (services.keys, services.key_checks), on SQLite and PostgreSQL:
the clinic key opens only with its passphrase, no private key is stored in the clear, a user's
key follows their password, and every way of forging an account or a signature by rewriting
rows (with recomputed hashes, as a careful tamperer would) is reported by verify.

The attacks are made as someone with a SQL prompt: the append-only triggers dropped first, as
prove.tamper does. What the attacker cannot do is sign as the clinic or as another user."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, delete, func, insert, select, update

from ketachart.app import main
from ketachart.domain import payloads as p
from ketachart.domain.events import EventEnvelope, EventKind, encode_payload
from ketachart.domain.findings import Problem
from ketachart.domain.vocab import Role
from ketachart.errors import AuthenticationFailed
from ketachart.keys.sealed import seal_new_key
from ketachart.keys.signatures import signature_valid
from ketachart.models import (
    APPEND_ONLY_TABLES,
    Base,
    Certificate,
    ChainHead,
    ClinicKey,
    Event,
    User,
    UserKey,
)
from ketachart.services import keys, sign_in, signing, staff, users
from ketachart.services.actors import Actor
from ketachart.services.chains import session_chain
from ketachart.services.keys import ClinicKeyRefused
from ketachart.services.sessions import load_session
from ketachart.services.verify import verify_all
from ketachart.storage import dialect, key_records
from ketachart.storage.database import Database, Tx
from prove.full_disk import snapshot
from tests.cli_support import as_user
from tests.postgres import privileged
from tests.support import CLINIC_PASSPHRASE, PASSWORDS, Clinic, chart_to_discharged

ATTACKER_PASSWORD = "mallory-orchard-93"
NEW_PASSWORD = "violet-harbour-lamp-58"
TEMPORARY = "copper-kettle-dawn"
# chart_to_discharged: entries 1-10, the signature is entry 11
SIGNATURE_SEQ = 11
DOES_NOT_MATCH = "its digital signature does not match: the content or the signer was changed"


# --- helpers ------------------------------------------------------------------------------------


def problems(db: Database) -> list[Problem]:
    with db.reading() as tx:
        return verify_all(tx)


def discharged(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    return session_id


def sign_as(clinic: Clinic, actor: Actor, password: str, session_id: str) -> None:
    """`actor` signs the session through the service, proving `password` as the screen asks."""
    clinic.act(
        signing.sign_session,
        actor,
        session_id,
        clinic.proof(actor, password, signing.SIGN_PURPOSE),
        seen_head=clinic.seen(session_id),
    )


@pytest.fixture
def signed(clinic: Clinic) -> str:
    """A session the physician signed, with her own key."""
    session_id = discharged(clinic)
    sign_as(clinic, clinic.physician, PASSWORDS["drm"], session_id)
    return session_id


def as_attacker(db: Database, action: Callable[[Connection], object]) -> None:
    """Run `action` as someone with direct database access: append-only triggers dropped."""
    with privileged(db) as connection:
        for table in APPEND_ONLY_TABLES:
            for statement in dialect.drop_append_only_ddl(db.dialect_name, table):
                connection.exec_driver_sql(statement)
        action(connection)


def event_count(db: Database) -> int:
    with db.reading() as tx:
        return tx.orm.scalar(select(func.count()).select_from(Event)) or 0


def certificates_of(db: Database, user_id: int) -> list[Certificate]:
    with db.reading() as tx:
        found = keys.user_certificates(tx, user_id)
        tx.orm.expunge_all()
        return found


def user_keys_of(db: Database, user_id: int) -> list[str]:
    """The public keys of the user's sealed keys, oldest first."""
    with db.reading() as tx:
        query = select(UserKey.public_key).where(UserKey.user_id == user_id).order_by(UserKey.id)
        return list(tx.orm.scalars(query))


def swap_password_hash(connection: Connection, username: str, password: str) -> None:
    """The attacker puts the hash of a password they know on someone's account."""
    connection.execute(
        update(User)
        .where(User.username == username)
        .values(password_hash=users.hash_password(password))
    )


def insert_own_key(connection: Connection, user_id: int, password: str) -> str:
    """The attacker adds a key pair of their own, sealed under their password, to an account
    (user_keys is append-only: an INSERT is what it allows). Returns its public key."""
    sealed, _private = seal_new_key(password)
    connection.execute(
        insert(UserKey).values(
            user_id=user_id,
            public_key=sealed.public_key,
            sealed_private_key=sealed.to_json(),
            created_at=func.now(),
        )
    )
    return sealed.public_key


def signature_problem(session_id: str, why: str) -> Problem:
    return Problem(f"session {session_id}", f"signature at entry {SIGNATURE_SEQ}: {why}")


# --- the clinic key and the users' keys ----------------------------------------------------------


def test_a_wrong_passphrase_does_not_open_the_clinic_key(clinic: Clinic) -> None:
    before = snapshot(clinic.db)
    with pytest.raises(ClinicKeyRefused, match="The clinic key passphrase is not right"):
        keys.unlock_clinic_key(clinic.db, CLINIC_PASSPHRASE + "x")
    assert snapshot(clinic.db) == before
    opened = keys.unlock_clinic_key(clinic.db, CLINIC_PASSPHRASE)
    assert opened.public_key == clinic.clinic_key.public_key


def encodings(raw: bytes) -> Iterator[str]:
    """The ways a key's bytes could be written as text."""
    yield raw.hex()
    yield raw.hex().upper()
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode("ascii")
        yield text
        yield text.rstrip("=")


def every_stored_text(db: Database) -> str:
    """Every value of every row of every table, as text."""
    with db.reading() as tx:
        return "\n".join(
            str(value)
            for table in Base.metadata.sorted_tables
            for row in tx.orm.execute(select(table))
            for value in row
        )


def test_no_private_key_is_stored_in_the_clear(clinic: Clinic) -> None:
    stored = every_stored_text(clinic.db)
    assert clinic.clinic_key.public_key in stored  # the search finds a key that is there
    private_keys = [clinic.clinic_key.private_key]
    for actor in (clinic.admin, clinic.nurse, clinic.nurse2, clinic.physician):
        assert actor.signer is not None
        assert actor.signer.public_key in stored
        private_keys.append(actor.signer.private_key)
    for private_key in private_keys:
        for text in encodings(private_key.private_bytes_raw()):
            assert text not in stored


def test_sign_in_opens_the_users_certified_key(clinic: Clinic) -> None:
    signer = sign_in.sign_in(clinic.db, "nina", PASSWORDS["nina"]).actor.signer
    assert signer is not None
    with clinic.db.reading() as tx:
        assert signer.public_key == keys.certified_key(tx, clinic.nurse.id)
    message = {"purpose": "test", "text": "Zoë"}
    assert signature_valid(signer.public_key, message, signer.sign(message))


def test_a_password_change_seals_the_same_key_again(clinic: Clinic) -> None:
    physician = sign_in.sign_in(clinic.db, "drm", PASSWORDS["drm"]).actor
    certificates = len(certificates_of(clinic.db, physician.id))
    sign_in.change_own_password(clinic.db, physician, PASSWORDS["drm"], NEW_PASSWORD)
    first, again = user_keys_of(clinic.db, physician.id)
    assert first == again  # the same key pair, sealed under the new password
    assert len(certificates_of(clinic.db, physician.id)) == certificates  # its certificate stands
    with clinic.db.reading() as tx:
        sealed = keys.sealed_user_key(tx, physician.id)
    assert keys.open_user_key(physician.id, sealed, PASSWORDS["drm"]) is None
    after = sign_in.sign_in(clinic.db, "drm", NEW_PASSWORD).actor
    assert after.signer is not None
    assert after.signer.public_key == first
    sign_as(clinic, after, NEW_PASSWORD, discharged(clinic))
    assert problems(clinic.db) == []


def test_a_reset_gives_a_new_key_and_old_signatures_still_verify(
    clinic: Clinic, signed: str
) -> None:
    physician = clinic.physician
    clinic.later(5)
    clinic.act(
        staff.reset_password,
        clinic.admin,
        physician.id,
        users.new_password(TEMPORARY),
        clinic_key=clinic.clinic_key,
    )
    old, new = user_keys_of(clinic.db, physician.id)
    assert old != new
    first, second = certificates_of(clinic.db, physician.id)
    assert (first.public_key, second.public_key) == (old, new)
    clinic.later(5)
    temporary = sign_in.sign_in(clinic.db, "drm", TEMPORARY).actor
    sign_in.change_own_password(clinic.db, temporary, TEMPORARY, NEW_PASSWORD)
    after = sign_in.sign_in(clinic.db, "drm", NEW_PASSWORD).actor
    assert after.signer is not None
    assert after.signer.public_key == new
    sign_as(clinic, after, NEW_PASSWORD, discharged(clinic))
    assert problems(clinic.db) == []  # the first signature by the old key, the next by the new


ACCOUNT_CHANGES: dict[str, Callable[[Clinic], object]] = {
    "add": lambda c: c.act(
        staff.add_staff,
        c.admin,
        "olu",
        "Olu Bello",
        "RN",
        Role.NURSE,
        users.new_password(TEMPORARY),
        clinic_key=None,
    ),
    "reset password": lambda c: c.act(
        staff.reset_password, c.admin, c.nurse.id, users.new_password(TEMPORARY), clinic_key=None
    ),
    "change role": lambda c: c.act(
        staff.change_role, c.admin, c.nurse2.id, Role.PHYSICIAN, clinic_key=None
    ),
    "disable": lambda c: c.act(staff.disable, c.admin, c.nurse2.id, clinic_key=None),
    "enable": lambda c: c.act(staff.enable, c.admin, c.nurse2.id, clinic_key=None),
}


@pytest.mark.parametrize("change", ACCOUNT_CHANGES, ids=list(ACCOUNT_CHANGES))
def test_account_changes_without_the_clinic_key_are_refused(clinic: Clinic, change: str) -> None:
    if change == "enable":  # enabling a disabled account: disabled first, with the key
        clinic.act(staff.disable, clinic.admin, clinic.nurse2.id, clinic_key=clinic.clinic_key)
    before = snapshot(clinic.db)
    with pytest.raises(AuthenticationFailed, match="needs the clinic key passphrase"):
        ACCOUNT_CHANGES[change](clinic)
    assert snapshot(clinic.db) == before


# --- the attacks, each reported by verify ---------------------------------------------------------


def test_a_nurse_made_physician_in_sql_who_signs_is_reported(clinic: Clinic) -> None:
    """She signs with her own real key, through the service, and is then set back: the account
    row matches its certificate again, but the certificate in force said nurse."""
    session_id = discharged(clinic)

    def make_role(role: Role) -> Callable[[Connection], None]:
        def action(connection: Connection) -> None:
            connection.execute(
                update(User).where(User.id == clinic.nurse.id).values(role=role.value)
            )

        return action

    as_attacker(clinic.db, make_role(Role.PHYSICIAN))
    nurse = sign_in.sign_in(clinic.db, "nina", PASSWORDS["nina"]).actor
    assert nurse.role is Role.PHYSICIAN
    assert nurse.signer is not None
    sign_as(clinic, nurse, PASSWORDS["nina"], session_id)
    as_attacker(clinic.db, make_role(Role.NURSE))
    found = problems(clinic.db)
    assert (
        signature_problem(
            session_id, "its signer was certified as nurse at that time, who may not do this"
        )
        in found
    )
    assert not any(problem.where == f"user {clinic.nurse.id}" for problem in found)


def test_a_swapped_password_hash_signs_in_but_cannot_sign(clinic: Clinic) -> None:
    """The attacker signs in as the physician with their own password; her key does not open
    with it, so signing is refused and nothing is written."""
    session_id = discharged(clinic)
    as_attacker(clinic.db, lambda c: swap_password_hash(c, "drm", ATTACKER_PASSWORD))
    impostor = sign_in.sign_in(clinic.db, "drm", ATTACKER_PASSWORD).actor
    assert impostor.signer is None
    before = snapshot(clinic.db)
    with pytest.raises(AuthenticationFailed, match="signing key is not open"):
        sign_as(clinic, impostor, ATTACKER_PASSWORD, session_id)
    assert snapshot(clinic.db) == before
    assert clinic.state(session_id).status.value == "discharged"


def test_a_swapped_hash_and_key_pair_sign_but_are_reported(clinic: Clinic) -> None:
    """With their own key pair put on the account too, the attacker's key opens and signs;
    the signature does not match the key the physician's certificate vouches for."""
    session_id = discharged(clinic)
    physician_id = clinic.physician.id

    def take_over(connection: Connection) -> None:
        swap_password_hash(connection, "drm", ATTACKER_PASSWORD)
        insert_own_key(connection, physician_id, ATTACKER_PASSWORD)

    as_attacker(clinic.db, take_over)
    impostor = sign_in.sign_in(clinic.db, "drm", ATTACKER_PASSWORD).actor
    assert impostor.signer is not None
    sign_as(clinic, impostor, ATTACKER_PASSWORD, session_id)
    found = problems(clinic.db)
    assert signature_problem(session_id, DOES_NOT_MATCH) in found
    assert (
        Problem(
            f"user {physician_id}", "the account's key is not the one its certificate vouches for"
        )
        in found
    )


def rewrite_certificate(connection: Connection, cert: Certificate, **values: Any) -> None:
    """Change a certificate's columns and recompute its hash (services.keys.certificate_hash),
    as a careful tamperer would; the clinic key's signature cannot be made again."""
    for name, value in values.items():
        setattr(cert, name, value)
    connection.execute(
        update(Certificate)
        .where(Certificate.id == cert.id)
        .values(**values, hash=keys.certificate_hash(cert))
    )


def test_a_public_key_swapped_in_a_certificate_is_not_genuine(clinic: Clinic) -> None:
    """The attacker's key put in the physician's certificate (its hash recomputed) and on her
    account: they sign, but no genuine certificate vouches for that key."""
    session_id = discharged(clinic)
    physician_id = clinic.physician.id
    (cert,) = certificates_of(clinic.db, physician_id)

    def take_over(connection: Connection) -> None:
        swap_password_hash(connection, "drm", ATTACKER_PASSWORD)
        public_key = insert_own_key(connection, physician_id, ATTACKER_PASSWORD)
        rewrite_certificate(connection, cert, public_key=public_key)

    as_attacker(clinic.db, take_over)
    impostor = sign_in.sign_in(clinic.db, "drm", ATTACKER_PASSWORD).actor
    sign_as(clinic, impostor, ATTACKER_PASSWORD, session_id)
    found = problems(clinic.db)
    assert (
        Problem(f"user {physician_id}", "certificate 1 was not issued by the clinic key") in found
    )
    assert (
        signature_problem(
            session_id,
            "no genuine certificate of the clinic key vouches for its signer at that time",
        )
        in found
    )


def test_an_edited_certificate_row_is_reported(clinic: Clinic) -> None:
    nurse_id = clinic.nurse.id
    as_attacker(
        clinic.db,
        lambda c: c.execute(
            update(Certificate).where(Certificate.user_id == nurse_id).values(role="physician")
        ),
    )
    found = problems(clinic.db)
    assert Problem(f"user {nurse_id}", "certificate 1 was changed after it was issued") in found


def insert_signature(
    connection: Connection, session_id: str, payload: p.Signature, by: int, at: datetime
) -> None:
    """A Signature entry appended to the session in SQL, its hash recomputed (the domain's
    EventEnvelope.compute_hash) and the chain head moved to it: the chain is intact."""
    head = connection.execute(
        select(Event.seq, Event.hash)
        .where(Event.session_id == session_id)
        .order_by(Event.seq.desc())
        .limit(1)
    ).one()
    envelope = EventEnvelope(
        id=str(uuid.uuid4()),
        session_id=session_id,
        seq=head.seq + 1,
        kind=EventKind.SIGNATURE,
        occurred_at=at,
        recorded_at=at,
        recorded_by=by,
        payload_json=encode_payload(payload),
        overrides_json="[]",
        prev_hash=head.hash,
    )
    digest = envelope.compute_hash()
    connection.execute(
        insert(Event).values(
            id=envelope.id,
            session_id=session_id,
            seq=envelope.seq,
            kind=envelope.kind.value,
            occurred_at=at,
            recorded_at=at,
            recorded_by=by,
            payload=envelope.payload_json,
            overrides=envelope.overrides_json,
            prev_hash=envelope.prev_hash,
            hash=digest,
        )
    )
    connection.execute(
        update(ChainHead)
        .where(ChainHead.chain == session_chain(session_id))
        .values(seq=envelope.seq, hash=digest)
    )


def signature_of(db: Database, session_id: str) -> p.Signature:
    with db.reading() as tx:
        events = load_session(tx, session_id).events
    (payload,) = [e.payload for e in events if isinstance(e.payload, p.Signature)]
    return payload


def forged_for(db: Database, session_id: str, copied: p.Signature) -> p.Signature:
    """A signature of `session_id` right in every word (its content hash recomputed by the
    service's own function), with the digital signature copied from another session."""
    with db.reading() as tx:
        loaded = load_session(tx, session_id)
        head = loaded.events[-1]
        content_hash = signing.signed_content_hash(loaded, head)
    return replace(copied, content_hash=content_hash, head_seq=head.seq, head_hash=head.hash)


@pytest.mark.parametrize("how", ["copied", "forged"])
def test_a_signature_inserted_for_an_unsigned_session_is_reported(
    clinic: Clinic, signed: str, how: str
) -> None:
    unsigned = discharged(clinic)
    copied = signature_of(clinic.db, signed)
    assert copied.key_signature is not None
    payload = copied if how == "copied" else forged_for(clinic.db, unsigned, copied)
    at, by = clinic.clock.now(), clinic.physician.id
    as_attacker(clinic.db, lambda c: insert_signature(c, unsigned, payload, by, at))
    assert clinic.state(unsigned).status.value == "signed"  # as the screens would show it
    found = problems(clinic.db)
    assert signature_problem(unsigned, DOES_NOT_MATCH) in found
    assert not any(problem.where == f"session {signed}" for problem in found)


def test_a_clinic_key_replaced_in_sql_is_reported_by_the_workstation(
    clinic: Clinic,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The attacker puts a clinic key of their own in the database and re-issues every
    certificate with it (the nurse certified as a physician): every certificate is then
    genuine for the database's key. This workstation recorded the clinic key it first saw, in
    its own data folder; `ketachart verify` compares the two."""
    admin = as_user(monkeypatch, "admin")
    assert main(["--db", database_url, "verify", *admin]) == 0
    assert "database intact" in capsys.readouterr().out
    (record,) = Path(os.environ["XDG_DATA_HOME"]).rglob(key_records.FILE_NAME)
    assert clinic.clinic_key.public_key in record.read_text(encoding="utf-8")

    attacker = keys.new_clinic_key("mallory-clinic-passphrase")

    def replace_clinic_key(connection: Connection) -> None:
        connection.execute(
            update(ClinicKey).values(
                public_key=attacker.sealed.public_key,
                sealed_private_key=attacker.sealed.to_json(),
            )
        )
        connection.execute(delete(Certificate))
        connection.execute(
            update(User).where(User.id == clinic.nurse.id).values(role=Role.PHYSICIAN.value)
        )

    as_attacker(clinic.db, replace_clinic_key)
    with clinic.db.transaction() as tx:
        for user in tx.orm.scalars(select(User).order_by(User.id)):
            public_key = user_keys_of_in(tx, user.id)
            keys.certify(tx, attacker.unlocked, user, public_key, None)

    assert main(["--db", database_url, "verify", *admin]) == 1
    captured = capsys.readouterr()
    found = [line for line in captured.out.splitlines() if line.startswith("PROBLEM")]
    assert any(
        "clinic key" in line and "is not the one this workstation recorded" in line
        for line in found
    ), found
    assert "problem(s) found" in captured.err


def user_keys_of_in(tx: Tx, user_id: int) -> str:
    """The newest public key of the user, read in `tx`."""
    newest = tx.orm.scalar(
        select(UserKey.public_key)
        .where(UserKey.user_id == user_id)
        .order_by(UserKey.id.desc())
        .limit(1)
    )
    assert newest is not None
    return newest
