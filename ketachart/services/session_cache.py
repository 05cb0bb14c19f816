"""Reusing what was already read of a session. Events are append-only, so a cached copy stays
right as long as the chain head in the database is the one it ends with: each load reads the
head (one primary-key lookup) and only the events after the cached ones, and folds those onto
the cached state when that is exact (see timeline.extend_state).

Design: a `SessionCache` is one of a Database's typed caches (storage.caches): services reach
it as `tx.caches.of(SessionCache)`, which is the same object for every transaction of that
Database object and a different one for another Database object. It holds

- loaded sessions by id, at most MAX_SESSIONS (the least recently remembered is dropped
  first); only a session with events is kept, since its last event is what is checked against
  the chain head;
- the events this process appended, once their transaction committed, at most KEEP_COMMITTED
  per session (the oldest are dropped first), so that a cached session can be extended without
  reading them back.

Nothing here is trusted on its own: sessions.load_session uses a cached session only if its
last event is the chain head read in that transaction, and extends it only with events that
link on to it right up to that head; anything else is read from the database again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ketachart.domain.events import EventRecord

if TYPE_CHECKING:  # sessions imports this module: the type only, to avoid an import cycle
    from ketachart.services.sessions import LoadedSession

MAX_SESSIONS = 64
KEEP_COMMITTED = 32


class HasEvents(Protocol):
    @property
    def events(self) -> tuple[EventRecord, ...]: ...


def head_of(loaded: HasEvents) -> tuple[int, str]:
    last = loaded.events[-1]
    return last.seq, last.hash


def continues(loaded: HasEvents, newer: list[EventRecord]) -> bool:
    """True if `newer` follows on from the cached events without a gap or a broken link."""
    seq, digest = head_of(loaded)
    for event in newer:
        if event.seq != seq + 1 or event.prev_hash != digest:
            return False
        seq, digest = event.seq, event.hash
    return True


class SessionCache:
    """Loaded sessions and committed events of one Database (see the module docstring)."""

    def __init__(
        self, max_sessions: int = MAX_SESSIONS, keep_committed: int = KEEP_COMMITTED
    ) -> None:
        self.max_sessions = max_sessions
        self.keep_committed = keep_committed
        self._sessions: dict[str, LoadedSession] = {}  # oldest first
        self._committed: dict[str, list[EventRecord]] = {}

    def get(self, session_id: str) -> LoadedSession | None:
        """The session as last remembered, if still kept: check its head before using it."""
        return self._sessions.get(session_id)

    def remember(self, loaded: LoadedSession) -> None:
        """Keep `loaded` (in place of an older copy), dropping the oldest beyond the bound."""
        if not loaded.events:
            return
        session_id = loaded.row.id
        self._sessions.pop(session_id, None)
        if len(self._sessions) >= self.max_sessions:
            self._sessions.pop(next(iter(self._sessions)))
        self._sessions[session_id] = loaded

    def note_committed(self, record: EventRecord) -> None:
        """Remember an event this process appended, once its transaction has committed."""
        records = self._committed.setdefault(record.session_id, [])
        records.append(record)
        del records[: max(0, len(records) - self.keep_committed)]

    def committed_after(self, session_id: str, seq: int) -> list[EventRecord]:
        """Events this process committed to the session after entry `seq`, in chain order."""
        records = self._committed.get(session_id, [])
        return sorted((r for r in records if r.seq > seq), key=lambda r: r.seq)
