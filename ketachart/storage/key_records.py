"""The clinic key each workstation recorded, outside the database: the public key it saw when
it was set up (or first opened the database), per database, in a file of the workstation's
data folder. Someone with write access to the database can put in a clinic key of their own
and certify anyone with it; they cannot change what the workstations recorded."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ketachart.storage.anchors import write_json_atomically

log = logging.getLogger(__name__)
FILE_NAME = "clinic-keys.json"
FORMAT = 1


@dataclass(frozen=True)
class RecordedKey:
    """The clinic's public key as this workstation recorded it, and when (ISO 8601)."""

    public_key: str
    recorded_at: str
    path: Path


class KeyRecord:
    """This workstation's record of one database's clinic key, in the file `path`."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.key = key

    def recorded(self) -> RecordedKey | None:
        entry = _read(self.path).get(self.key)
        if not isinstance(entry, dict):
            return None
        public_key, when = entry.get("public_key"), entry.get("recorded_at")
        if not isinstance(public_key, str) or not isinstance(when, str):
            log.warning("the clinic key record holds a damaged entry; it is ignored")
            return None
        return RecordedKey(public_key, when, self.path)

    def record(self, public_key: str, recorded_at: str) -> None:
        """Record the clinic key, once: an existing record is never replaced by this."""
        books = _read(self.path)
        if isinstance(books.get(self.key), dict):
            return
        books[self.key] = {"public_key": public_key, "recorded_at": recorded_at}
        write_json_atomically(self.path, {"format": FORMAT, "databases": books})


def _read(path: Path) -> dict[str, object]:
    """The records per database; a missing or unreadable file is treated as empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    books = data.get("databases") if isinstance(data, dict) else None
    return books if isinstance(books, dict) else {}
