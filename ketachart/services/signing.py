"""Attestation, physician signature and signed addenda. Each signature re-asks the password
and records the hash of the exact content signed, including the head of the event chain: the
head the signer's screen showed (`seen_head`), refused with ChartChangedSinceReview if the
chart gained entries since (domain.reviewed), so that nothing is signed unseen.
The password is proven before the signature's transaction (services.sign_in.prove_password,
outside any write transaction); the signature takes the proof and audits it with itself."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TypeVar

from ketachart.domain import payloads as p
from ketachart.domain.access import Action
from ketachart.domain.codec import canonical_json, to_plain
from ketachart.domain.events import EventKind, EventRecord
from ketachart.domain.findings import Problem
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.reviewed import ReviewedHead, require_reviewed, reviewed_head
from ketachart.domain.timeline import SessionStatus
from ketachart.errors import RuleViolation
from ketachart.services.actors import Actor
from ketachart.services.chains import (
    content_digest,
)
from ketachart.services.charting import chart
from ketachart.services.key_checks import Certificates, signer_problem
from ketachart.services.patient_history import latest_hash
from ketachart.services.sessions import LoadedSession, append_to_session, load_session
from ketachart.services.sign_in import PasswordProof, use_proof
from ketachart.storage.database import Tx

SignedPayload = TypeVar("SignedPayload", p.Signature, p.Attestation)
AUTHORED_BY = "authored by"
REVIEWED_AND_APPROVED = "reviewed and approved"
ADDENDUM_APPROVED = "addendum reviewed and approved"


def signed_content_hash(
    loaded: LoadedSession, head: EventRecord, patient_version_hash: str | None = None
) -> str:
    """What a signature covers: the session, its protocol version, its chain up to `head`,
    and the patient's version at signing (when recorded: older signatures did not)."""
    row = loaded.row
    content = {
        "session_id": row.id,
        "patient_id": row.patient_id,
        "protocol_id": row.protocol_id,
        "chair": row.chair,
        "session_date": row.session_date,
        "protocol": _protocol_json(loaded.protocol),
        "head_seq": head.seq,
        "head_hash": head.hash,
    }
    if patient_version_hash is not None:
        content["patient_version_hash"] = patient_version_hash
    return content_digest(content)


@lru_cache(maxsize=64)
def _protocol_json(protocol: ProtocolSpec) -> str:
    """A protocol version's canonical text, made once per version (`verify` checks every
    signature of every session, and the clinic has a handful of protocol versions)."""
    return canonical_json(protocol)


ATTEST_PURPOSE = "attest"
SIGN_PURPOSE = "sign"


def _reauthenticate(tx: Tx, actor: Actor, proof: PasswordProof, purpose: str) -> Actor:
    """The signer's own password, proven just now for this purpose (SignInRefused if not)."""
    return use_proof(tx, proof, purpose=purpose, actor=actor)


def attest(
    tx: Tx, actor: Actor, session_id: str, proof: PasswordProof, *, seen_head: ReviewedHead
) -> EventRecord:
    """The nurse signs their charting ('authored by') once the patient is discharged, as far
    as `seen_head` (the chart as their screen showed it)."""
    actor.require(Action.ATTEST)
    signer = _reauthenticate(tx, actor, proof, ATTEST_PURPOSE)
    loaded = load_session(tx, session_id)
    if loaded.state().status is not SessionStatus.DISCHARGED:
        raise RuleViolation("Attest after the patient is discharged and before signing.")
    if any(
        isinstance(e.payload, p.Attestation) and e.recorded_by == signer.id for e in loaded.events
    ):
        raise RuleViolation("You have already attested this session.")
    head = require_reviewed(loaded.events, seen_head)
    payload = _attestation(loaded, signer, head, latest_hash(tx, loaded.row.patient_id))
    return chart(tx, signer, session_id, payload, loaded=loaded)


def _signature(
    loaded: LoadedSession,
    signer: Actor,
    meaning: str,
    head: EventRecord,
    patient_hash: str | None,
    addendum_id: str | None = None,
) -> p.Signature:
    """The signature of the chain up to `head`, the head the signer reviewed, and of the
    patient's version `patient_hash` (the one current at signing)."""
    unsigned = p.Signature(
        meaning=meaning,
        signer_name=signer.display_name,
        credentials=signer.credentials,
        content_hash=signed_content_hash(loaded, head, patient_hash),
        head_seq=head.seq,
        head_hash=head.hash,
        addendum_id=addendum_id,
        patient_version_hash=patient_hash,
    )
    return _signed_with_key(loaded.row.id, unsigned, signer)


def _attestation(
    loaded: LoadedSession, signer: Actor, head: EventRecord, patient_hash: str | None
) -> p.Attestation:
    unsigned = p.Attestation(
        meaning=AUTHORED_BY,
        signer_name=signer.display_name,
        credentials=signer.credentials,
        content_hash=signed_content_hash(loaded, head, patient_hash),
        head_seq=head.seq,
        head_hash=head.hash,
        patient_version_hash=patient_hash,
    )
    return _signed_with_key(loaded.row.id, unsigned, signer)


def _signed_with_key(session_id: str, unsigned: SignedPayload, signer: Actor) -> SignedPayload:
    """`unsigned` with the signer's digital signature of it, made with their private key
    (opened by the password they just typed)."""
    key = signer.signing_key()
    return replace(unsigned, key_signature=key.sign(signed_message(session_id, unsigned)))


