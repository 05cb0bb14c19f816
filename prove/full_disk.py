"""Full disk: a write that finds no space fails with a clear message, loses nothing, leaves
nothing half-written, and works once space is freed.

The "disk" is the SQLite file under test, capped with `PRAGMA max_page_count` at its current
page count (set on every new connection of the Database by an engine "connect" listener).
SQLite only needs a new page when a write does not fit in the pages it has, so a capped
write may still fit and succeed, as on a real disk with a little room left: each write path
is tried again, on a fresh target, until it fails for lack of space. Then: the error is the
"disk is full" StorageError; every row committed before is still there and nothing was
added (all tables compared, `verify_all` clean); with the cap lifted, the very same action
succeeds.

The write paths are prove.write_paths (every user action that writes).
"""

from __future__ import annotations

import logging
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from ketachart.errors import KetachartError, StorageError
from ketachart.models import APPEND_ONLY_TABLES
from ketachart.models.base import Base
from ketachart.services.verify import verify_all
from ketachart.storage.database import Database
from prove import Figure
from prove.sample import new_clinic
from prove.write_paths import WRITE_PATHS, WritePath
from tests.support import Clinic

DISK_FULL = "The disk is full"
APPEND_ONLY = frozenset(APPEND_ONLY_TABLES)
"""Tables whose rows a later action never changes (others, e.g. users, are updated)."""
MAX_TRIES = 400
"""Fresh targets tried per path until one write needs a page; most fail within a few."""


@dataclass
class Disk:
    """The cap on the file's size, applied to every new connection of the Database."""

    db: Database
    pages: int | None = None

    def __post_init__(self) -> None:
        event.listen(self.db.engine, "connect", self._cap)

    def _cap(self, dbapi_connection: Any, _record: Any) -> None:
        if self.pages is not None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {self.pages}")

    def fill(self) -> None:
        """No page left: the next write that needs one fails with SQLITE_FULL."""
        with self.db.engine.connect() as connection:
            self.pages = int(connection.exec_driver_sql("PRAGMA page_count").scalar_one())
        self.db.engine.dispose()

    def free(self) -> None:
        self.pages = None
        self.db.engine.dispose()


Row = tuple[str, tuple[tuple[str, Any], ...]]
"""A table's name and one of its rows, as (column, value) pairs."""


def snapshot(db: Database) -> set[Row]:
    """Every row of every table, to compare before and after a failed write."""
    with db.reading() as tx:
        return {
            (table.name, tuple(sorted((str(k), v) for k, v in row._mapping.items())))
            for table in Base.metadata.sorted_tables
            for row in tx.orm.execute(select(table))
        }


def verify_problems(db: Database) -> list[str]:
    with db.reading() as tx:
        return [f"{problem.where}: {problem.message}" for problem in verify_all(tx)]


@dataclass
class Tally:
    failed: list[str] = field(default_factory=list)
    lost: int = 0
    half_written: int = 0
    unclear: list[str] = field(default_factory=list)
    retries_failed: list[str] = field(default_factory=list)
    never_full: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def figures(self) -> list[Figure]:
        wrong = len(self.unclear) + self.half_written + len(self.problems)
        unretried = len(self.retries_failed) + len(self.never_full)
        return [
            Figure("full disk", "write paths tried", len(set(self.failed)), "data lost", self.lost),
            Figure(
                "full disk", "failed writes", len(self.failed), "unclear or half-written", wrong
            ),
            Figure(
                "full disk",
                "retries after space was freed",
                len(self.failed),
                "failed, or paths never full",
                unretried,
            ),
        ]


def try_path(clinic: Clinic, disk: Disk, path: WritePath, tally: Tally) -> None:
    """Fresh targets until the capped action fails for lack of space; then check it."""
    for _ in range(MAX_TRIES):
        target = path.prepare(clinic)
        before = snapshot(clinic.db)
        disk.fill()
        try:
            path.act(clinic, target)
        except KetachartError as error:
            after = snapshot(clinic.db)
            disk.free()
            _check_failure(path, error, before, after, tally)
            _retry(clinic, path, target, before, tally)
            return
        disk.free()
    tally.never_full.append(path.name)


def _check_failure(
    path: WritePath, error: KetachartError, before: set[Row], after: set[Row], tally: Tally
) -> None:
    tally.failed.append(path.name)
    if not (isinstance(error, StorageError) and DISK_FULL in error.message):
        tally.unclear.append(f"{path.name}: {type(error).__name__}: {error.message}")
    added, gone = after - before, before - after
    tally.lost += len(gone)
    tally.half_written += len(added)


def _retry(clinic: Clinic, path: WritePath, target: str, before: set[Row], tally: Tally) -> None:
    tally.problems.extend(f"{path.name}: {p}" for p in verify_problems(clinic.db))
    try:
        path.act(clinic, target)
    except KetachartError as error:
        tally.retries_failed.append(f"{path.name}: {type(error).__name__}: {error.message}")
    kept = {row for row in before if row[0] in APPEND_ONLY}
    tally.lost += len(kept - snapshot(clinic.db))


def full_disk_test(rounds: int = 1) -> Tally:
    """Every write path, `rounds` times, each round on a fresh clinic (so that comparing
    every row before and after each try stays cheap)."""
    tally = Tally()
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="ketachart-full-disk-") as folder:
            _round(Path(folder) / "clinic.sqlite", tally)
    return tally


def _round(path: Path, tally: Tally) -> None:
    clinic = new_clinic(f"sqlite:///{path}")
    db = clinic.db
    try:
        disk = Disk(db)
        for write_path in WRITE_PATHS:
            try_path(clinic, disk, write_path, tally)
        tally.problems.extend(verify_problems(db))
    finally:
        db.dispose()


def run(full: bool) -> list[Figure]:
    return full_disk_test(rounds=10 if full else 1).figures()


def main(argv: list[str] | None = None) -> int:
    logging.disable(logging.WARNING)  # each refused write is logged; the figures say it all
    args = sys.argv[1:] if argv is None else argv
    tally = full_disk_test(rounds=10 if "--full" in args else 1)
    for figure in tally.figures():
        print(figure.line())
    for problem in [*tally.unclear, *tally.retries_failed, *tally.never_full, *tally.problems]:
        print(f"  problem: {problem}")
    return 0 if all(f.ok for f in tally.figures()) else 1


if __name__ == "__main__":
    sys.exit(main())
