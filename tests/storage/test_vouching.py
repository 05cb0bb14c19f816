"""A clinic upgraded from before keys: its earlier signatures carry no digital signature.
'keys init' has the new clinic key vouch for exactly those entries (services.vouching), so
verify is clean after the upgrade, while an unkeyed signature added or changed later is
still reported."""

from __future__ import annotations

import json

from sqlalchemy import delete, insert, select, update

from ketachart.models import APPEND_ONLY_TABLES, Certificate, ClinicKey, Event, VouchedEntry
from ketachart.services import keys, signing
from ketachart.services.key_upgrade import init_clinic_key
from ketachart.services.verify import verify_all
from ketachart.storage import dialect
from prove.rewrites import edit_payload, rehash_session
from tests.postgres import privileged
from tests.support import CLINIC_PASSPHRASE, PASSWORDS, Clinic, chart_to_discharged

NO_KEY_SIGNATURE = "it carries no digital signature"


def _signed_session(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id)
    proof = clinic.proof(clinic.physician, PASSWORDS["drm"], signing.SIGN_PURPOSE)
    clinic.act(
        signing.sign_session,
        clinic.physician,
        session_id,
        proof,
        seen_head=clinic.seen(session_id),
    )
    return session_id


def _signature_seq(clinic: Clinic, session_id: str) -> int:
    with clinic.db.reading() as tx:
        return tx.orm.scalars(
            select(Event.seq).where(Event.session_id == session_id, Event.kind == "signature")
        ).one()


def _strip_key_signature(clinic: Clinic, session_id: str) -> None:
    """The signature as schema 0005 wrote it: no digital signature; the chain rehashed."""
    seq = _signature_seq(clinic, session_id)
    with privileged(clinic.db) as c:
        payload = json.loads(
            c.execute(
                select(Event.payload).where(Event.session_id == session_id, Event.seq == seq)
            ).scalar_one()
        )
        payload.pop("key_signature")
        c.execute(
            update(Event)
            .where(Event.session_id == session_id, Event.seq == seq)
            .values(payload=json.dumps(payload, sort_keys=True, separators=(",", ":")))
        )
        rehash_session(c, session_id, seq)
    clinic.db.caches.clear()


def _as_before_keys(clinic: Clinic) -> None:
    """No clinic key and no certificates, as after the upgrade to 0006."""
    with privileged(clinic.db) as c:
        c.execute(delete(Certificate))
        c.execute(delete(ClinicKey))


def _without_triggers(clinic: Clinic) -> None:
    with privileged(clinic.db) as c:
        for table in APPEND_ONLY_TABLES:
            for statement in dialect.drop_append_only_ddl(clinic.db.dialect_name, table):
                c.exec_driver_sql(statement)


def _init_keys(clinic: Clinic) -> None:
    new = keys.new_clinic_key(CLINIC_PASSPHRASE + "-upgraded")
    clinic.act(init_clinic_key, clinic.admin, new)


def _problems(clinic: Clinic) -> list[str]:
    with clinic.db.reading() as tx:
        return [str(problem) for problem in verify_all(tx)]


def test_signatures_from_before_the_keys_are_vouched_for_and_verify_clean(
    clinic: Clinic,
) -> None:
    old = _signed_session(clinic)
    _without_triggers(clinic)
    _strip_key_signature(clinic, old)
    _as_before_keys(clinic)
    _init_keys(clinic)
    with clinic.db.reading() as tx:
        vouched = tx.orm.scalars(select(VouchedEntry.session_id)).all()
    assert old in vouched
    assert _problems(clinic) == []


def test_an_unkeyed_signature_made_after_the_keys_is_reported(clinic: Clinic) -> None:
    _without_triggers(clinic)
    _as_before_keys(clinic)
    _init_keys(clinic)
    later = _signed_session(clinic)
    assert _problems(clinic) == []
    _strip_key_signature(clinic, later)
    found = _problems(clinic)
    assert any(later in f and NO_KEY_SIGNATURE in f for f in found), found


def test_a_vouched_signature_changed_afterwards_is_reported(clinic: Clinic) -> None:
    old = _signed_session(clinic)
    _without_triggers(clinic)
    _strip_key_signature(clinic, old)
    _as_before_keys(clinic)
    _init_keys(clinic)
    seq = _signature_seq(clinic, old)
    with privileged(clinic.db) as c:
        edit_payload(c, old, seq, {"meaning": "reviewed"})
        rehash_session(c, old, seq)
    clinic.db.caches.clear()
    found = _problems(clinic)
    assert any(old in f and NO_KEY_SIGNATURE in f for f in found), found


def test_a_vouch_the_clinic_key_did_not_sign_counts_for_nothing(clinic: Clinic) -> None:
    _without_triggers(clinic)
    _as_before_keys(clinic)
    _init_keys(clinic)
    later = _signed_session(clinic)
    _strip_key_signature(clinic, later)
    seq = _signature_seq(clinic, later)
    with clinic.db.reading() as tx:
        digest = tx.orm.scalars(
            select(Event.hash).where(Event.session_id == later, Event.seq == seq)
        ).one()
        public = keys.clinic_public_key(tx)
    assert public is not None
    with privileged(clinic.db) as c:
        c.execute(
            insert(VouchedEntry).values(
                event_hash=digest, session_id=later, clinic_key=public, signature="AAAA"
            )
        )
    found = _problems(clinic)
    assert any(later in f and NO_KEY_SIGNATURE in f for f in found), found
