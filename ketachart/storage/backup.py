"""Online copies of an SQLite database and the files they live in.

A copy is made with the SQLite backup API in one step: it reads one consistent snapshot while
other connections (other processes) keep writing, which WAL allows; an uncommitted transaction
is simply not in the copy. The live file, its -wal and its -shm are never copied as files.
A backup is written into a hidden temporary file beside its target (storage.outputs) and only
gets its real name once it has passed its checks (see services.backups), so a half-written copy
never looks like a backup.
"""

from __future__ import annotations

import errno
import hashlib
import re
import sqlite3
from datetime import date
from pathlib import Path

from sqlalchemy import exc, make_url

from ketachart.errors import BadDatabaseUrl, StorageError
from ketachart.storage import outputs
from ketachart.storage.database import sqlite_file_path
from ketachart.storage.files import create_private_file, private_folder

DATED_NAME = re.compile(r"^(?P<prefix>.+-)(?P<day>\d{4}-\d{2}-\d{2})\.sqlite$")
SIDE_FILES = ("-journal", "-wal", "-shm")


class UsePgDump(StorageError):
    """A PostgreSQL database: it is backed up and restored with pg_dump and pg_restore."""

    def __init__(self) -> None:
        super().__init__(
            "PostgreSQL databases are backed up with pg_dump, not with this command: "
            "pg_dump -Fc -f FILE.dump DBNAME, restored with pg_restore "
            "(see README: Backup and restore)."
        )


def sqlite_file(url: str) -> Path:
    """The existing SQLite file a database URL names; UsePgDump for PostgreSQL."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise BadDatabaseUrl(f"Not a database URL: {url!r}.") from error
    if parsed.get_backend_name() == "postgresql":
        raise UsePgDump()
    path = sqlite_file_path(parsed)
    if path is None:
        raise BadDatabaseUrl("Only an SQLite database file can be backed up by ketachart.")
    if not path.is_file():
        raise StorageError(f"There is no database file at {path}.")
    return path


def copy_online(source: Path, target: Path) -> None:
    """Copy the database at `source` (which may be in use) into the new file `target` (a
    copy before a migration), readable by its owner only (storage.files)."""
    if target.exists():
        raise StorageError(f"{target} exists already: a backup never overwrites a file.")
    private_folder(target.parent)
    try:
        create_private_file(target)  # 0600: SQLite gives its journal the same permissions
    except FileExistsError as error:
        raise StorageError(f"{target} exists already: a backup never overwrites a file.") from error
    except OSError as error:
        raise outputs.unwritable(target, error, "the copy of the database") from error
    try:
        copy_into(source, target, target, "the copy of the database")
    except BaseException:
        remove_copy(target)
        raise


def copy_into(source: Path, copy: Path, target: Path, what: str = "the copy") -> None:
    """Copy the database at `source` (which may be in use) into the empty file `copy` (made
    for `target`, the name it will get; `what` it is, e.g. 'the backup'), as one
    self-contained file (rollback journal mode,
    no -wal beside it). A copy that cannot be written raises OutputError naming `target`
    ("could not write the copy", which says nothing about the database); a source that
    cannot be read (damaged), UnreadableSource."""
    try:
        reader = sqlite3.connect(f"{source.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            written = sqlite3.connect(copy)
            try:
                reader.backup(written)  # pages=-1: the whole file in one step, one snapshot
                written.execute("PRAGMA journal_mode = DELETE")
            finally:
                written.close()
        finally:
            reader.close()
    except sqlite3.Error as error:
        raise _copy_error(error, source, target, what) from error


_WRITE_ERRNO = {
    sqlite3.SQLITE_FULL: errno.ENOSPC,
    sqlite3.SQLITE_IOERR: errno.EIO,
    sqlite3.SQLITE_READONLY: errno.EROFS,
    sqlite3.SQLITE_PERM: errno.EACCES,
}
"""SQLite's result codes for a copy that cannot be written, as the OS error they stand for."""


class UnreadableSource(StorageError):
    """The database to copy cannot be read (damaged, or not a database): a check's finding."""


def _copy_error(error: sqlite3.Error, source: Path, target: Path, what: str) -> StorageError:
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in _WRITE_ERRNO:
        as_os = OSError(_WRITE_ERRNO[primary], str(error))
        return outputs.unwritable(target, as_os, what)
    return UnreadableSource(f"the file {source} cannot be read as a database ({error})")


def remove_copy(path: Path) -> None:
    """Delete a copy and any journal files beside it."""
    for candidate in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)):
        candidate.unlink(missing_ok=True)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.absolute()}"


def backup_prefix(source: Path) -> str:
    """The name every automatic backup of one database file starts with: its name and a short
    hash of its full path, so copies of two databases never rotate each other away."""
    digest = hashlib.sha256(str(source.resolve()).encode("utf-8")).hexdigest()[:8]
    return f"{source.stem}-{digest}-"


def dated_backup(folder: Path, source: Path, day: date) -> Path:
    return folder / f"{backup_prefix(source)}{day.isoformat()}.sqlite"


def dated_backups(folder: Path, source: Path) -> list[Path]:
    """The automatic backups of `source` in `folder`, oldest first (other files are ignored)."""
    if not folder.is_dir():
        return []
    prefix = backup_prefix(source)
    found = []
    for path in folder.iterdir():
        match = DATED_NAME.match(path.name)
        if match and match["prefix"] == prefix and path.is_file():
            found.append((match["day"], path))
    return [path for _day, path in sorted(found)]


def rotate(folder: Path, source: Path, keep: int) -> list[Path]:
    """Delete the oldest automatic backups of `source` beyond the newest `keep`."""
    backups = dated_backups(folder, source)
    removed = backups[: max(0, len(backups) - keep)]
    for path in removed:
        remove_copy(path)
    return removed
