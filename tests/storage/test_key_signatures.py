"""The witness of a controlled-substance record and the physician approving an override sign
with their own keys; `verify` checks each against the certificate in force. Rewriting the
entry in SQL, with the chain recomputed by the project's own hash functions, cannot make a
signature stand: removed, forged with another key, copied from another entry, or re-signed by
a nurse as approver, it is reported. A clinic upgraded without keys gets them: keys init,
keys made at sign-in, keys certify, and then everything signs and verifies clean."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, update

from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.codec import to_plain
from ketachart.domain.events import EventKind, EventRecord, Override, decode_overrides
from ketachart.domain.findings import Problem
from ketachart.domain.timeline import SessionStatus
from ketachart.errors import AuthenticationFailed
from ketachart.keys.signatures import sign_message
from ketachart.models import APPEND_ONLY_TABLES, ChainHead, Event
from ketachart.services import charting, keys, sessions, signing
from ketachart.services.chains import envelope_of, session_chain
from ketachart.services.entry_keys import approval_message, witness_message
from ketachart.services.key_checks import KEY_NOT_CERTIFIED, NO_CLINIC_KEY, NO_KEY_YET
from ketachart.services.key_upgrade import certify_uncertified, init_clinic_key
from ketachart.services.verify import verify_all
from ketachart.storage import dialect
from ketachart.storage.database import Database
from tests.postgres import privileged
from tests.storage.helpers import VIAL
from tests.storage.upgraded_clinic import UpgradedClinic, make_upgraded_clinic
from tests.support import (
    CLINIC_PASSPHRASE,
    PASSWORDS,
    Clinic,
    chart_to_discharged,
    chart_to_infusing,
)

NO_SIGNATURE = "it carries no digital signature: forged, or made outside ketachart"
MISMATCH = "its digital signature does not match: the content or the signer was changed"
NURSE_MAY_NOT = "its signer was certified as nurse at that time, who may not do this"
ADMIN_MAY_NOT = "its signer was certified as admin at that time, who may not do this"
ORDER = (Override("dose.rate", "Ordered by Dr Núñez"),)


def problems(db: Database) -> list[Problem]:
    with db.reading() as tx:
        return verify_all(tx)


def witness_problem(record: EventRecord, why: str) -> Problem:
    return Problem(
        f"session {record.session_id}",
        f"witness of the controlled-substance record at entry {record.seq}: {why}",
    )


def approval_problem(record: EventRecord, why: str) -> Problem:
    return Problem(
        f"session {record.session_id}", f"override approval at entry {record.seq}: {why}"
    )


def witnessed(clinic: Clinic, session_id: str, lot: str = "LOT-7") -> EventRecord:
    vial = replace(VIAL, lot=lot)
    return clinic.act(
        charting.record_controlled_substance, clinic.nurse, session_id, vial, clinic.nurse2
    )


def approved(clinic: Clinic, session_id: str, rate: str = "110") -> EventRecord:
    """A rate above the protocol's maximum, charted by the nurse, approved by the physician."""
    return clinic.act(
        charting.change_rate,
        clinic.nurse,
        session_id,
        Decimal(rate),
        "order",
        overrides=ORDER,
        approver=clinic.physician,
    )


