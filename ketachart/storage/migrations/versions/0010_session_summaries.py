"""Session summary rows: each session's status and what the review queue finds it by, so the
queue is an indexed query instead of a derivation of every session ever charted.

A row is a cache of the session's timeline (domain.status_summary derives it), kept up to date
in the transaction of every event and checked by `verify`; it is updated in place, not
appended to. Existing sessions are summarised here with the same derivation, a batch of
sessions at a time.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from ketachart.domain.codec import from_plain
from ketachart.domain.events import EventKind, EventRecord, decode_overrides, decode_payload
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.status_summary import status_summary
from ketachart.domain.timeline import derive_state
from ketachart.models.base import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SUMMARIES = "session_summaries"
EVENT_COLUMNS = (
    *("id", "session_id", "seq", "kind", "recorded_by"),
    *("payload", "overrides", "prev_hash", "hash"),
)
BATCH = 500
"""Sessions summarised at a time: memory stays bounded on a large clinic."""


def upgrade() -> None:
    table = op.create_table(
        SUMMARIES,
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("discharged_at", UTCDateTime(), nullable=True),
        sa.Column("signed_at", UTCDateTime(), nullable=True),
        sa.Column("unsigned_addenda", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_session_summaries_session_id_sessions")
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_session_summaries")),
    )
    op.create_index("ix_session_summaries_waiting", SUMMARIES, ["waiting", "discharged_at"])
    op.create_index("ix_session_summaries_status", SUMMARIES, ["status", "discharged_at"])
    _summarise_existing_sessions(table)


def _summarise_existing_sessions(table: sa.Table) -> None:
    """Every session already charted, summarised from its events as they stand."""
    connection = op.get_bind()
    protocols = {
        row.id: from_plain(ProtocolSpec, json.loads(row.spec_json))
        for row in connection.execute(sa.text("SELECT id, spec_json FROM protocol_versions"))
    }
    for batch in _session_batches(connection):
        events = _events_of(connection, [session_id for session_id, _ in batch])
        rows = []
        for session_id, protocol_id in batch:
            records = events.get(session_id)
            if not records:
                continue  # nothing to derive from: verify reports a session without events
            summary = status_summary(derive_state(protocols[protocol_id], records), records)
            rows.append(
                {
                    "session_id": session_id,
                    "status": summary.status.value,
                    "discharged_at": summary.discharged_at,
                    "signed_at": summary.signed_at,
                    "unsigned_addenda": summary.unsigned_addenda,
                    "waiting": summary.waiting,
                }
            )
        if rows:
            connection.execute(table.insert(), rows)


def _session_batches(connection: sa.Connection) -> Iterator[list[tuple[str, int]]]:
    rows = connection.execute(sa.text("SELECT id, protocol_id FROM sessions ORDER BY id")).all()
    for start in range(0, len(rows), BATCH):
        yield [(r.id, r.protocol_id) for r in rows[start : start + BATCH]]


def _events_of(connection: sa.Connection, session_ids: Sequence[str]) -> dict[str, list[Any]]:
    events = sa.table(
        "events",
        *(sa.column(name) for name in EVENT_COLUMNS),
        sa.column("occurred_at", UTCDateTime()),
        sa.column("recorded_at", UTCDateTime()),
    )
    rows = connection.execute(
        sa.select(events)
        .where(events.c.session_id.in_(session_ids))
        .order_by(events.c.session_id, events.c.seq)
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        kind = EventKind(row.kind)
        found.setdefault(row.session_id, []).append(
            EventRecord(
                row.id,
                row.session_id,
                row.seq,
                kind,
                row.occurred_at,
                row.recorded_at,
                row.recorded_by,
                decode_payload(kind, json.loads(row.payload)),
                decode_overrides(row.overrides),
                row.prev_hash,
                row.hash,
            )
        )
    return found


def downgrade() -> None:
    """Drops the summaries: older code derives every session for its queue."""
    op.drop_index("ix_session_summaries_status", SUMMARIES)
    op.drop_index("ix_session_summaries_waiting", SUMMARIES)
    op.drop_table(SUMMARIES)
