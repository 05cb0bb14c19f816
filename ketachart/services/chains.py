"""Appending to the hash chains (session timelines and the audit trail) and reading them."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime

from sqlalchemy import select

from ketachart.domain import payloads as p
from ketachart.domain.codec import canonical_json, format_instant
from ketachart.domain.events import (
    GENESIS_HASH,
    EventEnvelope,
    EventKind,
    EventRecord,
    Override,
    chain_hash,
    decode_overrides,
    decode_payload,
    encode_overrides,
    encode_payload,
)
from ketachart.models import AuditEntry, ChainHead, Event
from ketachart.services.actors import Actor
from ketachart.storage.database import Tx

AUDIT_CHAIN = "audit"


def session_chain(session_id: str) -> str:
    return f"session:{session_id}"


def _advance_head(tx: Tx, chain: str) -> tuple[int, str, ChainHead | None]:
    head = tx.orm.get(ChainHead, chain)
    if head is None:
        return 1, GENESIS_HASH, None
    return head.seq + 1, head.hash, head


def _store_head(tx: Tx, chain: str, head: ChainHead | None, seq: int, digest: str) -> None:
    if head is None:
        tx.orm.add(ChainHead(chain=chain, seq=seq, hash=digest))
    else:
        head.seq, head.hash = seq, digest


def append_event(
    tx: Tx,
    actor: Actor,
    session_id: str,
    payload: p.Payload,
    kind: EventKind,
    occurred_at: datetime,
    overrides: tuple[Override, ...] = (),
) -> EventRecord:
    """Write one event at the head of its session's chain, and its audit entry."""
    chain = session_chain(session_id)
    seq, prev_hash, head = _advance_head(tx, chain)
    envelope = EventEnvelope(
        id=str(uuid.uuid4()),
        session_id=session_id,
        seq=seq,
        kind=kind,
        occurred_at=occurred_at,
        recorded_at=tx.now,
        recorded_by=actor.id,
        payload_json=encode_payload(payload),
        overrides_json=encode_overrides(overrides),
        prev_hash=prev_hash,
    )
    digest = envelope.compute_hash()
    tx.orm.add(
        Event(
            id=envelope.id,
            session_id=session_id,
            seq=seq,
            kind=kind.value,
            occurred_at=occurred_at,
            recorded_at=tx.now,
            recorded_by=actor.id,
            payload=envelope.payload_json,
            overrides=envelope.overrides_json,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    _store_head(tx, chain, head, seq, digest)
    audit(tx, actor, f"chart.{kind.value}", "session", session_id, envelope.id)
    return EventRecord(
        envelope.id,
        session_id,
        seq,
        kind,
        occurred_at,
        tx.now,
        actor.id,
        payload,
        overrides,
        prev_hash,
        digest,
    )


def audit(
    tx: Tx,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: str,
    detail: str = "",
    *,
    username: str | None = None,
) -> None:
    """Append one audit entry. `detail` must never hold patient identifiers or values."""
    seq, prev_hash, head = _advance_head(tx, AUDIT_CHAIN)
    name = username if username is not None else (actor.username if actor else "")
    entry = AuditEntry(
        seq=seq,
        at=tx.now,
        user_id=actor.id if actor else None,
        username=name[:64],
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        prev_hash=prev_hash,
    )
    entry.hash = audit_hash(entry)
    tx.orm.add(entry)
    _store_head(tx, AUDIT_CHAIN, head, seq, entry.hash)
    tx.orm.flush()


def audit_hash(entry: AuditEntry) -> str:
    return chain_hash(
        {
            "seq": entry.seq,
            "at": format_instant(entry.at),
            "user_id": entry.user_id,
            "username": entry.username,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "detail": entry.detail,
        },
        entry.prev_hash,
    )


def event_record(row: Event) -> EventRecord:
    kind = EventKind(row.kind)
    return EventRecord(
        id=row.id,
        session_id=row.session_id,
        seq=row.seq,
        kind=kind,
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
        payload=decode_payload(kind, json.loads(row.payload)),
        overrides=decode_overrides(row.overrides),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def load_events(tx: Tx, session_id: str) -> list[EventRecord]:
    rows = tx.orm.scalars(select(Event).where(Event.session_id == session_id).order_by(Event.seq))
    return [event_record(row) for row in rows]


def envelope_of(row: Event) -> EventEnvelope:
    return EventEnvelope(
        id=row.id,
        session_id=row.session_id,
        seq=row.seq,
        kind=EventKind(row.kind),
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
        payload_json=row.payload,
        overrides_json=row.overrides,
        prev_hash=row.prev_hash,
    )


def content_digest(value: object) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
