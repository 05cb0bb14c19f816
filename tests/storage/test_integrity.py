"""The check at open costs the same at any size; SQLite's full integrity check runs once per
backup copy, in `verify`, and daily in the background, which records when it last passed."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from ketachart.app import main
from ketachart.clock import ManualClock
from ketachart.errors import DatabaseDamaged
from ketachart.models import AuditEntry, InfusionSession, Setting
from ketachart.services import backups, integrity
from ketachart.storage import dialect
from ketachart.storage.backup import sqlite_url
from ketachart.storage.database import Database, open_database
from tests.cli_support import as_user
from tests.support import Clinic, chart_to_discharged, make_clinic


@pytest.fixture
def local(migrated_sqlite_url: str, clock: ManualClock) -> Iterator[Clinic]:
    """A small clinic on an SQLite file (in WAL mode, as every opened file), one session."""
    db = open_database(migrated_sqlite_url, clock)
    clinic = make_clinic(db, clock)
    chart_to_discharged(clinic, clinic.open_session())
    yield clinic
    db.dispose()


def file_of(db: Database) -> Path:
    path = db.sqlite_path
    assert path is not None
    return path


@contextmanager
def full_checks_run() -> Iterator[list[str]]:
    """Every `PRAGMA integrity_check` any engine sends to SQLite while the block runs."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "integrity_check" in statement.lower():
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def zero_root_page(path: Path, table: str) -> None:
    """Overwrite the first page of `table`'s b-tree with zeros (the file closed, no WAL)."""
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        (root,) = connection.execute(
            "SELECT rootpage FROM sqlite_schema WHERE name = ?", (table,)
        ).fetchone()
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
    finally:
        connection.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size : root * page_size] = bytes(page_size)
    path.write_bytes(bytes(data))


def closed_copy(clinic: Clinic, tmp_path: Path) -> Path:
    """The clinic's file, closed (its WAL checkpointed into it), copied."""
    clinic.db.dispose()
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(file_of(clinic.db).read_bytes())
    return copy


def test_opening_runs_no_full_check_of_a_file_in_wal_mode(local: Clinic) -> None:
    with full_checks_run() as seen:
        open_database(sqlite_url(file_of(local.db))).dispose()
    assert seen == []


def test_a_damaged_small_table_is_refused_at_open_unwritten(local: Clinic, tmp_path: Path) -> None:
    """The users table, read by every sign-in, is checked at every open."""
    copy = closed_copy(local, tmp_path)
    zero_root_page(copy, "users")
    before = copy.read_bytes()
    with pytest.raises(DatabaseDamaged, match="Restore it from a backup"):
        open_database(sqlite_url(copy))
    assert copy.read_bytes() == before


def test_a_file_cut_short_is_refused_at_open_unwritten(local: Clinic, tmp_path: Path) -> None:
    copy = closed_copy(local, tmp_path)
    data = copy.read_bytes()
    page_size = int.from_bytes(data[16:18], "big")
    copy.write_bytes(data[: -2 * page_size])
    with pytest.raises(DatabaseDamaged, match="Restore it from a backup"):
        open_database(sqlite_url(copy))
    assert copy.read_bytes() == data[: -2 * page_size]


def test_damage_the_open_check_leaves_is_found_by_the_full_check_before_any_write(
    local: Clinic, tmp_path: Path
) -> None:
    """Damage in the events (a table that grows with the years) opens, the full check finds
    it, and from then on the database refuses every write: the file is never written."""
    copy = closed_copy(local, tmp_path)
    zero_root_page(copy, "events")
    before = copy.read_bytes()
    db = open_database(sqlite_url(copy))
    try:
        check = integrity.full_check(db)
        assert not check.ok
        assert db.damaged
        with pytest.raises(DatabaseDamaged), db.transaction():
            pass
        assert integrity.record(db, check) is False
    finally:
        db.dispose()
    assert copy.read_bytes() == before


def test_a_backup_runs_the_full_check_once_per_copy(local: Clinic, tmp_path: Path) -> None:
    with full_checks_run() as seen:
        check = backups.make_backup(file_of(local.db), tmp_path / "backup.sqlite")
    assert check.ok
    assert len(seen) == 1


