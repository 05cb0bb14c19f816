"""A session's status and what the review queue finds it by, derived from its timeline.

Kept as a summary row (services.session_summaries) in the same transaction as each event, so
the queue finds waiting sessions by an index instead of deriving every session; the row is a
cache of this derivation, never trusted over it (verify and the queue derive it again)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind, EventRecord
from ketachart.domain.timeline import SessionState
from ketachart.domain.vocab import SessionStatus


@dataclass(frozen=True)
class StatusSummary:
    """What the summary row of a session holds."""

    status: SessionStatus
    discharged_at: datetime | None
    signed_at: datetime | None
    unsigned_addenda: int

    @property
    def waiting(self) -> bool:
        return waiting_for_signature(self.status, self.unsigned_addenda)


def status_summary(state: SessionState, events: Sequence[EventRecord]) -> StatusSummary:
    """The summary of a session whose events are `events` and whose state they derive."""
    return StatusSummary(
        state.status, state.discharged_at, state.signed_at, len(unsigned_addenda(events))
    )


def waiting_for_signature(status: SessionStatus, unsigned: int) -> bool:
    """Whether a physician's signature is due: the summary of a discharged session, or an
    addendum to a signed one."""
    return status is SessionStatus.DISCHARGED or unsigned > 0


def unsigned_addenda(events: Sequence[EventRecord]) -> list[EventRecord]:
    """The session's addenda that no signature names yet, oldest first."""
    signed = {
        e.payload.addendum_id
        for e in events
        if isinstance(e.payload, p.Signature) and e.payload.addendum_id
    }
    return [e for e in events if e.kind is EventKind.ADDENDUM and e.id not in signed]
