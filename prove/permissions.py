"""Permissions: under the usual umask 022 (a plain new file 0644, a folder 0755), every file
and folder ketachart makes that holds clinic data is made through its own code paths in a
scratch home, then checked: none may have any group or other permission bit.

What is made: the data folder and the default database with its -wal and -shm files, a
rollback journal, the daily backup and its folder, a backup in folders made for it, a restored
copy and its folder, the copy made before a migration, the log folder and the log with its
rotated file, an exported PDF, and the command line's own (init, backup --auto, protocol
export) in a child process that starts under umask 022. The checks are
tests/storage/test_owner_only.py's, counted. POSIX only (on Windows the profile's rules apply).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ketachart.clock import ManualClock
from ketachart.config import choose_database, default_database_path
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS
from ketachart.logs import PrivateRotatingFileHandler, log_path
from ketachart.reports.export import export_session_pdf
from ketachart.services import backups
from ketachart.storage import backup, migrate
from ketachart.storage.database import open_database
from ketachart.storage.files import private_folder
from prove import Figure
from tests.support import chart_to_infusing, make_clinic

AREA = "permissions"
USUAL_UMASK = 0o022
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def open_to_others(path: Path) -> bool:
    """Any group or other permission bit (read, write or enter)."""
    return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


@contextmanager
def scratch_home(folder: Path) -> Iterator[Path]:
    """The user's data and log folders (platformdirs reads XDG_*) in `folder`, and umask 022;
    both put back afterwards."""
    names = ("XDG_DATA_HOME", "XDG_STATE_HOME", "KETACHART_DATABASE_URL")
    before = {name: os.environ.get(name) for name in names}
    os.environ["XDG_DATA_HOME"] = str(folder / "data")
    os.environ["XDG_STATE_HOME"] = str(folder / "state")
    os.environ.pop("KETACHART_DATABASE_URL", None)
    umask = os.umask(USUAL_UMASK)
    try:
        yield folder
    finally:
        os.umask(umask)
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def made_in_process(home: Path) -> list[Path]:
    """Everything the application's code paths make, called directly (without the command
    line's umask 077: the explicit modes alone must do)."""
    choice = choose_database(None)
    made = [default_database_path().parent]
    clock = ManualClock(NOW)
    db = open_database(choice.url, clock)
    try:
        clinic = make_clinic(db, clock)
        session_id = clinic.open_session()
        chart_to_infusing(clinic, session_id)
        path = default_database_path()
        with db.reading():  # an open connection keeps -wal and -shm in place
            made += [path, *(path.with_name(path.name + side) for side in ("-wal", "-shm"))]
        pdf = home / "exports" / "summary.pdf"
        pdf.parent.mkdir()
        export_session_pdf(db, clinic.nurse, session_id, pdf)
        made.append(pdf)
        daily = backups.daily_backup(db, 7)
        assert daily is not None
        made += [daily.path, daily.path.parent]
    finally:
        db.dispose()
    return made + copies(home, path) + logs(home)


def copies(home: Path, database: Path) -> list[Path]:
    """A backup in folders made for it, a restored copy, a pre-migration copy, a journal."""
    target = home / "made" / "for" / "backup.sqlite"
    backups.make_backup(database, target)
    restored = home / "restored" / "clinic.sqlite"
    backups.restore_backup(target, restored)
    before = migrate.backup_before_migration(database, "0001", "0002")
    journalled = home / "journalled.sqlite"
    backup.copy_online(database, journalled)
    connection = sqlite3.connect(journalled)
    try:
        connection.execute("PRAGMA journal_mode = PERSIST")  # keep the journal to look at
        connection.execute("CREATE TABLE scratch (x)")
        connection.commit()
    finally:
        connection.close()
    journal = journalled.with_name(journalled.name + "-journal")
    folders = [target.parent, target.parent.parent, restored.parent]
    return [target, restored, before, journalled, journal, *folders]


def logs(home: Path) -> list[Path]:
    """The log folder (as setup_logging makes it) and the log with one rotated file."""
    path = log_path()
    assert path.is_relative_to(home), path
    private_folder(path.parent, tighten=True)
    handler = PrivateRotatingFileHandler(path, maxBytes=200, backupCount=2, encoding="utf-8")
    logger = logging.getLogger("prove.permissions")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for number in range(10):
            logger.warning("line %d of the log, long enough to rotate soon", number)
    finally:
        logger.removeHandler(handler)
        handler.close()
    return [path.parent, path, path.with_name(path.name + ".1")]


def made_by_the_command_line(home: Path) -> list[Path]:
    """`ketachart init`, `backup --auto` and `protocols export` in a child process started
    under umask 022, in a scratch home of its own."""
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "s")}
    env.pop("KETACHART_DATABASE_URL", None)
    env["KC_PROVE_ADMIN_PASSWORD"] = "a-long-admin-pass"
    env["KC_PROVE_CLINIC_PASSPHRASE"] = "a-long-clinic-key-passphrase"
    exported = home / "protocol.json"
    init = ["init", "--admin-username", "boss", "--admin-name", "Bo Boss"]
    init += ["--clinic-passphrase-env", "KC_PROVE_CLINIC_PASSPHRASE"]
    as_admin = ["--user", "boss", "--password-env", "KC_PROVE_ADMIN_PASSWORD"]
    for args in (
        [*init, "--admin-password-env", "KC_PROVE_ADMIN_PASSWORD"],
        ["backup", "--auto", *as_admin],
        ["protocols", "export", EXAMPLE_PROTOCOLS[0].code, "-o", str(exported), *as_admin],
    ):
        subprocess.run(
            [sys.executable, "-m", "ketachart", *args],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
            preexec_fn=lambda: os.umask(USUAL_UMASK),
        )
    data = home / "data" / "ketachart"
    folder = data / "backups"
    return [data, data / "ketachart.sqlite", folder, *folder.iterdir(), exported]


def check_files() -> tuple[list[Path], list[Path]]:
    """(files and folders checked, those open to others)."""
    with tempfile.TemporaryDirectory(prefix="ketachart-prove-permissions-") as name:
        os.chmod(name, 0o700)
        with scratch_home(Path(name) / "home") as home:
            checked = made_in_process(home)
            checked += made_by_the_command_line(Path(name) / "cli")
        missing = [p for p in checked if not p.exists()]
        if missing:
            raise AssertionError(f"not made: {missing}")
        return checked, [p for p in checked if open_to_others(p)]


def figures(checked: list[Path], open_ones: list[Path]) -> list[Figure]:
    return [Figure(AREA, "files checked", len(checked), "readable by others", len(open_ones))]


def run(full: bool) -> list[Figure]:
    """The same checks at both strengths: a few seconds."""
    del full
    if sys.platform == "win32":
        return []
    return figures(*check_files())


def main() -> int:
    checked, open_ones = check_files()
    for path in open_ones:
        print(f"OPEN {oct(stat.S_IMODE(path.stat().st_mode))} {path}")
    found = figures(checked, open_ones)
    for figure in found:
        print(figure.line())
    return 0 if all(f.ok for f in found) else 1


if __name__ == "__main__":
    sys.exit(main())
