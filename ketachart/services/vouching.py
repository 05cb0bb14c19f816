"""Entries signed before the clinic had keys (a clinic upgraded from schema 0005): their
signatures, attestations, witnesses and override approvals were checked by password alone and
carry no digital signature. When the clinic key is made ('ketachart keys init'), it vouches
for each such entry as it stands, by its hash; `verify` accepts a missing digital signature on
exactly those entries. An entry added later without one, or a vouched entry changed (its hash
with it), is still reported."""

from __future__ import annotations

from sqlalchemy import or_, select

from ketachart.domain.events import EventKind
from ketachart.keys.signatures import sign_message, signature_valid
from ketachart.models import Event, VouchedEntry
from ketachart.services.keys import UnlockedClinicKey
from ketachart.storage.database import Tx

SIGNED_KINDS = (
    EventKind.SIGNATURE.value,
    EventKind.ATTESTATION.value,
    EventKind.CONTROLLED_SUBSTANCE.value,
)
"""Entries that carry a signer's act; any entry with an override may carry an approval."""


def vouch_message(event_hash: str, session_id: str) -> dict[str, object]:
    return {"vouched_entry": event_hash, "session_id": session_id}


def vouch_for_existing(tx: Tx, clinic_key: UnlockedClinicKey) -> int:
    """The clinic key vouches for every entry that may carry a signer's act, as it stands
    now (called once, in the transaction that makes the clinic key); returns how many."""
    rows = tx.orm.execute(
        select(Event.hash, Event.session_id).where(
            or_(Event.kind.in_(SIGNED_KINDS), Event.overrides != "[]")
        )
    ).all()
    for event_hash, session_id in rows:
        tx.orm.add(
            VouchedEntry(
                event_hash=event_hash,
                session_id=session_id,
                clinic_key=clinic_key.public_key,
                signature=sign_message(
                    clinic_key.private_key, vouch_message(event_hash, session_id)
                ),
            )
        )
    tx.orm.flush()
    return len(rows)


def vouched_hashes(tx: Tx, clinic_key: str) -> set[str]:
    """The entries the clinic key really vouched for (a row it did not sign counts for none)."""
    return {
        row.event_hash
        for row in tx.orm.scalars(select(VouchedEntry))
        if row.clinic_key == clinic_key
        and signature_valid(
            clinic_key, vouch_message(row.event_hash, row.session_id), row.signature
        )
    }
