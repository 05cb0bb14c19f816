"""What a committed action changed, so that open screens refresh from it instead of polling
(polling stays only for other workstations' writes)."""

from __future__ import annotations

from dataclasses import dataclass

from ketachart.storage.database import Tx

_CHANGED_SESSIONS = "changed_sessions"


@dataclass(frozen=True)
class Changes:
    """The sessions whose charts an action wrote to."""

    sessions: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.sessions)

    def touches(self, session_id: str) -> bool:
        return session_id in self.sessions


def note_session_changed(tx: Tx, session_id: str) -> None:
    changed: set[str] = tx.local.setdefault(_CHANGED_SESSIONS, set())
    changed.add(session_id)


def changes_of(tx: Tx) -> Changes:
    """What the transaction changed (read it once the transaction has committed)."""
    return Changes(frozenset(tx.local.get(_CHANGED_SESSIONS, ())))
