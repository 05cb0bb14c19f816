"""Writing a file a command was asked to write (a PDF export, a protocol export, a backup, a
restored copy), so that no command destroys data.

Every such file is written under a hidden temporary name in its target folder (owner-only,
storage.files) and renamed into place only once it is complete: a failed write never leaves
half a file, and never harms the file that was there. Before any work and again at the rename,
the target is checked (`refuse_target`):

- an existing file is replaced only with --force (`force`);
- even with --force, never the clinic's database, its -wal, -shm or -journal, a backup the
  application made, or anything that is not a regular file (a folder, a named pipe, a device
  such as /dev/stdout or /dev/full, a socket). These are found with os.stat on the resolved
  path (symlinks followed, hard links by inode), never by the name given.

An OSError while writing becomes an OutputError naming the path and what to do
(`unwritable`): a full disk, permission denied, a missing folder, a read-only file system, a
device error.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import stat
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ketachart.errors import StorageError
from ketachart.storage.files import OWNER_FILE, private_folder

SQLITE_HEADER = b"SQLite format 3\x00"
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
TEMPORARY_SUFFIX = ".partial"


class OutputRefused(StorageError):
    """The target of a command may not be written (it exists, or it must never be replaced)."""


class OutputError(StorageError):
    """The target could not be written: the message names the path and what to do."""


@dataclass(frozen=True)
class KeepSafe:
    """What no command writes onto, even with --force: the database file (if SQLite), and the
    folders that hold the application's backups. Any SQLite database file, and the -wal, -shm
    and -journal of one, are kept safe wherever they are: every backup is one."""

    database: Path | None = None
    backup_folders: tuple[Path, ...] = ()

    @classmethod
    def of(cls, database: Path | None, folders: Iterable[Path] = ()) -> KeepSafe:
        resolved = database.resolve() if database is not None else None
        return cls(resolved, tuple(folder.resolve() for folder in folders))

    def reason(self, resolved: Path, info: os.stat_result) -> str | None:
        """Why the regular file at `resolved` must never be replaced; None if it may be."""
        if self._is_database(resolved, info):
            return "it is the clinic's database"
        if _is_sqlite_file(resolved):
            return "it is a database (the clinic's, or a backup of it)"
        if any(resolved.is_relative_to(folder) for folder in self.backup_folders):
            return "it is in the application's backup folder"
        return self.reason_for_name(resolved)

    def reason_for_name(self, resolved: Path) -> str | None:
        """Why no file may be written at `resolved`, existing or not: the name of a database's
        journal (SQLite would read a file there as its journal or write-ahead log)."""
        if self.database is not None and resolved in _side_files(self.database):
            return "it belongs to the clinic's database (its journal or write-ahead log)"
        if _side_suffix_of(resolved):
            return "it belongs to a database file beside it (its journal or write-ahead log)"
        return None

    def _is_database(self, resolved: Path, info: os.stat_result) -> bool:
        if self.database is None:
            return False
        if resolved == self.database:
            return True
        try:
            live = os.stat(self.database)
        except OSError:
            return False
        return (live.st_dev, live.st_ino) == (info.st_dev, info.st_ino)  # a hard link


def _side_files(database: Path) -> tuple[Path, ...]:
    return tuple(database.with_name(database.name + suffix) for suffix in SIDE_SUFFIXES)


def _side_suffix_of(path: Path) -> tuple[str, ...]:
    """The side-file suffix of `path` if the database file it would belong to exists."""
    return tuple(
        suffix
        for suffix in SIDE_SUFFIXES
        if path.name.endswith(suffix) and path.with_name(path.name[: -len(suffix)]).is_file()
    )


def _is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def refuse_target(target: Path, *, force: bool, keep: KeepSafe, what: str) -> Path:
    """Where `what` (e.g. 'the PDF') is to be written for `target`: `target` itself, or the
    file a link names (a link is written through, never replaced). Raises OutputRefused if
    it may not be written there."""
    real = _through_link(target, what)
    try:
        info = os.stat(real)
    except FileNotFoundError:
        _refuse_name(target, keep.reason_for_name(real.resolve()), what)
        return real  # nothing there: a new file
    except OSError as error:
        raise unwritable(target, error, what) from error
    if not stat.S_ISREG(info.st_mode):
        raise OutputRefused(
            f"Not writing {what} to {target}: it is {_kind(info.st_mode)}, not a regular file. "
            "Name a new file instead."
        )
    _refuse_name(target, keep.reason(real.resolve(), info), what)
    if not force:
        raise OutputRefused(
            f"Not writing {what} to {target}: the file exists already. Name a new file, or "
            "give --force to replace it."
        )
    return real


def _refuse_name(target: Path, reason: str | None, what: str) -> None:
    if reason is not None:
        raise OutputRefused(
            f"Not writing {what} to {target}: {reason}, and it is never written over, "
            "even with --force. Name a new file instead."
        )


SYSTEM_FOLDERS = (Path("/dev"), Path("/proc"), Path("/sys"))
"""The system's own entries (devices, /dev/stdout, the kernel's files): never written over."""


def _through_link(target: Path, what: str) -> Path:
    """`target`, or for a symbolic link the file it names, resolved. An existing entry of the
    system's folders (/dev/stdout is a link to /proc/self/fd/1, whatever file that is), a
    link to nothing, or to what is not a regular file, is refused: replacing the link would
    destroy it, and writing through it could not be renamed."""
    if _is_system_entry(target):
        raise OutputRefused(
            f"Not writing {what} to {target}: it is one of the system's own entries "
            "(/dev, /proc, /sys), not a file. Name a regular file instead."
        )
    if not target.is_symlink():
        return target
    real = target.resolve()
    try:
        same = os.path.samestat(os.stat(target), os.stat(real))
    except OSError:
        same = False
    if not same:
        with contextlib.suppress(OSError):
            mode = os.stat(target).st_mode
            if not stat.S_ISREG(mode):  # e.g. /dev/stdout when it is a pipe or a terminal
                raise OutputRefused(
                    f"Not writing {what} to {target}: it is a link to {_kind(mode)}, not to a "
                    "regular file. Name a new file instead."
                )
        raise OutputRefused(
            f"Not writing {what} to {target}: it is a link to something that is not a file "
            "(or to nothing). Name a regular file instead."
        )
    return real


def _is_system_entry(target: Path) -> bool:
    """An existing entry (or link) in /dev, /proc or /sys, or a link that leads into them."""
    absolute = Path(os.path.abspath(target))
    if not (absolute.exists() or absolute.is_symlink()):
        return False
    hops = [absolute]
    if absolute.is_symlink():
        hops.append(Path(os.path.abspath(absolute.parent / os.readlink(absolute))))
    return any(hop.is_relative_to(folder) for hop in hops for folder in SYSTEM_FOLDERS)


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a file")


def make_folder(target: Path, what: str) -> None:
    """Create `target`'s folder if missing, owner-only (a backup's folder)."""
    try:
        private_folder(target.parent)
    except OSError as error:
        raise unwritable(target, error, what) from error


def temporary_beside(target: Path, what: str) -> Path:
    """A new, empty, owner-only file with a hidden temporary name in `target`'s folder (and
    those an interrupted run left for the same target are removed)."""
    _sweep_stale(target)
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent
        )
    except OSError as error:
        raise unwritable(target, error, what) from error
    with contextlib.suppress(OSError):
        os.fchmod(handle, OWNER_FILE)
    os.close(handle)
    return Path(name)


STALE_SECONDS = 6 * 3600
"""A temporary file this old was left by a run that was cut short (a backup of the largest
database takes minutes); a younger one may be another process's, still being written."""


