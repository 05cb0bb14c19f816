"""Digital signatures on entries other than signatures: the witness of a controlled-substance
record and the physician who approves an entry's overrides. Each is made with the private key
their password opened when they signed in for it (Actor.signer), and checked by `verify`
against the certificate in force when the entry was recorded (services.key_checks). One
`…_message` function per kind says what is signed, for the signing and the checking alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from ketachart.domain import payloads as p
from ketachart.domain.access import Action
from ketachart.domain.codec import format_instant, to_plain
from ketachart.domain.events import (
    EventKind,
    EventRecord,
    Override,
    encode_overrides,
    encode_payload,
)
from ketachart.domain.findings import Problem
from ketachart.services.actors import Actor
from ketachart.services.key_checks import Certificates, signer_problem

WITNESS_PURPOSE = "witness"
APPROVAL_PURPOSE = "override approval"


def witness_message(
    session_id: str, kind: EventKind, record: p.ControlledSubstance
) -> dict[str, object]:
    """What the witness's key signs: the session, the entry's kind and the vial record as
    witnessed (without the witness's signature itself)."""
    return {
        "purpose": WITNESS_PURPOSE,
        "session_id": session_id,
        "kind": kind.value,
        "record": to_plain(replace(record, witness_signature=None)),
    }


def witnessed(
    session_id: str, record: p.ControlledSubstance, witness: Actor
) -> p.ControlledSubstance:
    """`record` signed by its witness (AuthenticationFailed if the witness's key is not open:
    nothing is written)."""
    key = witness.signing_key()
    message = witness_message(session_id, EventKind.CONTROLLED_SUBSTANCE, record)
    return replace(record, witness_signature=key.sign(message))


def approval_message(
    session_id: str,
    kind: EventKind,
    occurred_at: datetime,
    payload: p.Payload,
    overrides: tuple[Override, ...],
) -> dict[str, object]:
    """What the approving physician's key signs: the entry (session, kind, time, content)
    and every override it carries, by code and reason."""
    return {
        "purpose": APPROVAL_PURPOSE,
        "session_id": session_id,
        "kind": kind.value,
        "occurred_at": format_instant(occurred_at),
        "payload": encode_payload(payload),
        "overrides": [[o.code, o.reason] for o in overrides],
    }


def approved(
    session_id: str,
    kind: EventKind,
    occurred_at: datetime,
    payload: p.Payload,
    overrides: tuple[Override, ...],
    physician: Actor,
) -> tuple[Override, ...]:
    """`overrides` approved by `physician`: each names them and carries their signature of
    the entry (AuthenticationFailed if their key is not open: nothing is written)."""
    key = physician.signing_key()
    signature = key.sign(approval_message(session_id, kind, occurred_at, payload, overrides))
    return tuple(
        replace(o, approved_by=physician.id, approval_signature=signature) for o in overrides
    )


NO_OVERRIDES = encode_overrides(())


def carries_entry_signatures(kind: str, overrides: str) -> bool:
    """Whether a stored event (its raw kind and overrides) has a witness or an approval to
    check: a controlled-substance record, or an entry with overrides."""
    return kind == EventKind.CONTROLLED_SUBSTANCE.value or overrides != NO_OVERRIDES


def entry_signature_problems(certs: Certificates, record: EventRecord) -> list[Problem]:
    """Each witness of a controlled-substance record and each approval of an override is a
    digital signature by the key certified for that person when the entry was recorded, in a
    role that may witness (nurse, physician) or approve (physician). Called by `verify`'s
    single pass over the timeline for each entry `carries_entry_signatures` names."""
    where = f"session {record.session_id}"
    return [Problem(where, why) for why in _entry_problems(certs, record)]


def _entry_problems(certs: Certificates, record: EventRecord) -> Iterable[str]:
    payload = record.payload
    if isinstance(payload, p.ControlledSubstance):
        message = witness_message(record.session_id, record.kind, payload)
        why = signer_problem(
            certs,
            payload.witness_user_id,
            record.recorded_at,
            Action.CHART,
            message,
            payload.witness_signature,
            entry_hash=record.hash,
        )
        if why is not None:
            yield f"witness of the controlled-substance record at entry {record.seq}: {why}"
    yield from _approval_problems(certs, record)


def _approval_problems(certs: Certificates, record: EventRecord) -> Iterable[str]:
    """One finding per distinct reason: the overrides of an entry share one approval."""
    message = approval_message(
        record.session_id, record.kind, record.occurred_at, record.payload, record.overrides
    )
    found: list[str] = []
    for override in record.overrides:
        if override.approved_by is None:
            continue
        why = signer_problem(
            certs,
            override.approved_by,
            record.recorded_at,
            Action.OVERRIDE,
            message,
            override.approval_signature,
            entry_hash=record.hash,
        )
        text = f"override approval at entry {record.seq}: {why}"
        if why is not None and text not in found:
            found.append(text)
    return found
