"""Backups of an SQLite database: made online, checked before they are trusted, restored only
into a new file, and made automatically once a day keeping the last N.

A copy is checked the way `ketachart verify` checks a database (integrity check, every hash
chain, every chain head, every signature), on a read-only connection to the copy. A copy that
fails is deleted and never gets a backup's name. PostgreSQL is backed up with pg_dump (README).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import exc, func, select

from ketachart.errors import KetachartError, NotFound, StorageError
from ketachart.models import AuditEntry, Event
from ketachart.services.actors import Actor
from ketachart.services.chains import UNREADABLE_ROW, audit
from ketachart.services.verify import verify_all
from ketachart.storage import backup, dialect, outputs
from ketachart.storage.database import Database, Tx, open_database
from ketachart.storage.files import private_folder
from ketachart.storage.schema import SCHEMA_HEAD, stored_revision

log = logging.getLogger(__name__)
DEFAULT_KEEP = 7
MAX_KEEP = 366
KEEP_SETTING = "backup/keep"
"""The workstation setting (QSettings) for how many daily backups to keep."""
UNREADABLE_COPY = (KetachartError, exc.SQLAlchemyError, sqlite3.Error, *UNREADABLE_ROW)


@dataclass(frozen=True)
class CopyCheck:
    """What checking a copy found. `chains_checked` is False for a copy with an older schema:
    its hash chains are checked once it has been upgraded (after a restore)."""

    problems: tuple[str, ...]
    events: int = 0
    audit_entries: int = 0
    chains_checked: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.chains_checked:
            return "integrity check OK (older schema: chains checked after the upgrade)"
        return (
            f"integrity check, hash chains and signatures OK: {self.events} events, "
            f"{self.audit_entries} audit entries"
        )


@dataclass(frozen=True)
class AutoBackup:
    path: Path
    check: CopyCheck
    removed: tuple[Path, ...]


def check_copy(path: Path) -> CopyCheck:
    """Check a database file without writing to it; never raises for a damaged file."""
    try:
        db = open_database(backup.sqlite_url(path), migrate=False, read_only=True)
    except UNREADABLE_COPY as error:
        return CopyCheck((_reason(error),))
    try:
        with db.reading() as tx:
            return _check(tx)
    except UNREADABLE_COPY as error:
        return CopyCheck((_reason(error),))
    finally:
        db.dispose()


def _reason(error: BaseException) -> str:
    if isinstance(error, KetachartError):
        return error.message
    return f"the file cannot be read as a ketachart database ({type(error).__name__})"


def _check(tx: Tx) -> CopyCheck:
    revision = stored_revision(tx.orm.connection())
    if revision is None:
        return CopyCheck(("the file is not a ketachart database (no schema version)",))
    if revision != SCHEMA_HEAD:
        damage = dialect.full_integrity_problems(tx.orm.connection())
        return CopyCheck(tuple(damage), chains_checked=False)
    problems = tuple(str(problem) for problem in verify_all(tx))
    events = tx.orm.scalar(select(func.count()).select_from(Event)) or 0
    audits = tx.orm.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return CopyCheck(problems, events, audits)


def _first_problems(check: CopyCheck) -> str:
    more = len(check.problems) - 1
    return check.problems[0] + (f" (and {more} more problem(s))" if more > 0 else "")


BACKUP = "the backup"
RESTORED = "the restored database"


def keep_safe(database: Path | None, *folders: Path) -> outputs.KeepSafe:
    """What a backup, a restore or an export never writes onto: the database, and the
    application's backup folders (the default one, and any named)."""
    return outputs.KeepSafe.of(database, (default_backup_folder(), *folders))


def make_backup(
    source: Path, target: Path, *, force: bool = False, keep: outputs.KeepSafe | None = None
) -> CopyCheck:
    """Copy the database file `source` (in use or not) to `target` and check the copy, under a
    temporary name beside `target` that it loses only once checked (storage.outputs: never
    over the database or a backup; over another existing file only with `force`). A copy
    that fails its check is deleted and StorageError says so; a copy that cannot be written
    raises OutputError, which says nothing about the database."""
    keep = keep or keep_safe(source)
    check = _copied_and_checked(source, target, force, keep, BACKUP)
    if not check.ok:
        raise StorageError(
            f"The backup of {source} failed its check, so no copy was kept: "
            f"{_first_problems(check)}. Run `ketachart verify` on the database."
        )
    return check


def _copied_and_checked(
    source: Path, target: Path, force: bool, keep: outputs.KeepSafe, what: str
) -> CopyCheck:
    """Copy `source` beside `target` (its folder made if missing), check the copy, and give
    it its name if it passed."""
    target = outputs.refuse_target(target, force=force, keep=keep, what=what)
    outputs.make_folder(target, what)
    copy = outputs.temporary_beside(target, what)
    try:
        backup.copy_into(source, copy, target, what)
        check = check_copy(copy)
    except backup.UnreadableSource as error:
        check = CopyCheck((error.message,))
    except BaseException:
        outputs.discard(copy)
        raise
    if not check.ok:
        outputs.discard(copy)
        return check
    outputs.put_in_place(copy, target, force=force, keep=keep, what=what)
    return check