def signed_message(session_id: str, payload: p.Signature | p.Attestation) -> dict[str, object]:
    """What a signer's key signs: the session and the signature's own words without the
    digital signature (the content hash covers the record, protocol and chain up to the
    head the signer reviewed)."""
    return {
        "purpose": type(payload).__name__.lower(),
        "session_id": session_id,
        "payload": to_plain(replace(payload, key_signature=None)),
    }


def sign_session(
    tx: Tx, actor: Actor, session_id: str, proof: PasswordProof, *, seen_head: ReviewedHead
) -> EventRecord:
    """A physician approves a discharged session as reviewed up to `seen_head`; it is locked
    from then on."""
    actor.require(Action.SIGN)
    signer = _reauthenticate(tx, actor, proof, SIGN_PURPOSE)
    loaded = load_session(tx, session_id)
    status = loaded.state().status
    if status is SessionStatus.SIGNED:
        raise RuleViolation("This session is already signed.")
    if status is not SessionStatus.DISCHARGED:
        raise RuleViolation("Only a discharged session can be signed.")
    head = require_reviewed(loaded.events, seen_head)
    patient_hash = latest_hash(tx, loaded.row.patient_id)
    payload = _signature(loaded, signer, REVIEWED_AND_APPROVED, head, patient_hash)
    return append_to_session(tx, signer, loaded, payload, EventKind.SIGNATURE, tx.now)[0]


def add_addendum(tx: Tx, actor: Actor, session_id: str, text: str) -> EventRecord:
    """Later information for a discharged or signed session; it needs its own signature."""
    return chart(tx, actor, session_id, p.Addendum(text))


def sign_addendum(
    tx: Tx,
    actor: Actor,
    session_id: str,
    addendum_id: str,
    proof: PasswordProof,
    *,
    seen_head: ReviewedHead,
) -> EventRecord:
    """A physician approves an addendum; the signature covers the chain up to `seen_head`."""
    actor.require(Action.SIGN)
    signer = _reauthenticate(tx, actor, proof, SIGN_PURPOSE)
    loaded = load_session(tx, session_id)
    if not any(e.id == addendum_id and e.kind is EventKind.ADDENDUM for e in loaded.events):
        raise RuleViolation("That addendum is not in this session.")
    if any(
        isinstance(e.payload, p.Signature) and e.payload.addendum_id == addendum_id
        for e in loaded.events
    ):
        raise RuleViolation("That addendum is already signed.")
    head = require_reviewed(loaded.events, seen_head)
    patient_hash = latest_hash(tx, loaded.row.patient_id)
    payload = _signature(loaded, signer, ADDENDUM_APPROVED, head, patient_hash, addendum_id)
    return append_to_session(tx, signer, loaded, payload, EventKind.SIGNATURE, tx.now)[0]


def head_to_review(tx: Tx, session_id: str) -> ReviewedHead:
    """The session's head now, for a caller that shows or charts nothing in between (the
    demo, tests): a screen takes the head from the rows it rendered instead."""
    return reviewed_head(load_session(tx, session_id).events)


SIGNED_KINDS = frozenset({EventKind.SIGNATURE.value, EventKind.ATTESTATION.value})
UNCHECKABLE_SIGNATURES = "its signatures cannot be checked: an entry cannot be read"


def signature_problems(
    loaded: LoadedSession | None,
    intact: int,
    patient_hashes: set[str],
    certs: Certificates,
) -> list[Problem]:
    """Each attestation and signature of a session (`loaded.events`, read once by `verify`'s
    pass over the timeline) still matches the content it covered, and is a digital signature
    by the key the clinic certified for its signer at the time. `intact`: the last entry up
    to which the chain recomputes and links unbroken from the session record (a signature
    covers every entry up to its head, not only the head's stored hash); `patient_hashes`:
    the patient's recorded versions; `loaded` None: its protocol version is missing, so no
    signed content can be recomputed."""
    if loaded is None:
        return []
    session_id = loaded.row.id
    by_seq = {record.seq: record for record in loaded.events}
    problems = []
    for record in loaded.events:
        payload = record.payload
        if not isinstance(payload, p.Signature | p.Attestation):
            continue
        head = by_seq.get(payload.head_seq)
        patient_hash = payload.patient_version_hash
        expected = None if head is None else signed_content_hash(loaded, head, patient_hash)
        if (
            head is None
            or (patient_hash is not None and patient_hash not in patient_hashes)
            or payload.head_seq > intact
            or head.hash != payload.head_hash
            or expected != payload.content_hash
        ):
            problems.append(
                Problem(
                    f"session {session_id}",
                    f"signature at entry {record.seq} no longer matches the content it signed",
                )
            )
        why = _key_problem(certs, session_id, record, payload)
        if why is not None:
            problems.append(
                Problem(f"session {session_id}", f"signature at entry {record.seq}: {why}")
            )
    return problems


def _key_problem(
    certs: Certificates, session_id: str, record: EventRecord, payload: p.Signature | p.Attestation
) -> str | None:
    """Why the signature's digital signature does not stand (None if it does): by the key
    certified for its signer when it was recorded, for a role that may sign or attest, in
    the name the certificate gives."""
    action = Action.ATTEST if isinstance(payload, p.Attestation) else Action.SIGN
    message = signed_message(session_id, payload)
    why = signer_problem(
        certs,
        record.recorded_by,
        record.recorded_at,
        action,
        message,
        payload.key_signature,
        entry_hash=record.hash,
    )
    cert = certs.in_force(record.recorded_by, record.recorded_at)
    if (
        why is None
        and cert is not None
        and (cert.display_name, cert.credentials) != (payload.signer_name, payload.credentials)
    ):
        return "the name it prints is not its signer's certified name"
    return why
