"""Which workstation wrote an entry: a stable random id made once, and a human name (the
machine's host name by default), kept in the workstation's data folder beside its anchors.

Every write records it in its audit entry (`audit_entries.workstation`), so that when one
workstation's clock is wrong, `verify` and the screens name that workstation, not the others
(services.clock_guard). The file is the owner's alone and written atomically (storage.files);
an unreadable file is replaced by a new identity rather than stopping the application."""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from ketachart.storage.files import create_private_file, private_folder

log = logging.getLogger(__name__)
FILE_NAME = "workstation.json"
NAME_LENGTH = 64
ID_LENGTH = 12


@dataclass(frozen=True)
class Workstation:
    """A workstation as recorded with each write: `id` is unique, `name` is for people."""

    id: str
    name: str

    @property
    def stored(self) -> str:
        """As kept in the audit trail: "<id> <name>" (the id holds no space)."""
        return f"{self.id} {self.name}"

    def __str__(self) -> str:
        return f"workstation '{self.name}' (id {self.id})"


def parse_stored(value: str) -> Workstation | None:
    """The workstation an audit entry names, or None for an entry written without one."""
    if not value:
        return None
    ident, _, name = value.partition(" ")
    return Workstation(ident, name or ident)


def load_or_create(folder: Path, name: str | None = None) -> Workstation:
    """This workstation's identity from `folder`, made (and kept) the first time. `name`
    overrides the host name for a new identity."""
    path = folder / FILE_NAME
    found = _read(path)
    if found is not None:
        return found
    made = Workstation(uuid.uuid4().hex[:ID_LENGTH], _clean(name or socket.gethostname()))
    try:
        _write_new(path, made)
    except OSError as error:  # still named, under an id of this run alone
        log.warning("the workstation identity could not be kept: %s", error.strerror)
        return made
    return _read(path) or made  # another process may have made it first: theirs holds


def _clean(name: str) -> str:
    """A name that fits the column and holds no line breaks."""
    return " ".join(name.split())[:NAME_LENGTH] or "workstation"


def _read(path: Path) -> Workstation | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("the workstation identity file cannot be read; a new one is made")
        return None
    ident, name = (data.get("id"), data.get("name")) if isinstance(data, dict) else (None, None)
    if not isinstance(ident, str) or not ident or " " in ident or not isinstance(name, str):
        log.warning("the workstation identity file is damaged; a new one is made")
        return None
    return Workstation(ident[:ID_LENGTH], _clean(name))


def _write_new(path: Path, made: Workstation) -> None:
    """Write under a hidden name, then rename into place unless a file is there already."""
    private_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    create_private_file(temporary)
    try:
        with temporary.open("w", encoding="utf-8") as file:
            json.dump({"id": made.id, "name": made.name}, file)
            file.flush()
            os.fsync(file.fileno())
        if _read(path) is None:
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
