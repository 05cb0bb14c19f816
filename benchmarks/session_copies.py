"""Copies of sessions charted through the services, written in bulk (benchmarks.scale_build
and benchmarks.verify_scale build their large databases with them).

Each copy is a new session whose chain is hashed again from its own session record by the
project's functions (domain.events, services.chains.audit_hash); its attestations and
signatures cover the copy's own content (services.signing), name its own patient's version,
and are signed again with the signer's own key; its audit entries are appended to the audit
trail in time order; its summary row is the template's, moved in time. `verify` finds the
copies as clean as the originals. Many copies are written as one batch: one statement per
table.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, update

from ketachart.domain import payloads as p
from ketachart.domain.events import (
    EventEnvelope,
    EventRecord,
    SessionHeader,
    decode_payload,
    encode_overrides,
    encode_payload,
)
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.status_summary import status_summary
from ketachart.keys.signer import Signer
from ketachart.models import AuditEntry, ChainHead, Event, InfusionSession, SessionSummaryRecord
from ketachart.services.chains import AUDIT_CHAIN, audit_hash, event_record, session_chain
from ketachart.services.protocols import get_protocol
from ketachart.services.session_summaries import summary_values
from ketachart.services.sessions import LoadedSession, SessionRow
from ketachart.services.signing import signed_content_hash, signed_message
from ketachart.storage.database import Tx

AuditOf = tuple[str, str, int | None, str | None]
"""An event's audit entry: action, username, user id and workstation."""


def _table(model: type) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


SESSIONS = _table(InfusionSession)
EVENTS = _table(Event)
HEADS = _table(ChainHead)
AUDIT = _table(AuditEntry)
SUMMARIES = _table(SessionSummaryRecord)


@dataclass(frozen=True)
class Template:
    """One session charted through the services, to be copied."""

    row: SessionRow
    created_by: int
    protocol_digest: str | None
    protocol: ProtocolSpec
    events: tuple[EventRecord, ...]
    audit: dict[str, AuditOf]
    texts: tuple[str, ...]
    """Each event's payload as stored (canonical JSON)."""
    mentions: tuple[tuple[str, ...], ...]
    """The template's event ids each payload names (a correction, a rescue medicine's side
    effect, an addendum's signature): replaced by the copy's own."""
    summary: dict[str, object]
    """The summary row of the template's own timeline (services.session_summaries)."""

    @property
    def ended_at(self) -> datetime:
        return max(e.recorded_at for e in self.events)


def read_templates(tx: Tx) -> list[Template]:
    """Every session of the database at `tx`, as a template, oldest first."""
    audit: dict[str, AuditOf] = {
        row.detail: (row.action, row.username, row.user_id, row.workstation)
        for row in tx.orm.execute(select(AUDIT).where(AUDIT.c.action.like("chart.%")))
    }
    templates = []
    for session in tx.orm.execute(select(SESSIONS).order_by(SESSIONS.c.created_at)):
        rows = tx.orm.execute(
            select(EVENTS).where(EVENTS.c.session_id == session.id).order_by(EVENTS.c.seq)
        ).all()
        records = tuple(event_record(r) for r in rows)
        row = SessionRow(
            session.id,
            session.patient_id,
            session.protocol_id,
            session.chair,
            session.session_date,
            session.created_at,
        )
        spec = get_protocol(tx, row.protocol_id).spec
        templates.append(_template(row, session, spec, records, audit))
    return templates


def _template(
    row: SessionRow,
    session: Any,
    spec: ProtocolSpec,
    records: tuple[EventRecord, ...],
    audit: dict[str, AuditOf],
) -> Template:
    ids = [r.id for r in records]
    texts = tuple(encode_payload(r.payload) for r in records)
    loaded = LoadedSession(row, spec, records)
    return Template(
        row=row,
        created_by=session.created_by,
        protocol_digest=session.protocol_digest,
        protocol=spec,
        events=records,
        audit={r.id: audit[r.id] for r in records},
        texts=texts,
        mentions=tuple(tuple(i for i in ids if i in text) for text in texts),
        summary=summary_values(status_summary(loaded.state(), loaded.events)),
    )


