"""Owner-only files (issue 12): every file and folder ketachart creates that holds clinic data
is 0600 / 0700 under the usual umask 022: the database and its -wal, -shm and -journal files,
backups and their folder, restored and pre-migration copies, the log, exports, the data
folder. Most are made here without the command line's umask 077, to show that the explicit
modes alone suffice; the command line is checked as a whole too."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sqlite3
import stat
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ketachart.app import main
from ketachart.clock import ManualClock
from ketachart.config import choose_database, default_database_path, demo_database_path
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS
from ketachart.logs import PrivateRotatingFileHandler, setup_logging
from ketachart.reports.export import export_session_pdf
from ketachart.services import backups
from ketachart.storage import backup, migrate
from ketachart.storage.database import Database, open_database
from ketachart.storage.files import OWNER_FILE, OWNER_FOLDER
from tests.cli_support import as_user, clinic_passphrase
from tests.support import Clinic, chart_to_infusing, make_clinic

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
PASSWORD_ENV = "KETACHART_TEST_ADMIN_PASSWORD"
PROTOCOL_CODE = EXAMPLE_PROTOCOLS[0].code
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems give a user (files 0644, folders 0755), put back afterwards."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def user_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's data and log folders (platformdirs reads XDG_*) in a scratch home."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / "state"))
    return tmp_path / "home"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_owner_only(*paths: Path) -> None:
    for path in paths:
        expected = OWNER_FOLDER if path.is_dir() else OWNER_FILE
        assert mode(path) == expected, f"{path}: {oct(mode(path))}"


def new_database(tmp_path: Path) -> Database:
    return open_database(f"sqlite:///{tmp_path / 'clinic.sqlite'}", ManualClock(NOW))


def test_the_umask_would_otherwise_open_files_to_everyone(tmp_path: Path) -> None:
    """What this module guards against: under umask 022 a plain new file is 0644."""
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert mode(plain) == 0o644


def test_the_database_and_its_wal_and_shm(tmp_path: Path) -> None:
    db = new_database(tmp_path)
    try:
        make_clinic(db, ManualClock(NOW))
        with db.reading() as tx:  # an open connection keeps -wal and -shm in place
            path = db.sqlite_path
            assert path is not None
            wal, shm = (path.with_name(path.name + side) for side in ("-wal", "-shm"))
            assert wal.exists()
            assert shm.exists()
            assert_owner_only(path, wal, shm)
            assert tx.now is not None
    finally:
        db.dispose()


def test_a_rollback_journal(tmp_path: Path) -> None:
    """SQLite gives a journal its database file's permissions: a copy made 0600 has a 0600
    journal (a copy is kept in rollback-journal mode)."""
    db = new_database(tmp_path)
    copy = tmp_path / "copy.sqlite"
    try:
        make_clinic(db, ManualClock(NOW))
        assert db.sqlite_path is not None
        backup.copy_online(db.sqlite_path, copy)
    finally:
        db.dispose()
    connection = sqlite3.connect(copy)
    try:
        connection.execute("PRAGMA journal_mode = PERSIST")  # keep the journal to look at
        connection.execute("CREATE TABLE scratch (x)")
        connection.commit()
    finally:
        connection.close()
    assert_owner_only(copy, copy.with_name(copy.name + "-journal"))


def test_a_backup_and_the_folders_made_for_it(tmp_path: Path, local: Clinic) -> None:
    target = tmp_path / "made" / "for" / "backup.sqlite"
    assert local.db.sqlite_path is not None
    backups.make_backup(local.db.sqlite_path, target)
    assert_owner_only(target, target.parent, target.parent.parent)


def test_an_existing_folder_keeps_its_permissions(tmp_path: Path, local: Clinic) -> None:
    """A folder someone chose (a shared backup drive) is theirs to set; the copy is 0600."""
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    assert local.db.sqlite_path is not None
    backups.make_backup(local.db.sqlite_path, shared / "backup.sqlite")
    assert mode(shared) == 0o755
    assert_owner_only(shared / "backup.sqlite")


def test_the_daily_backup_folder(user_folders: Path, local: Clinic) -> None:
    made = backups.daily_backup(local.db, 7)
    assert made is not None
    folder = user_folders / "data" / "ketachart" / "backups"
    assert made.path.parent == folder
    assert_owner_only(made.path, folder, folder.parent)


def test_the_daily_backup_folder_is_made_private_if_it_was_open(
    user_folders: Path, local: Clinic
) -> None:
    """ketachart's own folders are tightened even if an older version made them 0755."""
    folder = backups.default_backup_folder()
    folder.mkdir(parents=True, mode=0o755)
    os.chmod(folder, 0o755)
    assert backups.daily_backup(local.db, 7) is not None
    assert_owner_only(folder)