@pytest.fixture
def infusing(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    return session_id


def rewrite_entry(db: Database, record: EventRecord, **columns: str) -> None:
    """Set `columns` of the stored entry, then recompute its chain from there with the
    project's hash functions and move the head: someone with direct database access and
    no private key (append-only triggers dropped first, as tests/prove do)."""
    at = (Event.session_id == record.session_id) & (Event.seq == record.seq)
    with privileged(db) as connection:
        for table in APPEND_ONLY_TABLES:
            for statement in dialect.drop_append_only_ddl(db.dialect_name, table):
                connection.exec_driver_sql(statement)
        connection.execute(update(Event).where(at).values(**columns))
        _rehash_from(connection, record.session_id, record.seq, record.prev_hash)


def _rehash_from(connection: Any, session_id: str, seq: int, prev: str) -> None:
    mine = Event.session_id == session_id
    last = connection.execute(select(func.max(Event.seq)).where(mine)).scalar_one()
    for number in range(seq, last + 1):
        at = mine & (Event.seq == number)
        connection.execute(update(Event).where(at).values(prev_hash=prev))
        row = connection.execute(select(Event.__table__).where(at)).one()
        prev = envelope_of(Event(**row._asdict())).compute_hash()
        connection.execute(update(Event).where(at).values(hash=prev))
    chain = ChainHead.chain == session_chain(session_id)
    connection.execute(update(ChainHead).where(chain).values(seq=last, hash=prev))


def stored_payload(db: Database, record: EventRecord) -> dict[str, Any]:
    with db.reading() as tx:
        row = tx.orm.get(Event, record.id)
        assert row is not None
        return dict(json.loads(row.payload))


def as_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def with_witness(db: Database, record: EventRecord, **change: object) -> None:
    """Rewrite the vial record's payload: `change` set, a None value taken out."""
    payload = stored_payload(db, record) | change
    payload = {k: v for k, v in payload.items() if v is not None}
    rewrite_entry(db, record, payload=as_json(payload))


def with_overrides(db: Database, record: EventRecord, **change: object) -> None:
    """Rewrite every override of the entry: `change` set, a None value taken out."""
    overrides = []
    for override in record.overrides:
        item = {**to_plain(override), **change}
        overrides.append({k: v for k, v in item.items() if v is not None})
    rewrite_entry(db, record, overrides=as_json(overrides))


# --- made and checked ---------------------------------------------------------------------


def test_a_witnessed_record_and_an_approved_override_verify_clean(
    clinic: Clinic, infusing: str
) -> None:
    vial = witnessed(clinic, infusing)
    rate = approved(clinic, infusing)
    by_physician = clinic.act(
        charting.change_rate, clinic.physician, infusing, Decimal(120), "order", overrides=ORDER
    )
    assert isinstance(vial.payload, p.ControlledSubstance)
    assert vial.payload.witness_user_id == clinic.nurse2.id
    assert vial.payload.witness_signature
    for record in (rate, by_physician):
        (override,) = record.overrides
        assert override.approved_by == clinic.physician.id
        assert override.approval_signature
    assert problems(clinic.db) == []


def test_the_signatures_are_stored_with_the_entry(clinic: Clinic, infusing: str) -> None:
    vial = witnessed(clinic, infusing)
    rate = approved(clinic, infusing)
    assert isinstance(vial.payload, p.ControlledSubstance)
    signature = vial.payload.witness_signature
    assert stored_payload(clinic.db, vial)["witness_signature"] == signature
    with clinic.db.reading() as tx:
        row = tx.orm.get(Event, rate.id)
        assert row is not None
        assert decode_overrides(row.overrides) == rate.overrides


def test_an_override_without_approval_keeps_its_form_from_before_keys(clinic: Clinic) -> None:
    """A nurse's own override (a changed weight, confirmed with a reason): no physician
    approves it, nothing is signed, and it is stored exactly as before keys were kept."""
    clinic.open_session(weight="70")
    confirmed = Override("weight.change", "Gained weight")
    loaded = clinic.act(
        sessions.open_session,
        clinic.nurse,
        clinic.patient.id,
        clinic.protocols[0].id,
        "Chair 2",
        Decimal(80),
        (confirmed,),
    )
    with clinic.db.reading() as tx:
        stored = tx.orm.scalar(select(Event.overrides).where(Event.session_id == loaded.row.id))
    assert stored == '[{"approved_by":null,"code":"weight.change","reason":"Gained weight"}]'
    assert problems(clinic.db) == []


def test_a_witness_whose_key_is_not_open_is_refused_and_nothing_written(
    clinic: Clinic, infusing: str
) -> None:
    before = clinic.state(infusing)
    witness = replace(clinic.nurse2, signer=None)
    with pytest.raises(AuthenticationFailed, match="signing key is not open"):
        clinic.act(charting.record_controlled_substance, clinic.nurse, infusing, VIAL, witness)
    assert clinic.state(infusing) == before


def test_an_approver_whose_key_is_not_open_is_refused_and_nothing_written(
    clinic: Clinic, infusing: str
) -> None:
    before = clinic.state(infusing)
    approver = replace(clinic.physician, signer=None)
    with pytest.raises(AuthenticationFailed, match="signing key is not open"):
        clinic.act(
            charting.change_rate,
            clinic.nurse,
            infusing,
            Decimal(110),
            "order",
            overrides=ORDER,
            approver=approver,
        )
    assert clinic.state(infusing) == before


# --- tampered in SQL ----------------------------------------------------------------------


def test_a_removed_witness_signature_is_reported(clinic: Clinic, infusing: str) -> None:
    vial = witnessed(clinic, infusing)
    with_witness(clinic.db, vial, witness_signature=None)
    assert problems(clinic.db) == [witness_problem(vial, NO_SIGNATURE)]


def test_a_witness_signature_forged_with_another_key_is_reported(
    clinic: Clinic, infusing: str
) -> None:
    vial = witnessed(clinic, infusing)
    assert isinstance(vial.payload, p.ControlledSubstance)
    message = witness_message(infusing, EventKind.CONTROLLED_SUBSTANCE, vial.payload)
    forged = sign_message(Ed25519PrivateKey.generate(), message)
    with_witness(clinic.db, vial, witness_signature=forged)
    assert problems(clinic.db) == [witness_problem(vial, MISMATCH)]


def test_a_witness_signature_copied_from_another_record_is_reported(
    clinic: Clinic, infusing: str
) -> None:
    first = witnessed(clinic, infusing, lot="LOT-7")
    second = witnessed(clinic, infusing, lot="LOT-8")
    assert isinstance(first.payload, p.ControlledSubstance)
    with_witness(clinic.db, second, witness_signature=first.payload.witness_signature)
    assert problems(clinic.db) == [witness_problem(second, MISMATCH)]


def test_a_witness_swapped_for_another_user_is_reported(clinic: Clinic, infusing: str) -> None:
    """The signature stays; the record names the physician as witness instead."""
    vial = witnessed(clinic, infusing)
    with_witness(
        clinic.db, vial, witness_user_id=clinic.physician.id, witness_name="María Núñez, MD"
    )
    assert problems(clinic.db) == [witness_problem(vial, MISMATCH)]


def test_an_admin_recorded_as_witness_with_their_own_signature_is_reported(
    clinic: Clinic, infusing: str
) -> None:
    """A real signature by the admin's own key: their role may not witness."""
    vial = witnessed(clinic, infusing)
    assert isinstance(vial.payload, p.ControlledSubstance)
    admin = clinic.admin
    as_admin = replace(vial.payload, witness_user_id=admin.id, witness_signature=None)
    message = witness_message(infusing, EventKind.CONTROLLED_SUBSTANCE, as_admin)
    signature = admin.signing_key().sign(message)
    with_witness(clinic.db, vial, witness_user_id=admin.id, witness_signature=signature)
    assert problems(clinic.db) == [witness_problem(vial, ADMIN_MAY_NOT)]


def test_an_edited_vial_record_breaks_its_witness_signature(clinic: Clinic, infusing: str) -> None:
    vial = witnessed(clinic, infusing)
    with_witness(clinic.db, vial, wasted_mg="5")
    assert problems(clinic.db) == [witness_problem(vial, MISMATCH)]


def test_a_removed_approval_signature_is_reported(clinic: Clinic, infusing: str) -> None:
    rate = approved(clinic, infusing)
    with_overrides(clinic.db, rate, approval_signature=None)
    assert problems(clinic.db) == [approval_problem(rate, NO_SIGNATURE)]


def test_an_approval_copied_from_another_entry_is_reported(clinic: Clinic, infusing: str) -> None:
    first = approved(clinic, infusing, "110")
    second = approved(clinic, infusing, "120")
    copied = first.overrides[0].approval_signature
    with_overrides(clinic.db, second, approval_signature=copied)
    assert problems(clinic.db) == [approval_problem(second, MISMATCH)]


def test_an_approval_forged_with_another_key_is_reported(clinic: Clinic, infusing: str) -> None:
    rate = approved(clinic, infusing)
    message = approval_message(infusing, rate.kind, rate.occurred_at, rate.payload, ORDER)
    forged = sign_message(Ed25519PrivateKey.generate(), message)
    with_overrides(clinic.db, rate, approval_signature=forged)
    assert problems(clinic.db) == [approval_problem(rate, MISMATCH)]


def test_an_approved_entry_edited_afterwards_breaks_its_approval(
    clinic: Clinic, infusing: str
) -> None:
    rate = approved(clinic, infusing)
    payload = stored_payload(clinic.db, rate) | {"rate_ml_h": "60"}
    rewrite_entry(clinic.db, rate, payload=as_json(payload))
    assert problems(clinic.db) == [approval_problem(rate, MISMATCH)]


def test_an_approval_reason_edited_afterwards_breaks_it(clinic: Clinic, infusing: str) -> None:
    rate = approved(clinic, infusing)
    with_overrides(clinic.db, rate, reason="Patient asked for it")
    assert problems(clinic.db) == [approval_problem(rate, MISMATCH)]


def test_a_nurse_recorded_as_approver_is_reported(clinic: Clinic, infusing: str) -> None:
    """The approval names the nurse and carries a real signature by the nurse's own key over
    the entry: only the role stops it."""
    rate = approved(clinic, infusing)
    nurse = clinic.nurse
    message = approval_message(infusing, rate.kind, rate.occurred_at, rate.payload, ORDER)
    signature = nurse.signing_key().sign(message)
    with_overrides(clinic.db, rate, approved_by=nurse.id, approval_signature=signature)
    assert problems(clinic.db) == [approval_problem(rate, NURSE_MAY_NOT)]


# --- a clinic upgraded without keys --------------------------------------------------------


@pytest.fixture
def upgraded(db: Database, clock: ManualClock) -> UpgradedClinic:
    return make_upgraded_clinic(db, clock)


def user_problems(upgraded: UpgradedClinic, why: str, *usernames: str) -> list[Problem]:
    return [Problem(f"user {upgraded.accounts[name].id}", why) for name in usernames]


def test_an_upgraded_clinic_is_told_to_make_its_key(upgraded: UpgradedClinic) -> None:
    assert problems(upgraded.db) == [Problem("clinic key", NO_CLINIC_KEY)]
    with upgraded.db.reading() as tx:
        assert keys.clinic_public_key(tx) is None


def test_a_sign_in_makes_a_key_for_an_account_without_one(upgraded: UpgradedClinic) -> None:
    nurse = upgraded.sign_in("nina")
    assert nurse.signer is not None
    with upgraded.db.reading() as tx:
        stored = keys.sealed_user_key(tx, nurse.id)
    assert keys.open_user_key(nurse.id, stored, PASSWORDS["nina"]) is not None
    again = upgraded.sign_in("nina")
    assert again.signer is not None
    assert again.signer.public_key == nurse.signer.public_key  # made once, then opened


def test_an_upgraded_clinic_gets_keys_then_signs_and_verifies_clean(
    upgraded: UpgradedClinic,
) -> None:
    db = upgraded.db
    admin = upgraded.sign_in("admin")  # the administrator's sign-in makes their key
    new_key = keys.new_clinic_key(CLINIC_PASSPHRASE)
    with db.transaction() as tx:
        done = init_clinic_key(tx, admin, new_key)
    assert [row.username for row in done.certified] == ["admin"]
    assert [row.username for row in done.waiting] == ["nina", "wes", "drm"]
    assert problems(db) == user_problems(upgraded, NO_KEY_YET, "nina", "wes", "drm")

    staff = {name: upgraded.sign_in(name) for name in ("nina", "wes", "drm")}
    assert problems(db) == user_problems(upgraded, KEY_NOT_CERTIFIED, "nina", "wes", "drm")

    clinic_key = keys.unlock_clinic_key(db, CLINIC_PASSPHRASE)
    with db.transaction() as tx:
        done = certify_uncertified(tx, admin, clinic_key)
    assert [row.username for row in done.certified] == ["nina", "wes", "drm"]
    assert done.waiting == ()
    assert problems(db) == []
    with db.transaction() as tx:
        again = certify_uncertified(tx, admin, clinic_key)
    assert again.certified == ()
    assert again.waiting == ()

    clinic = Clinic(
        db,
        upgraded.clock,
        admin,
        staff["nina"],
        staff["wes"],
        staff["drm"],
        upgraded.protocols,
        upgraded.patient,
        clinic_key,
    )
    session_id = _charted_and_signed(clinic)
    assert clinic.state(session_id).status is SessionStatus.SIGNED
    assert problems(db) == []


def _charted_and_signed(clinic: Clinic) -> str:
    """A session discharged and signed by the physician, then another with a witnessed
    vial record and an approved override."""
    signed = clinic.open_session()
    chart_to_discharged(clinic, signed)
    physician = clinic.physician
    clinic.act(
        signing.sign_session,
        physician,
        signed,
        clinic.proof(physician, PASSWORDS[physician.username], signing.SIGN_PURPOSE),
        seen_head=clinic.seen(signed),
    )
    infusing = clinic.open_session()
    chart_to_infusing(clinic, infusing)
    witnessed(clinic, infusing)
    approved(clinic, infusing)
    return signed
