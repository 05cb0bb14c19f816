"""Turning driver errors into messages a nurse or an IT person can act on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import exc

from ketachart.errors import ConflictError, DatabaseDamaged, KetachartError, StorageError

_SQLITE_MESSAGES = (
    (
        "disk is full",  # SQLite's SQLITE_FULL: "database or disk is full"
        StorageError,
        "The disk is full, so nothing was saved (the disk holding the database{where}). Free "
        "some disk space there, then save again: what you typed is kept.",
    ),
    (
        "no space left on device",  # PostgreSQL: the server's disk
        StorageError,
        "The database server's disk is full, so nothing was saved. Ask IT to free space on "
        "the database server, then save again: what you typed is kept.",
    ),
    (
        "could not extend file",  # PostgreSQL: the server's disk
        StorageError,
        "The database server's disk is full, so nothing was saved. Ask IT to free space on "
        "the database server, then save again: what you typed is kept.",
    ),
    (
        "disk i/o error",  # SQLite's SQLITE_IOERR: a failing, full or disconnected disk
        StorageError,
        "The disk holding the database{where} reported an error (disk I/O error), so "
        "nothing was saved: it may be full, failing or disconnected. Free some space there "
        "or ask IT to check the disk, then save again: what you typed is kept.",
    ),
    (
        "database is locked",
        StorageError,
        "Another workstation kept the database busy, so nothing was saved. Save again.",
    ),
    (
        "readonly database",
        StorageError,
        "The database{where} is read-only, so nothing was saved. Ask IT to check the file's "
        "permissions, and that its disk is not mounted read-only.",
    ),
    (
        "read-only transaction",  # PostgreSQL opened read-only (KETACHART_READ_ONLY=1)
        StorageError,
        "The database is read-only, so nothing was saved. Ask IT why it was opened read-only.",
    ),
    (
        "not a database",
        DatabaseDamaged,
        "The database file is damaged or is not a ketachart "
        "database. Restore it from a backup (see README: Backup and restore).",
    ),
    (
        "malformed",
        DatabaseDamaged,
        "The database file is damaged. Nothing will be written to "
        "it. Restore it from a backup (see README: Backup and restore).",
    ),
    (
        "could not decode",
        DatabaseDamaged,
        "The database holds text that cannot be read: the file is damaged. Nothing will be "
        "written to it. Restore it from a backup (see README: Backup and restore).",
    ),
    (
        "unsupported file format",
        DatabaseDamaged,
        "The database file is damaged or was made by a newer SQLite. Restore it from a "
        "backup (see README: Backup and restore).",
    ),
    (
        "no such ",
        DatabaseDamaged,
        "The database lacks a table or column ketachart needs: it is damaged or is not a "
        "ketachart database. Restore it from a backup (see README: Backup and restore).",
    ),
    (
        "append-only",
        StorageError,
        "The database refused to change or delete a charted entry: entries are append-only.",
    ),
    (
        "permission denied",  # PostgreSQL: the application's role may not (storage.pg_roles)
        StorageError,
        "The database refused this change: the account ketachart connects with may not make "
        "it (charted entries are append-only). Nothing was saved.",
    ),
    (
        "unable to open database",
        StorageError,
        "The database file{where} cannot be opened. Check that its folder exists, and the "
        "permissions of the file and the folder.",
    ),
)


def translate(error: exc.DBAPIError, where: Path | None = None) -> KetachartError:
    """A KetachartError for a database error, never with patient data in it. `where`: the
    database file, named in the messages about its disk or its permissions."""
    text = str(error.orig).lower() if error.orig is not None else str(error).lower()
    if isinstance(error, exc.IntegrityError) and "append-only" not in text:
        return ConflictError(
            "Someone else saved to this record at the same moment, so this "
            "entry was not saved. Check the chart and save again."
        )
    for needle, cls, message in _SQLITE_MESSAGES:
        if needle in text:
            return cls(message.format(where=f" {where}" if where is not None else ""))
    if isinstance(error, exc.OperationalError | exc.InterfaceError) and not _from_sqlite(error):
        return StorageError(
            "The database server cannot be reached, so nothing was saved. "
            "Check the network or the server, then try again."
        )
    return StorageError(
        f"The database reported an error ({type(error.orig).__name__}); "
        "nothing was saved. Details are in the log."
    )


def _from_sqlite(error: exc.DBAPIError) -> bool:
    """SQLite has no server to be unreachable: its other errors get the generic message."""
    return type(error.orig).__module__.startswith("sqlite3")
