"""Appending to the hash chains (session timelines and the audit trail) and reading them."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Protocol, cast

from sqlalchemy import Table, bindparam, insert, literal, select, update
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from ketachart.domain import payloads as p
from ketachart.domain.codec import canonical_json, format_instant
from ketachart.domain.events import (
    GENESIS_HASH,
    EventEnvelope,
    EventKind,
    EventRecord,
    Override,
    SessionHeader,
    chain_hash,
    decode_overrides,
    decode_payload,
    encode_overrides,
    encode_payload,
)
from ketachart.domain.rules import check_event_time
from ketachart.models import AuditEntry, ChainHead, Event, InfusionSession
from ketachart.services import clock_guard
from ketachart.services.actors import Actor
from ketachart.services.changes import note_session_changed
from ketachart.services.session_cache import SessionCache
from ketachart.storage.anchors import note_seen
from ketachart.storage.database import Tx

AUDIT_CHAIN = "audit"
# Core tables: appends are plain INSERTs, with none of the ORM unit-of-work overhead.
_EVENTS = cast(Table, Event.__table__)
_AUDIT = cast(Table, AuditEntry.__table__)
_HEADS = cast(Table, ChainHead.__table__)
UNREADABLE_ROW = (ValueError, TypeError, ArithmeticError)
"""What reading or decoding a row that was altered outside the application can raise (bad
JSON, an unknown kind, a missing field, text in a number or time column on SQLite)."""


SESSION_CHAIN_PREFIX = "session:"


def session_chain(session_id: str) -> str:
    return f"{SESSION_CHAIN_PREFIX}{session_id}"


def session_chain_of(
    session_id: InstrumentedAttribute[str] | ColumnElement[str],
) -> ColumnElement[str]:
    """`session_chain` in SQL, to join sessions to their chain heads in one query."""
    return literal(SESSION_CHAIN_PREFIX) + session_id


# Statements built once: appending is the hot path, and building a statement (coercing every
# value) costs more than running it.
_SELECT_HEADS = select(_HEADS.c.chain, _HEADS.c.seq, _HEADS.c.hash).where(
    _HEADS.c.chain.in_(bindparam("chains", expanding=True))
)
_INSERT_HEAD = insert(_HEADS)
_UPDATE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.chain == bindparam("head_chain"))
    .values(seq=bindparam("head_seq"), hash=bindparam("head_hash"))
)
_INSERT_EVENT = insert(_EVENTS)
_SELECT_EVENTS = (
    select(_EVENTS)
    .where(_EVENTS.c.session_id == bindparam("session_id"), _EVENTS.c.seq > bindparam("after_seq"))
    .order_by(_EVENTS.c.seq)
)
_INSERT_AUDIT = insert(_AUDIT)


def chain_heads(tx: Tx, chains: list[str]) -> dict[str, tuple[int, str]]:
    """The current (seq, hash) of each named chain that has entries. Read once per write
    transaction and then kept up to date by `_store_head`: the write lock is held throughout,
    so no other writer can move a head meanwhile."""
    known: dict[str, tuple[int, str] | None] = tx.local.setdefault("heads", {})
    missing = [c for c in chains if c not in known]
    if missing:
        rows = tx.orm.connection().execute(_SELECT_HEADS, {"chains": missing})
        found = {chain: (seq, digest) for chain, seq, digest in rows}
        known.update({c: found.get(c) for c in missing})
    return {c: head for c in chains if (head := known[c]) is not None}


def _next_link(heads: dict[str, tuple[int, str]], chain: str) -> tuple[int, str]:
    seq, digest = heads.get(chain, (0, GENESIS_HASH))
    return seq + 1, digest


def _store_head(tx: Tx, chain: str, seq: int, digest: str) -> None:
    """Move a chain's head; the first entry of a chain creates it."""
    tx.local.setdefault("heads", {})[chain] = (seq, digest)
    connection = tx.orm.connection()
    if seq == 1:
        connection.execute(_INSERT_HEAD, {"chain": chain, "seq": seq, "hash": digest})
    else:
        connection.execute(
            _UPDATE_HEAD, {"head_chain": chain, "head_seq": seq, "head_hash": digest}
        )


def next_link(tx: Tx, chain: str) -> tuple[int, str]:
    """The number and previous hash the next entry of `chain` takes, for chains appended to
    outside this module (services.row_history); `store_head` then moves the head."""
    return _next_link(chain_heads(tx, [chain]), chain)


def store_head(tx: Tx, chain: str, seq: int, digest: str) -> None:
    _store_head(tx, chain, seq, digest)


def _flush_pending(tx: Tx) -> None:
    """Rows added through the ORM (a new session, a new user) must exist before the Core
    inserts below refer to them."""
    if tx.orm.new or tx.orm.dirty:
        tx.orm.flush()


