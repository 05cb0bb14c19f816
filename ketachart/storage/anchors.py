"""Anchors outside the database: the chain heads a workstation has seen, kept in its own data
folder, so that a history rewritten or cut short in the database (hashes recomputed, heads
rewritten) no longer extends what this workstation saw (checked by services.anchors).

The file is the owner's alone (storage.files) and replaced atomically (written under a hidden
name beside it, then renamed), so a crash never leaves half of it. It holds, per database,
per chain, the newest head seen: its sequence number, its hash and when it was seen. Heads are
noted in memory after each transaction (a dictionary update) and written at most every
`interval` seconds, and at close and verify: never a file write per keystroke."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from ketachart.storage.files import create_private_file, private_folder

log = logging.getLogger(__name__)
FILE_NAME = "anchors.json"
FORMAT = 1
SEEN_HEADS = "seen_heads"
"""The Tx.local key under which reads note the newest entry of a chain they read."""
Head = tuple[int, str]


@dataclass(frozen=True)
class Anchor:
    """One chain's head as seen at `seen_at` (ISO 8601), recorded by `source`."""

    chain: str
    seq: int
    hash: str
    seen_at: str
    source: str


def database_key(url: URL) -> str:
    """Which database a set of anchors belongs to: the SQLite file's full path, or the
    PostgreSQL server and database name (never the password)."""
    if url.get_backend_name() == "sqlite":
        return f"sqlite:{Path(url.database or '').resolve()}"
    return f"postgresql://{url.host or ''}:{url.port or ''}/{url.database or ''}"


def note_seen(local: dict[str, Any], chain: str, seq: int, digest: str) -> None:
    """Note in a transaction that entry `seq` of `chain` was read with hash `digest`."""
    seen: dict[str, Head] = local.setdefault(SEEN_HEADS, {})
    if seq > seen.get(chain, (0, ""))[0]:
        seen[chain] = (seq, digest)


class AnchorBook:
    """This workstation's anchors for one database, in the file `path`."""

    def __init__(
        self,
        path: Path,
        key: str,
        *,
        interval: float = 30.0,
        still_holds: Callable[[str, int, str], bool] | None = None,
    ) -> None:
        self.path = path
        self.key = key
        self.interval = interval
        self.still_holds = still_holds
        """Whether the database still holds entry (chain, seq) with that hash: an anchor is
        moved on only if so, so that writing past a rewritten history never hides it."""
        self._pending: dict[str, dict[str, Any]] = {}
        self._written_at = time.monotonic()
        self._lock = threading.RLock()  # the daily backup's thread writes too

    def note(self, heads: Mapping[str, Head | None], seen_at: str) -> None:
        """Remember heads seen (cheap); written to the file once `interval` has passed."""
        with self._lock:
            for chain, head in heads.items():
                if head is not None and head[0] > self._pending.get(chain, {}).get("seq", 0):
                    self._pending[chain] = {"seq": head[0], "hash": head[1], "seen_at": seen_at}
            if self._pending and time.monotonic() - self._written_at >= self.interval:
                self.flush_quietly()

    def flush(self) -> None:
        """Write what was noted, merged with the file (other processes of this workstation
        may have written meanwhile): per chain, the newer head is kept."""
        with self._lock:
            if self._pending:
                self._write_pending()

    def flush_quietly(self) -> None:
        """`flush` after a transaction committed or at close: a file that cannot be written
        (disk full, permissions) is logged, never turned into the user's action failing."""
        try:
            self.flush()
        except OSError as error:
            log.warning("the chain heads seen could not be recorded: %s", error.strerror)

    def _write_pending(self) -> None:
        books = _read(self.path)
        chains: dict[str, Any] = books.setdefault(self.key, {})
        for chain, head in self._pending.items():
            if self._moves_on(chains.get(chain), chain, head):
                chains[chain] = head
        write_json_atomically(self.path, {"format": FORMAT, "databases": books})
        self._pending.clear()
        self._written_at = time.monotonic()

    def _moves_on(self, old: dict[str, Any] | None, chain: str, new: dict[str, Any]) -> bool:
        if old is None:
            return True
        if new["seq"] <= old["seq"]:
            return False
        return self.still_holds is None or self.still_holds(chain, old["seq"], old["hash"])

    def discard(self) -> None:
        """Forget what was noted and not yet written (a verify that found problems)."""
        with self._lock:
            self._pending.clear()

    def anchors(self) -> list[Anchor]:
        """The anchors recorded in the file for this database (after `flush`)."""
        chains = _read(self.path).get(self.key, {})
        source = f"this workstation's anchor file {self.path}"
        return [
            Anchor(chain, int(head["seq"]), str(head["hash"]), str(head["seen_at"]), source)
            for chain, head in sorted(chains.items())
        ]


def _read(path: Path) -> dict[str, Any]:
    """The anchors per database; an unreadable or missing file is treated as empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    books = data.get("databases") if isinstance(data, dict) else None
    if not isinstance(books, dict):
        return {}
    return {key: _well_formed(chains) for key, chains in books.items()}


def _well_formed(chains: object) -> dict[str, Any]:
    """One database's anchors, without any entry a hand edit broke (a missing or mistyped
    seq, hash or time): such an entry is dropped with a warning, never an unexpected error."""
    if not isinstance(chains, dict):
        log.warning("the anchor file holds a damaged entry; it is ignored")
        return {}
    kept = {chain: head for chain, head in chains.items() if _is_head(head)}
    if len(kept) < len(chains):
        log.warning("the anchor file holds %d damaged entries; ignored", len(chains) - len(kept))
    return kept


def _is_head(head: object) -> bool:
    return (
        isinstance(head, dict)
        and isinstance(head.get("seq"), int)
        and isinstance(head.get("hash"), str)
        and isinstance(head.get("seen_at"), str)
    )


def write_json_atomically(path: Path, data: object) -> None:
    """Write `data` as JSON under a hidden name beside `path` (0600), then rename it."""
    private_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    create_private_file(temporary)
    try:
        with temporary.open("w", encoding="utf-8") as file:
            json.dump(data, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


VERIFIED_FILE_NAME = "verified.json"
"""Beside the anchor file: per database, the audit trail's head when a verify last found the
database clean (`verify --since-last` checks what the audit trail records after it)."""


def last_verified(book: AnchorBook) -> Anchor | None:
    """The audit trail's head at this workstation's last clean verify of the database."""
    path = book.path.with_name(VERIFIED_FILE_NAME)
    head = _read(path).get(book.key, {}).get("audit")
    if head is None:
        return None
    source = f"this workstation's last clean verify ({path})"
    return Anchor("audit", int(head["seq"]), str(head["hash"]), str(head["seen_at"]), source)


def note_verified(book: AnchorBook, head: Head, at: str) -> None:
    """Record the audit trail's head `head` as verified clean at `at`."""
    path = book.path.with_name(VERIFIED_FILE_NAME)
    books = _read(path)
    books[book.key] = {"audit": {"seq": head[0], "hash": head[1], "seen_at": at}}
    write_json_atomically(path, {"format": FORMAT, "databases": books})