def _sweep_stale(target: Path) -> None:
    with contextlib.suppress(OSError):
        now = time.time()
        for path in target.parent.glob(f".{glob.escape(target.name)}.*{TEMPORARY_SUFFIX}"):
            if now - path.lstat().st_mtime > STALE_SECONDS:
                discard(path)


def written_beside(target: Path, data: bytes, what: str) -> Path:
    """`data` in a new temporary file beside `target`, flushed to the disk."""
    temporary = temporary_beside(target, what)
    try:
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:
        discard(temporary)
        raise unwritable(target, error, what) from error
    return temporary


def put_in_place(temporary: Path, target: Path, *, force: bool, keep: KeepSafe, what: str) -> None:
    """Give a complete temporary file its name, checking the target once more (a file may
    have appeared meanwhile). Without --force a hard link makes the name: it fails rather
    than replace a file that appeared since the check."""
    try:
        real = refuse_target(target, force=force, keep=keep, what=what)
        if force:
            _replace(temporary, real, what)
        else:
            _link_new(temporary, real, what)
    except BaseException:
        discard(temporary)
        raise


def _link_new(temporary: Path, target: Path, what: str) -> None:
    try:
        os.link(temporary, target)
    except FileExistsError as error:
        raise OutputRefused(
            f"Not writing {what} to {target}: a file of that name appeared meanwhile. "
            "Name a new file, or give --force to replace it."
        ) from error
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise unwritable(target, error, what) from error
        _replace(temporary, target, what)  # a file system without hard links
        return
    discard(temporary)


