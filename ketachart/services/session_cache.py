"""Reusing what was already read of a session. Events are append-only, so a cached copy stays
right as long as the chain head in the database is the one it ends with: each load reads the
head (one primary-key lookup) and only the events after the cached ones, and folds those onto
the cached state when that is exact (see timeline.extend_state)."""

from __future__ import annotations

from typing import Any, Protocol

from ketachart.domain.events import EventRecord

MAX_SESSIONS = 64
MEMO_KEY = "sessions"


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


def cached(memo: dict[str, Any], session_id: str) -> Any:
    return memo.get(MEMO_KEY, {}).get(session_id)


def remember(memo: dict[str, Any], session_id: str, loaded: HasEvents) -> None:
    store: dict[str, HasEvents] = memo.setdefault(MEMO_KEY, {})
    store.pop(session_id, None)
    if len(store) >= MAX_SESSIONS:
        store.pop(next(iter(store)))
    store[session_id] = loaded


COMMITTED_KEY = "committed"
KEEP_COMMITTED = 32


def note_committed(memo: dict[str, Any], record: EventRecord) -> None:
    """Remember an event this process appended, once its transaction has committed."""
    store: dict[str, list[EventRecord]] = memo.setdefault(COMMITTED_KEY, {})
    records = store.setdefault(record.session_id, [])
    records.append(record)
    del records[:-KEEP_COMMITTED]


def committed_after(memo: dict[str, Any], session_id: str, seq: int) -> list[EventRecord]:
    """Events this process committed to the session after entry `seq`, in chain order."""
    records = memo.get(COMMITTED_KEY, {}).get(session_id, [])
    return sorted((r for r in records if r.seq > seq), key=lambda r: r.seq)
