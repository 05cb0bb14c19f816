"""Files and folders that hold clinic data are the owner's alone: folders 0700, files 0600,
whatever the umask.

The database, every backup, restored and pre-migration copy, the log and every export hold
patient data or tell about it. ketachart creates each of them through this module. SQLite
creates a database's -wal, -shm and -journal files with the database file's own permissions,
so a database file made here gives them 0600 too. Files and folders that exist already keep
their permissions (a clinic that shares one file between accounts sets them itself), except
ketachart's own folders in the user's data and log folders, which are made the owner's.
On Windows, the permissions of the user's profile apply (chmod only sets read-only there)."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

OWNER_FOLDER = 0o700
OWNER_FILE = 0o600
PRIVATE_UMASK = 0o077
"""The umask the application and the command line run under, so that anything a library
creates on their behalf is the owner's too (the explicit modes here do not rely on it)."""


def private_folder(path: Path, *, tighten: bool = False) -> Path:
    """Create `path` and any missing parent folders as 0700. An existing folder keeps its
    permissions unless `tighten` (one of ketachart's own folders), which makes it 0700."""
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for new in reversed(missing):
        try:
            new.mkdir(mode=OWNER_FOLDER)
        except FileExistsError:
            continue  # made meanwhile by another process
        _chmod(new, OWNER_FOLDER)  # mkdir's mode is cut by the umask
    if tighten:
        _chmod(path, OWNER_FOLDER)
    return path


def create_private_file(path: Path) -> None:
    """Create the new, empty file `path` as 0600; FileExistsError if it exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_FILE)
    try:
        _fchmod(descriptor)
    finally:
        os.close(descriptor)


def open_private_append(path: Path) -> int:
    """A descriptor to append to `path` (a log), which is created 0600 or made 0600."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, OWNER_FILE)
    _fchmod(descriptor)
    return descriptor


def write_private_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path`, which is created 0600 or made 0600 (an export)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_FILE)
    _fchmod(descriptor)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def _fchmod(descriptor: int) -> None:
    """Make an open file 0600 (needed when it existed, or the umask cut the mode). A file
    someone else owns cannot be changed: it keeps the permissions its owner gave it."""
    if sys.platform != "win32":
        with contextlib.suppress(PermissionError):
            os.fchmod(descriptor, OWNER_FILE)


def _chmod(path: Path, mode: int) -> None:
    if sys.platform != "win32":
        os.chmod(path, mode)