def _replace(temporary: Path, target: Path, what: str) -> None:
    try:
        os.replace(temporary, target)
    except OSError as error:
        raise unwritable(target, error, what) from error


def write_output(target: Path, data: bytes, *, force: bool, keep: KeepSafe, what: str) -> None:
    """Write `data` to `target` as described in the module: checked, then written beside it,
    then renamed into place."""
    real = refuse_target(target, force=force, keep=keep, what=what)
    put_in_place(written_beside(real, data, what), real, force=force, keep=keep, what=what)


def discard(temporary: Path) -> None:
    """Remove a temporary file (and any SQLite journal beside it); quietly, so that the error
    that made it unneeded is the one reported."""
    for path in (temporary, *_side_files(temporary)):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def unwritable(target: Path, error: OSError, what: str) -> OutputError:
    """What to tell the user when `what` could not be written to `target`."""
    return OutputError(f"Could not write {what} to {target}: {problem_with(target, error)}")


def file_problem(error: OSError) -> str:
    """An OSError no command expected, in words: the file it was about, and what to do."""
    if error.filename is None:
        return f"{error.strerror or type(error).__name__}. Check the disk, then try again."
    path = Path(os.fsdecode(error.filename))
    return f"Could not use {path}: {problem_with(path, error)}"


def problem_with(path: Path, error: OSError) -> str:
    """The cause of an OSError about `path` in words, and what to do about it."""
    folder = path.parent
    code = error.errno
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return (
            f"the disk holding {folder} is full (or its quota is used up). Free some space "
            "there, or choose a folder on another disk, then run the command again."
        )
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"permission denied. Choose a folder you may write to, or ask IT to let you "
            f"write to {folder}."
        )
    if code == errno.ENOENT:
        return f"the folder {folder} does not exist. Create it, or choose an existing folder."
    if code == errno.ENOTDIR:
        return f"part of the path {folder} is a file, not a folder. Choose an existing folder."
    if code == errno.EROFS:
        return (
            f"{folder} is on a read-only file system (a write-protected disk, a read-only "
            "mount). Choose a folder on a writable disk."
        )
    if code == errno.EIO:
        return (
            f"the disk or network share holding {folder} reported a device error "
            "(input/output error): it may be failing or disconnected. Write to another "
            "disk, and ask IT to check that one."
        )
    if code == errno.EISDIR:
        return "it is a folder. Name a file instead."
    return f"{error.strerror or type(error).__name__}. Check the path, then try again."