def test_a_restored_copy(tmp_path: Path, local: Clinic) -> None:
    assert local.db.sqlite_path is not None
    saved = tmp_path / "backup.sqlite"
    backups.make_backup(local.db.sqlite_path, saved)
    os.chmod(saved, 0o644)  # a backup that came from elsewhere
    restored = tmp_path / "restored" / "clinic.sqlite"
    backups.restore_backup(saved, restored)
    assert_owner_only(restored, restored.parent)


def test_the_copy_before_a_migration(local: Clinic) -> None:
    path = local.db.sqlite_path
    assert path is not None
    copy = migrate.backup_before_migration(path, "0001", "0002")
    assert_owner_only(copy)


def test_the_log_and_its_rotated_files(tmp_path: Path) -> None:
    path = tmp_path / "ketachart.log"
    handler = PrivateRotatingFileHandler(path, maxBytes=200, backupCount=2, encoding="utf-8")
    logger = logging.getLogger("tests.owner_only")
    logger.addHandler(handler)
    try:
        for number in range(20):
            logger.warning("line %d of the log, long enough to rotate soon", number)
    finally:
        logger.removeHandler(handler)
        handler.close()
    rotated = path.with_name(path.name + ".1")
    assert rotated.exists()
    assert_owner_only(path, rotated)


def test_an_existing_open_log_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "ketachart.log"
    path.write_text("older version\n")
    os.chmod(path, 0o644)
    handler = PrivateRotatingFileHandler(path, encoding="utf-8")
    handler.close()
    assert_owner_only(path)


def test_setup_logging_makes_the_log_folder_private(user_folders: Path) -> None:
    root = logging.getLogger()
    others = [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    for handler in others:
        root.removeHandler(handler)
    level = root.level
    try:
        path = setup_logging()
        ours = [h for h in root.handlers if isinstance(h, PrivateRotatingFileHandler)]
        assert len(ours) == 1
        logging.getLogger("tests.owner_only").warning("written")
        ours[0].flush()
        assert path.is_relative_to(user_folders)
        assert_owner_only(path, path.parent, path.parent.parent)
    finally:
        for added in root.handlers[:]:
            if isinstance(added, PrivateRotatingFileHandler) and added not in others:
                root.removeHandler(added)
                added.close()
        for handler in others:
            root.addHandler(handler)
        root.setLevel(level)


def test_the_default_database_and_its_folder(
    user_folders: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KETACHART_DATABASE_URL", raising=False)
    choice = choose_database(None)
    path = default_database_path()
    assert choice.url == f"sqlite:///{path}"
    assert_owner_only(path.parent)
    open_database(choice.url).dispose()
    assert_owner_only(path)


def test_the_command_line_as_a_whole(
    user_folders: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """init on the default database, the demo database, an automatic backup, a protocol
    export: everything made is the owner's; the caller's umask is put back."""
    monkeypatch.delenv("KETACHART_DATABASE_URL", raising=False)
    monkeypatch.setenv(PASSWORD_ENV, "a-long-admin-pass")
    init = ["init", "--admin-username", "boss", "--admin-name", "Bo Boss"]
    init += clinic_passphrase(monkeypatch)
    assert main([*init, "--admin-password-env", PASSWORD_ENV]) == 0
    assert main(["--demo", "demo", "--patients", "1", "--sessions", "1"]) == 0
    boss = ["--user", "boss", "--password-env", PASSWORD_ENV]
    assert main(["backup", "--auto", *boss]) == 0
    exported = user_folders / "out" / "protocol.json"
    exported.parent.mkdir()
    assert main(["protocols", "export", PROTOCOL_CODE, "-o", str(exported), *boss]) == 0
    capsys.readouterr()
    assert os.umask(0o022) == 0o022  # main put the caller's umask back
    folder = backups.default_backup_folder()
    (copy,) = folder.iterdir()
    assert_owner_only(
        default_database_path().parent,
        default_database_path(),
        demo_database_path(),
        folder,
        copy,
        exported,
    )


@pytest.mark.parametrize("through", ["service", "command line"])
def test_an_exported_pdf(
    clinic: Clinic,
    database_url: str,
    tmp_path: Path,
    through: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    target = tmp_path / f"summary-{through.replace(' ', '-')}.pdf"
    if through == "service":
        export_session_pdf(clinic.db, clinic.nurse, session_id, target)
    else:
        nurse = as_user(monkeypatch, "nina")
        command = ["--db", database_url, *nurse, "export", "pdf", session_id, "-o", str(target)]
        assert main(command) == 0
    assert_owner_only(target)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Clinic]:
    """A small clinic in an SQLite file (backups and copies are of SQLite files only)."""
    db = new_database(tmp_path)
    try:
        yield make_clinic(db, ManualClock(NOW))
    finally:
        db.dispose()