@dataclass(frozen=True)
class Placement:
    """Where a copy goes: moved in time by `shift`, for another patient (whose latest
    version's hash its signatures name) and chair, if given."""

    shift: timedelta = timedelta(0)
    patient_id: int | None = None
    patient_hash: str | None = None
    chair: str | None = None


@dataclass
class Batch:
    """The rows of many copies, written together by `write`."""

    sessions: list[dict[str, object]] = field(default_factory=list)
    events: list[dict[str, object]] = field(default_factory=list)
    heads: list[dict[str, object]] = field(default_factory=list)
    summaries: list[dict[str, object]] = field(default_factory=list)
    audit: list[SimpleNamespace] = field(default_factory=list)
    """Unchained audit entries: `write` orders them by time and chains them."""

    @property
    def event_count(self) -> int:
        return len(self.events)


class Copier:
    """Makes copies of templates into a batch; `signers` by user id sign them again."""

    def __init__(self, signers: dict[int, Signer | None]) -> None:
        self.signers = signers

    def copy(self, template: Template, placement: Placement, batch: Batch) -> str:
        """One copy of `template` placed as `placement`, into `batch`; its session id."""
        row = _placed_row(template, placement)
        header = SessionHeader(
            row.id,
            row.patient_id,
            row.protocol_id,
            row.chair,
            row.session_date,
            row.created_at,
            template.created_by,
            template.protocol_digest,
        )
        batch.sessions.append(
            dict(
                id=row.id,
                patient_id=row.patient_id,
                protocol_id=row.protocol_id,
                chair=row.chair,
                session_date=row.session_date,
                created_at=row.created_at,
                created_by=template.created_by,
                protocol_digest=template.protocol_digest,
            )
        )
        copied = self._events(template, placement, row, header.genesis_hash(), batch)
        batch.heads.append(
            dict(chain=session_chain(row.id), seq=copied[-1].seq, hash=copied[-1].hash)
        )
        for original, event in zip(template.events, copied, strict=True):
            batch.audit.append(_audit_entry(template.audit[original.id], event))
        batch.summaries.append({"session_id": row.id, **_moved(template.summary, placement.shift)})
        return row.id

    def _events(
        self,
        template: Template,
        placement: Placement,
        row: SessionRow,
        prev: str,
        batch: Batch,
    ) -> list[EventRecord]:
        ids = {e.id: str(uuid.uuid4()) for e in template.events}
        copied: list[EventRecord] = []
        for event, stored, mentions in zip(
            template.events, template.texts, template.mentions, strict=True
        ):
            renamed = _renamed(stored, mentions, ids)
            payload, text = self._payload(event, renamed, template, placement, row, copied)
            occurred_at = event.occurred_at + placement.shift
            recorded_at = event.recorded_at + placement.shift
            overrides = encode_overrides(event.overrides)
            envelope = EventEnvelope(
                ids[event.id],
                row.id,
                event.seq,
                event.kind,
                occurred_at,
                recorded_at,
                event.recorded_by,
                text,
                overrides,
                prev,
            )
            digest = envelope.compute_hash()
            copied.append(
                replace(
                    event,
                    id=envelope.id,
                    session_id=row.id,
                    occurred_at=occurred_at,
                    recorded_at=recorded_at,
                    payload=payload,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            batch.events.append(
                dict(
                    id=envelope.id,
                    session_id=row.id,
                    seq=event.seq,
                    kind=event.kind.value,
                    occurred_at=occurred_at,
                    recorded_at=recorded_at,
                    recorded_by=event.recorded_by,
                    payload=text,
                    overrides=overrides,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
        return copied

    def _payload(
        self,
        event: EventRecord,
        text: str,
        template: Template,
        placement: Placement,
        row: SessionRow,
        copied: Sequence[EventRecord],
    ) -> tuple[p.Payload, str]:
        """The copy's payload and its stored text: a correction's time is moved with the
        session; an attestation or signature covers the copy's own content and patient and is
        signed again by its signer's key (as services.signing does)."""
        if not isinstance(event.payload, p.Signature | p.Attestation | p.Correction):
            return event.payload, text
        payload = decode_payload(event.kind, json.loads(text))
        if isinstance(payload, p.Correction):
            if payload.replacement_occurred_at is None:
                return payload, text
            moved = payload.replacement_occurred_at + placement.shift
            payload = replace(payload, replacement_occurred_at=moved)
            return payload, encode_payload(payload)
        assert isinstance(payload, p.Signature | p.Attestation)
        signed = self._signed_again(payload, event, template, placement, row, copied)
        return signed, encode_payload(signed)

    def _signed_again(
        self,
        payload: p.Signature | p.Attestation,
        event: EventRecord,
        template: Template,
        placement: Placement,
        row: SessionRow,
        copied: Sequence[EventRecord],
    ) -> p.Signature | p.Attestation:
        loaded = LoadedSession(row, template.protocol, tuple(copied))
        head = next(e for e in copied if e.seq == payload.head_seq)
        patient_hash = payload.patient_version_hash
        if patient_hash is not None and placement.patient_hash is not None:
            patient_hash = placement.patient_hash
        unsigned = replace(
            payload,
            head_hash=head.hash,
            patient_version_hash=patient_hash,
            content_hash=signed_content_hash(loaded, head, patient_hash),
            key_signature=None,
        )
        signer = self.signers[event.recorded_by]
        assert signer is not None, f"no key for user {event.recorded_by}"
        return replace(unsigned, key_signature=signer.sign(signed_message(row.id, unsigned)))


def _renamed(text: str, mentions: Sequence[str], ids: dict[str, str]) -> str:
    """`text` naming the copy's own events where it named the template's."""
    for old in mentions:
        text = text.replace(old, ids[old])
    return text


def _placed_row(template: Template, placement: Placement) -> SessionRow:
    created_at = template.row.created_at + placement.shift
    days = (created_at.date() - template.row.created_at.date()).days
    return replace(
        template.row,
        id=str(uuid.uuid4()),
        patient_id=placement.patient_id or template.row.patient_id,
        chair=placement.chair or template.row.chair,
        session_date=template.row.session_date + timedelta(days=days),
        created_at=created_at,
    )


def _moved(summary: dict[str, object], shift: timedelta) -> dict[str, object]:
    """The summary's times moved with the session."""
    return {
        key: value + shift if isinstance(value, datetime) else value
        for key, value in summary.items()
    }


def _audit_entry(of: AuditOf, event: EventRecord) -> SimpleNamespace:
    action, username, user_id, workstation = of
    return SimpleNamespace(
        at=event.recorded_at,
        user_id=user_id,
        username=username,
        action=action,
        target_type="session",
        target_id=event.session_id,
        detail=event.id,
        workstation=workstation,
    )


def write(connection: Connection, batch: Batch) -> None:
    """Every row of `batch`, its audit entries chained at the end of the audit trail in time
    order (each session's own entries keep their order)."""
    for table, rows in (
        (SESSIONS, batch.sessions),
        (EVENTS, batch.events),
        (HEADS, batch.heads),
        (SUMMARIES, batch.summaries),
    ):
        if rows:
            connection.execute(insert(table), rows)
    _append_audit(connection, sorted(batch.audit, key=lambda entry: entry.at))


def _append_audit(connection: Connection, entries: Sequence[SimpleNamespace]) -> None:
    if not entries:
        return
    seq, prev = connection.execute(
        select(HEADS.c.seq, HEADS.c.hash).where(HEADS.c.chain == AUDIT_CHAIN)
    ).one()
    rows = []
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        prev = audit_hash(entry)
        rows.append({**vars(entry), "hash": prev})
    connection.execute(insert(AUDIT), rows)
    connection.execute(update(HEADS).where(HEADS.c.chain == AUDIT_CHAIN).values(seq=seq, hash=prev))
