"""The full integrity check of a database file: where it runs, when it last passed, in words.

Opening a database checks, in time independent of its size, what a crash or a damaged file
can break (storage.database.check_integrity: the schema, the small tables every sign-in
reads, a file cut short). SQLite's full check reads every page, so it runs where that cost is
expected: in `ketachart verify`, once on each backup copy (services.backups), and once a day
in the background of the running application (ui.full_check), on a read transaction of its
own: in WAL mode a save goes on while it reads.

The time of the last full check that passed is a settings row, audited, shown on the status
bar and by `verify`. A check that finds damage writes nothing to the damaged file: the
Database refuses every write from then on, the log and the status bar say so, and as the
last passed check stays old, the next start checks again. PostgreSQL checksums its own pages:
there is no full check to run there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from ketachart.domain.codec import format_instant, parse_instant
from ketachart.errors import DatabaseDamaged, KetachartError
from ketachart.models import Setting
from ketachart.services.actors import Actor
from ketachart.services.chains import audit
from ketachart.services.row_history import store_settings
from ketachart.storage import dialect
from ketachart.storage.database import DAMAGED_MESSAGE, Database, Tx

log = logging.getLogger(__name__)
LAST_PASSED_KEY = "integrity.last_full_check"
"""The settings row holding when the last full integrity check passed (UTC, ISO 8601)."""
EVERY = timedelta(days=1)
SCHEDULED = "scheduled integrity check"
"""Who the audit trail names for the daily check in the background."""


@dataclass(frozen=True)
class FullCheck:
    """One run of the full check: when it started, and what SQLite found (none: it passed)."""

    at: datetime
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class FullCheckStatus:
    """What an administrator is told: when the full check last passed, and a failure found
    since this application started (it cannot be recorded in the damaged file)."""

    applies: bool
    last_passed: datetime | None
    failed: FullCheck | None = None

    def describe(self) -> str:
        """The status bar's words."""
        if not self.applies:
            return "Integrity: PostgreSQL checks its own pages."
        if self.failed is not None:
            return (
                f"Full integrity check {self.last_run()}: nothing more will be saved. "
                "Restore the database from a backup (see README: Backup and restore)."
            )
        return f"Full integrity check: {self.last_run()}."

    def last_run(self) -> str:
        """When the full check last ran and what it found, in words (`verify` says it too)."""
        if self.failed is not None:
            return f"FAILED at {_local(self.failed.at)}"
        if self.last_passed is None:
            return "not yet run on this database"
        return f"last passed {_local(self.last_passed)}"


def _local(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def applies(db: Database) -> bool:
    """Only an SQLite file has a full check of its own to run."""
    return db.dialect_name == "sqlite"


def last_passed(tx: Tx) -> datetime | None:
    """When the last full check of this database passed (None: never recorded, or a value
    that is not a time, which is then taken as never)."""
    row = tx.orm.get(Setting, LAST_PASSED_KEY)
    if row is None:
        return None
    try:
        return parse_instant(row.value)
    except ValueError:
        return None


def status(db: Database) -> FullCheckStatus:
    if not applies(db):
        return FullCheckStatus(False, None)
    with db.reading() as tx:
        return FullCheckStatus(True, last_passed(tx))


def full_check(db: Database) -> FullCheck:
    """SQLite's full integrity check of the whole file, on a read transaction of its own (on
    PostgreSQL: nothing, it passes). A database found damaged refuses every write from then
    on (Database.damaged)."""
    try:
        with db.reading() as tx:
            at = tx.now
            problems = tuple(dialect.full_integrity_problems(tx.orm.connection()))
    except DatabaseDamaged as error:
        at, problems = db.clock.now(), (error.message,)
    if problems:
        db.damaged = True
        log.warning("full integrity check failed: %d problem(s) found", len(problems))
    return FullCheck(at, problems)


def refuse_if_damaged(check: FullCheck) -> None:
    if not check.ok:
        raise DatabaseDamaged(DAMAGED_MESSAGE)


def record(db: Database, check: FullCheck, actor: Actor | None = None) -> bool:
    """Keep a passed check's time in the database, audited (`actor` None: the scheduled
    check). A failed check is not written to the damaged file, nor anything to a read-only
    one, nor to PostgreSQL (nothing was checked). False when nothing was recorded: a failure
    to record is logged, never raised (the check itself is done)."""
    if not check.ok or not applies(db) or db.read_only or db.damaged:
        return False
    try:
        with db.transaction() as tx:
            _store(tx, check, actor)
    except KetachartError as error:
        log.warning("the passed integrity check could not be recorded: %s", error.message)
        return False
    return True


def _store(tx: Tx, check: FullCheck, actor: Actor | None) -> None:
    """The setting changes as every setting does: a new version in its chain, named in the
    audit entry (services.row_history)."""
    versions = store_settings(tx, actor, {LAST_PASSED_KEY: format_instant(check.at)})
    detail = f"full integrity check passed at={format_instant(check.at)}\n{versions}"
    audit(tx, actor, "integrity.checked", "database", "", detail, username=_who(actor))


def _who(actor: Actor | None) -> str | None:
    return None if actor is not None else SCHEDULED


def due(last: datetime | None, now: datetime) -> bool:
    """The daily check is due if none passed in the last day (a failed one is not kept,
    so a damaged database is checked again at each start)."""
    return last is None or now - last >= EVERY


def run_if_due(db: Database, passed_here: datetime | None = None) -> FullCheckStatus:
    """The daily check, if due: run, and recorded if it passed. Meant for a background thread
    (ui.full_check): it reads and writes through its own connections. `passed_here`: when a
    check run by this application last passed, if it could not be recorded (a read-only
    database), so that it is not run again within the day."""
    before = status(db)
    known = [at for at in (before.last_passed, passed_here) if at is not None]
    before = FullCheckStatus(before.applies, max(known, default=None))
    if not before.applies or not due(before.last_passed, db.clock.now()):
        return before
    check = full_check(db)
    if not check.ok:
        return FullCheckStatus(True, before.last_passed, check)
    record(db, check)
    return FullCheckStatus(True, check.at)
