"""What the board derived of each session, reused for as long as the session's chain head has
not moved. Events are append-only, so a session whose head is the one its derivation ended with
has the same state: the board re-reads and re-derives only the sessions whose head moved (a save
on this workstation or another), and moves the others' countdowns on to the clock.

Design: a `BoardCache` is one of a Database's typed caches (storage.caches), reached as
`tx.caches.of(BoardCache)`. It holds one `BoardEntry` per session of the days the board last
showed (pruned to them on each refresh, so it stays a busy day or three in size). Nothing in it
is trusted on its own: services.board uses an entry only if its head is the chain head read in
that transaction. `derivations` and `retimings` count the work per session, so tests and the
benchmark can see that an unchanged session was not derived again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ketachart.domain.events import EventRecord
from ketachart.domain.timeline import SessionState

if TYPE_CHECKING:  # board imports this module: the type only, to avoid an import cycle
    from ketachart.services.board import BoardRow


@dataclass(frozen=True)
class BoardEntry:
    """One session as the board derived it at chain head `head`."""

    head: tuple[int, str]
    state: SessionState
    events: tuple[EventRecord, ...]
    protocol_name: str
    protocol_is_example: bool
    row: BoardRow
    """The board row as of `row.as_of`; `BoardRow.at` moves it on."""

    @property
    def opened_at(self) -> datetime:
        return self.state.opened_at

    @property
    def clock_moves_more_than_the_countdown(self) -> bool:
        """While an infusion runs (or is paused), the dose given so far, and so its alerts,
        change with the clock alone: the row is re-timed from `state`, not just moved on."""
        return self.state.infusion_running


class BoardCache:
    """Board entries of one Database, by session id (see the module docstring)."""

    def __init__(self) -> None:
        self._entries: dict[str, BoardEntry] = {}
        self.derivations: Counter[str] = Counter()
        """Times each session was read and derived for the board."""
        self.retimings: Counter[str] = Counter()
        """Times an unchanged session's row was re-timed from its kept state (not re-read,
        not re-derived): only while its infusion runs."""

    def current(self, session_id: str, head: tuple[int, str] | None) -> BoardEntry | None:
        """The entry, if it was derived at `head` (the chain head read now)."""
        entry = self._entries.get(session_id)
        return entry if entry is not None and entry.head == head else None

    def keep(self, session_id: str, entry: BoardEntry) -> None:
        self._entries[session_id] = entry
        self.derivations[session_id] += 1

    def note_retimed(self, session_id: str) -> None:
        self.retimings[session_id] += 1

    def keep_only(self, session_ids: Iterable[str]) -> None:
        """Forget the sessions no longer in the board's days (bounds what is kept)."""
        wanted = set(session_ids)
        for gone in [s for s in self._entries if s not in wanted]:
            del self._entries[gone]
        for counts in (self.derivations, self.retimings):
            for gone in [s for s in counts if s not in wanted]:
                del counts[gone]