def restore_backup(
    source: Path, target: Path, *, force: bool = False, keep: outputs.KeepSafe | None = None
) -> CopyCheck:
    """Copy the backup `source` into `target`, checked before it gets its name (and, if its
    schema was older, upgraded and checked again). Never over a database or a backup; over
    another existing file only with `force`."""
    if not source.is_file():
        raise NotFound(f"There is no backup file at {source}.")
    check = _copied_and_checked(source, target, force, keep or keep_safe(None), RESTORED)
    if not check.ok:
        raise StorageError(
            f"The backup {source} failed its check, so nothing was restored: "
            f"{_first_problems(check)}. Try an older backup."
        )
    return check if check.chains_checked else _upgrade_and_check(target)


def record_backup(db: Database, actor: Actor | None, target: Path, check: CopyCheck) -> None:
    """Audit a backup in the database it copies: who, when, where to (no patient data). The
    copy is made first: a backup is most needed when the database cannot be written."""
    detail = f"to={target} events={check.events} audit_entries={check.audit_entries}"
    try:
        with db.transaction() as tx:
            audit(tx, actor, "backup.made", "database", "", detail, username=_who(actor))
    except KetachartError as error:
        raise StorageError(
            f"The backup {target} was made and checked, but it could not be recorded in the "
            f"audit trail: {error.message}"
        ) from error


def record_restore(db: Database, actor: Actor, source: Path, target: Path) -> None:
    """Audit a restore in the restored database (the one the administrator signed in to)."""
    with db.transaction() as tx:
        audit(tx, actor, "backup.restored", "database", "", f"from={source} to={target}")


def _who(actor: Actor | None) -> str | None:
    return None if actor is not None else "automatic backup"


def _upgrade_and_check(target: Path) -> CopyCheck:
    """Upgrade a restored copy with an older schema, then check it; deleted if either fails."""
    try:
        open_database(backup.sqlite_url(target)).dispose()  # runs the migrations
        check = check_copy(target)
    except KetachartError:
        backup.remove_copy(target)
        raise
    if not check.ok:
        backup.remove_copy(target)
        raise StorageError(
            f"The restored copy failed its check and was deleted: {_first_problems(check)}."
        )
    return check


def default_backup_folder() -> Path:
    return Path(user_data_dir("ketachart", appauthor=False)) / "backups"


def own_backup_folder() -> Path:
    """The default backup folder, made (or made again) the owner's alone: 0700."""
    return private_folder(default_backup_folder(), tighten=True)


def keep_count(value: object) -> int:
    """How many daily backups to keep, from a setting: a whole number from 1, else 7."""
    try:
        keep = int(str(value))
    except ValueError:
        return DEFAULT_KEEP
    return keep if 1 <= keep <= MAX_KEEP else DEFAULT_KEEP


def maybe_backup(
    db: Database, folder: Path, keep: int, now: datetime, actor: Actor | None = None
) -> AutoBackup | None:
    """Today's backup of an SQLite database into `folder`, unless it exists (then only a file
    is looked at); then the oldest beyond the newest `keep` are deleted. None when there was
    nothing to do (today's backup exists, or the database is not an SQLite file)."""
    source = db.sqlite_path
    if source is None or not source.is_file():
        return None
    target = backup.dated_backup(private_folder(folder), source, now.astimezone().date())
    if target.exists():
        return None
    check = make_backup(source, target, keep=keep_safe(source, folder))
    record_backup(db, actor, target, check)
    removed = tuple(backup.rotate(folder, source, max(1, keep)))
    log.info("automatic backup made and checked; %d old backup(s) removed", len(removed))
    return AutoBackup(target, check, removed)


def daily_backup(db: Database, keep: object = DEFAULT_KEEP) -> AutoBackup | None:
    """`maybe_backup` into the user data folder, as the application does once it has opened
    the database. A failure is logged, not raised: charting goes on, the next start retries."""
    try:
        return maybe_backup(db, own_backup_folder(), keep_count(keep), db.clock.now())
    except KetachartError as error:
        log.warning("automatic backup failed: %s", error.message)
    except OSError as error:
        log.warning("automatic backup failed: %s", error.strerror)
    return None


def start_daily_backup(db: Database, keep: object = DEFAULT_KEEP) -> threading.Thread:
    """`daily_backup` on a background thread, so that copying and checking a large database
    never delays the login. It uses its own connections; one cut short by the application
    closing leaves only a hidden `.partial` file, removed by a later run (storage.outputs)."""
    thread = threading.Thread(
        target=daily_backup, args=(db, keep), name="ketachart-daily-backup", daemon=True
    )
    thread.start()
    return thread