def append_event(
    tx: Tx,
    actor: Actor,
    session_id: str,
    payload: p.Payload,
    kind: EventKind,
    occurred_at: datetime,
    overrides: tuple[Override, ...] = (),
) -> EventRecord:
    """Write one event at the head of its session's chain, and its audit entry. Services
    append through sessions.append_to_session, which also keeps the session's summary row."""
    check_event_time(occurred_at, tx.now, None)  # every path: signatures, openings, entries
    _flush_pending(tx)
    _check_clock(tx, actor)
    occurred_at = occurred_at.astimezone(UTC)  # as stored: sorts by instant, even in DST
    chain = session_chain(session_id)
    heads = chain_heads(tx, [chain, AUDIT_CHAIN])
    seq, prev_hash = _next_link(heads, chain)
    if seq == 1:
        prev_hash = session_genesis(tx, session_id)
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
    tx.orm.connection().execute(
        _INSERT_EVENT,
        dict(
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
        ),
    )
    _store_head(tx, chain, seq, digest)
    _append_audit(
        tx,
        _next_link(heads, AUDIT_CHAIN),
        actor,
        f"chart.{kind.value}",
        "session",
        session_id,
        envelope.id,
        None,
    )
    record = EventRecord(
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
    tx.after_commit.append(lambda: tx.caches.of(SessionCache).note_committed(record))
    note_session_changed(tx, session_id)
    return record


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
    """Append one audit entry. `detail` must never hold patient identifiers or values. On a
    read-only database only looking is possible, and it cannot be recorded: logged instead."""
    if tx.read_only:
        logging.getLogger(__name__).info("read-only database: %s not audited", action)
        return
    _flush_pending(tx)
    _check_clock(tx, actor)
    link = _next_link(chain_heads(tx, [AUDIT_CHAIN]), AUDIT_CHAIN)
    _append_audit(tx, link, actor, action, target_type, target_id, detail, username)


def _check_clock(tx: Tx, actor: Actor | None) -> None:
    """A clock that disagrees with the reference time is flagged in the audit trail, never
    corrected: each workstation records its own time (see clock_guard)."""
    flag = clock_guard.check_clock(tx)
    if flag is not None:
        action, target_id, detail = flag
        audit(tx, actor, action, "clock", target_id, detail)


def _append_audit(
    tx: Tx,
    link: tuple[int, str],
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: str,
    detail: str,
    username: str | None,
) -> None:
    seq, prev_hash = link
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
        workstation=tx.workstation.stored if tx.workstation else "",
    )
    digest = audit_hash(entry)
    tx.orm.connection().execute(
        _INSERT_AUDIT,
        dict(
            seq=seq,
            at=entry.at,
            user_id=entry.user_id,
            username=entry.username,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail,
            prev_hash=prev_hash,
            hash=digest,
            workstation=entry.workstation,
        ),
    )
    _store_head(tx, AUDIT_CHAIN, seq, digest)


class AuditColumns(Protocol):
    """An audit_entries row: the ORM object or a Core row (verify streams Core rows)."""

    seq: int
    at: datetime
    user_id: int | None
    username: str
    action: str
    target_type: str
    target_id: str
    detail: str
    prev_hash: str
    hash: str
    workstation: str


def audit_hash(entry: AuditColumns) -> str:
    """The entry's chain hash. The workstation is covered only when one is named, so entries
    written before workstations were recorded keep their hashes."""
    content: dict[str, object] = {
        "seq": entry.seq,
        "at": format_instant(entry.at),
        "user_id": entry.user_id,
        "username": entry.username,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "detail": entry.detail,
    }
    if entry.workstation:
        content["workstation"] = entry.workstation
    return chain_hash(content, entry.prev_hash)


class EventColumns(Protocol):
    """An events row: the ORM object or a Core row, both read by attribute."""

    id: str
    session_id: str
    seq: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    recorded_by: int
    payload: str
    overrides: str
    prev_hash: str
    hash: str


def event_record(row: EventColumns) -> EventRecord:
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


def load_events(tx: Tx, session_id: str, after_seq: int = 0) -> list[EventRecord]:
    """A session's events in chain order (only those after `after_seq`, if given)."""
    rows = tx.orm.connection().execute(
        _SELECT_EVENTS, {"session_id": session_id, "after_seq": after_seq}
    )
    records = [event_record(cast(EventColumns, row)) for row in rows]
    _note_seen(tx, records)
    return records


def _note_seen(tx: Tx, records: list[EventRecord]) -> None:
    """The newest entry read of a session's chain, as an anchor (storage.anchors)."""
    if records:
        newest = records[-1]
        note_seen(tx.local, session_chain(newest.session_id), newest.seq, newest.hash)


def load_events_of(tx: Tx, session_ids: list[str]) -> dict[str, list[EventRecord]]:
    """The events of several sessions in one query, each session's in chain order."""
    rows = tx.orm.connection().execute(
        select(_EVENTS)
        .where(_EVENTS.c.session_id.in_(session_ids))
        .order_by(_EVENTS.c.session_id, _EVENTS.c.seq)
    )  # Core rows: no ORM objects to build for what is decoded at once
    found: dict[str, list[EventRecord]] = {}
    for row in rows:
        found.setdefault(row.session_id, []).append(event_record(cast(EventColumns, row)))
    for records in found.values():
        _note_seen(tx, records)
    return found


def envelope_of(row: EventColumns) -> EventEnvelope:
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


def session_genesis(tx: Tx, session_id: str) -> str:
    """What the first event of a session's chain links to: the hash of the session record
    (zeros if the record is missing, which verify reports on its own)."""
    session = tx.orm.get(InfusionSession, session_id)
    if session is None:
        return GENESIS_HASH
    return SessionHeader(
        session.id,
        session.patient_id,
        session.protocol_id,
        session.chair,
        session.session_date,
        session.created_at,
        session.created_by,
        session.protocol_digest,
    ).genesis_hash()


def content_digest(value: object) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
