"""Read-only database: a file (or folder) that cannot be written opens for looking, with a
banner in the window; every write is refused with a clear message; nothing crashes and
nothing in the file changes.

Every write path of prove.full_disk is tried on a clinic opened read-only, twice: once forced
(KETACHART_READ_ONLY=1 / `read_only=True`), once found by itself on a file that cannot be
written (permissions when not root; as root, which may write anyway, the immutable attribute
of `chattr +i`; skipped if neither is possible here). Writes must fail with the read-only
StorageError; the audited reads (login, viewing a chart, listing, export, print) must work
(their audit entries cannot be written, so they are logged instead).
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ketachart.errors import KetachartError, StorageError
from ketachart.storage.database import open_database
from prove import Figure
from prove.full_disk import Row, snapshot
from prove.sample import new_clinic
from prove.write_paths import WRITE_PATHS, WritePath
from tests.support import Clinic

READ_ONLY = re.compile(r"The database( .+)? is read-only")
"""The refusal's words; a file-backed database names its path in them."""


@contextmanager
def unwritable(*paths: Path) -> Iterator[bool]:
    """Make files and folders unwritable for this process while the block runs; True if
    that was possible (as root only the immutable attribute stops a write)."""
    with _chmod(paths) if os.geteuid() != 0 else _immutable(paths) as done:
        yield done


@contextmanager
def _chmod(paths: tuple[Path, ...]) -> Iterator[bool]:
    modes = {path: path.stat().st_mode for path in paths}
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield True
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


@contextmanager
def _immutable(paths: tuple[Path, ...]) -> Iterator[bool]:
    done = _chattr("+i", paths)
    try:
        yield done
    finally:
        if done:
            _chattr("-i", paths)


def _chattr(flag: str, paths: tuple[Path, ...]) -> bool:
    try:
        result = subprocess.run(
            ["chattr", flag, *map(str, paths)], check=False, capture_output=True
        )
    except OSError:
        return False
    return result.returncode == 0


@dataclass
class Tally:
    writes: int = 0
    looks: int = 0
    wrong: list[str] = field(default_factory=list)
    failed_looks: list[str] = field(default_factory=list)
    changed_rows: int = 0
    passes: list[str] = field(default_factory=list)

    def figures(self) -> list[Figure]:
        opens = f"opens ({', '.join(self.passes)})"
        refused = self.writes - len(self.wrong)
        rows = (
            ("writes refused", refused, "accepted, unclear or crashed", len(self.wrong)),
            ("looks tried", self.looks, "failed", len(self.failed_looks)),
            (opens, len(self.passes), "rows changed", self.changed_rows),
        )
        return [Figure("read-only", *row) for row in rows]


def try_path(viewer: Clinic, path: WritePath, target: str, tally: Tally) -> None:
    """A write must fail with the read-only message; a look must work."""
    tally.looks += path.looks
    tally.writes += not path.looks
    failures = tally.failed_looks if path.looks else tally.wrong
    try:
        path.act(viewer, target)
    except StorageError as error:
        if path.looks or not READ_ONLY.search(error.message):
            failures.append(f"{path.name}: {error.message}")
    except Exception as error:  # anything else is a crash in front of the user
        failures.append(f"{path.name}: {type(error).__name__}: {error}")
    else:
        if not path.looks:
            tally.wrong.append(f"{path.name}: written to a read-only database")


@dataclass
class Prepared:
    """A target for every path, made while the file could be written, and every row."""

    clinic: Clinic
    targets: dict[str, tuple[str, datetime]]
    """The target of each path, and the time it was made at (to act at that time)."""
    rows: set[Row]

    @classmethod
    def make(cls, clinic: Clinic) -> Prepared:
        targets = {path.name: (path.prepare(clinic), clinic.clock.now()) for path in WRITE_PATHS}
        rows = snapshot(clinic.db)
        clinic.db.dispose()  # closed cleanly: no -wal or -shm file is left behind
        return cls(clinic, targets, rows)


def try_every_path(prepared: Prepared, read_only: bool | None, tally: Tally, name: str) -> None:
    """Open the file again (`read_only` None: let it find out) and try every path."""
    url = prepared.clinic.db.engine.url.render_as_string(hide_password=False)
    try:
        viewer_db = open_database(url, prepared.clinic.clock, read_only=read_only)
    except KetachartError as error:
        tally.wrong.append(f"opening ({name}): {error.message}")
        return
    try:
        _try_as_viewer(replace(prepared.clinic, db=viewer_db), prepared, tally, name)
    finally:
        viewer_db.dispose()


def _try_as_viewer(viewer: Clinic, prepared: Prepared, tally: Tally, name: str) -> None:
    if not viewer.db.read_only:
        tally.wrong.append(f"opening ({name}): not opened read-only")
        return
    for path in WRITE_PATHS:
        target, at = prepared.targets[path.name]
        viewer.clock.set(at)
        try_path(viewer, path, target, tally)
    tally.changed_rows += len(prepared.rows ^ snapshot(viewer.db))
    tally.passes.append(name)


def read_only_test() -> Tally:
    """Forced, then found out by itself (if this machine can make a file unwritable)."""
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="ketachart-read-only-") as name:
        folder = Path(name) / "clinic"
        folder.mkdir()
        clinic = _clinic(folder)
        try:
            try_every_path(Prepared.make(clinic), True, tally, "forced")
            prepared = Prepared.make(clinic)
            with unwritable(*folder.iterdir(), folder) as done:
                if done:
                    try_every_path(prepared, None, tally, "file not writable")
        finally:
            clinic.db.dispose()
    return tally


def _clinic(folder: Path) -> Clinic:
    return new_clinic(f"sqlite:///{folder}/clinic.sqlite")


def run(full: bool) -> list[Figure]:
    return read_only_test().figures()


def main() -> int:
    logging.disable(logging.WARNING)
    tally = read_only_test()
    for figure in tally.figures():
        print(figure.line())
    for problem in [*tally.wrong, *tally.failed_looks]:
        print(f"  problem: {problem}")
    return 0 if all(f.ok for f in tally.figures()) else 1


if __name__ == "__main__":
    sys.exit(main())