def test_cli_backup_runs_the_full_check_once(
    local: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = as_user(monkeypatch, "admin")
    url = sqlite_url(file_of(local.db))
    with full_checks_run() as seen:
        assert main(["--db", url, "backup", str(tmp_path / "copy.sqlite"), *admin]) == 0
    assert len(seen) == 1


def test_verify_runs_the_full_check_once_and_says_when_it_last_ran(
    local: Clinic, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = as_user(monkeypatch, "admin")
    url = sqlite_url(file_of(local.db))
    with full_checks_run() as seen:
        assert main(["--db", url, "verify", *admin]) == 0
    assert len(seen) == 1
    out = capsys.readouterr().out
    assert "full integrity check passed now (before this run: not yet run" in out
    assert main(["--db", url, "verify", *admin]) == 0
    assert "(before this run: last passed " in capsys.readouterr().out


def test_verify_refuses_a_damaged_file_before_signing_in(
    local: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = closed_copy(local, tmp_path)
    zero_root_page(copy, "events")
    before = copy.read_bytes()
    assert main(["--db", sqlite_url(copy), "verify", *as_user(monkeypatch, "admin")]) != 0
    assert copy.read_bytes() == before
    assert not copy.with_name(copy.name + "-wal").exists()


def audit_count(db: Database) -> int:
    with db.reading() as tx:
        return tx.orm.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_the_daily_check_records_when_it_passed_and_runs_again_a_day_later(
    local: Clinic, clock: ManualClock
) -> None:
    db = local.db
    assert integrity.status(db).describe() == "Full integrity check: not yet run on this database."
    audits = audit_count(db)
    with full_checks_run() as seen:
        first = integrity.run_if_due(db)
        again = integrity.run_if_due(db)  # within the day: not run again
    assert len(seen) == 1
    assert first == again == integrity.status(db)
    assert first.last_passed == clock.now()
    assert first.describe().startswith("Full integrity check: last passed ")
    assert audit_count(db) == audits + 1
    with db.reading() as tx:
        assert tx.orm.get(Setting, integrity.LAST_PASSED_KEY) is not None
        newest = select(AuditEntry.action, AuditEntry.username).order_by(AuditEntry.seq.desc())
        entry = tx.orm.execute(newest).first()
    assert entry is not None
    assert tuple(entry) == ("integrity.checked", integrity.SCHEDULED)
    clock.advance(timedelta(hours=25))
    with full_checks_run() as seen:
        later = integrity.run_if_due(db)
    assert len(seen) == 1
    assert later.last_passed == clock.now()


def test_a_failed_daily_check_is_told_not_written(local: Clinic, tmp_path: Path) -> None:
    copy = closed_copy(local, tmp_path)
    zero_root_page(copy, "events")
    before = copy.read_bytes()
    db = open_database(sqlite_url(copy))
    try:
        found = integrity.run_if_due(db)
    finally:
        db.dispose()
    assert found.failed is not None
    assert "FAILED at" in found.describe()
    assert "nothing more will be saved" in found.describe()
    assert copy.read_bytes() == before


def test_a_read_only_database_is_checked_not_written(local: Clinic, tmp_path: Path) -> None:
    copy = closed_copy(local, tmp_path)
    before = copy.read_bytes()
    db = open_database(sqlite_url(copy), read_only=True)
    try:
        found = integrity.run_if_due(db)
        assert found.failed is None
        assert found.last_passed is not None
        with full_checks_run() as seen:  # what passed here is not checked again that day
            assert integrity.run_if_due(db, found.last_passed) == found
        assert seen == []
    finally:
        db.dispose()
    assert copy.read_bytes() == before


def test_postgresql_has_no_full_check_to_run_or_record(db: Database) -> None:
    """PostgreSQL checksums its own pages: the schedule records nothing there."""
    audits = audit_count(db)
    found = integrity.run_if_due(db)
    if db.dialect_name == "postgresql":
        assert found.describe() == "Integrity: PostgreSQL checks its own pages."
        assert audit_count(db) == audits
        with db.reading() as tx:
            assert tx.orm.get(Setting, integrity.LAST_PASSED_KEY) is None
    else:
        assert found.last_passed is not None
        assert audit_count(db) == audits + 1


def test_a_save_goes_on_while_the_daily_check_reads(
    local: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check holds its read transaction open (here until the save is done): in WAL mode
    a writer does not wait for it."""
    inside, release = threading.Event(), threading.Event()
    real = dialect.full_integrity_problems

    def held_open(connection: Any) -> list[str]:
        problems = real(connection)
        inside.set()
        release.wait(30)
        return problems

    monkeypatch.setattr(dialect, "full_integrity_problems", held_open)
    found: list[integrity.FullCheckStatus] = []
    worker = threading.Thread(target=lambda: found.append(integrity.run_if_due(local.db)))
    worker.start()
    try:
        assert inside.wait(30)
        session_id = local.open_session()  # a save, while the check's transaction is open
        checking = worker.is_alive()
    finally:
        release.set()
        worker.join(30)
    assert checking
    with local.db.reading() as tx:
        assert tx.orm.get(InfusionSession, session_id) is not None
    assert found[0].last_passed is not None
