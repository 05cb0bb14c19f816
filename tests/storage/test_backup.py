"""Backups are made online (while another connection writes, or holds its write transaction
open), checked before they are trusted, restored only into a new file, and rotated daily."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ketachart.app import main
from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.errors import StorageError
from ketachart.models import AuditEntry, Event
from ketachart.services import backups, charting, users
from ketachart.services.sign_in import sign_in
from ketachart.services.verify import verify_all
from ketachart.storage import backup
from ketachart.storage.database import open_database
from ketachart.storage.outputs import OutputRefused
from tests.cli_support import as_user
from tests.storage.test_cli import tamper_with_payload
from tests.support import PASSWORDS, Clinic, chart_to_discharged, chart_to_infusing, make_clinic


@pytest.fixture
def local(migrated_sqlite_url: str, clock: ManualClock) -> Iterator[Clinic]:
    """A small clinic on an SQLite file, two sessions charted."""
    db = open_database(migrated_sqlite_url, clock)
    clinic = make_clinic(db, clock)
    chart_to_discharged(clinic, clinic.open_session())
    chart_to_infusing(clinic, clinic.open_session())
    yield clinic
    db.dispose()


def source_of(clinic: Clinic) -> Path:
    path = clinic.db.sqlite_path
    assert path is not None
    return path


def counts(url: str) -> tuple[int, int]:
    db = open_database(url, migrate=False)
    try:
        with db.reading() as tx:
            events = tx.orm.scalar(select(func.count()).select_from(Event)) or 0
            audits = tx.orm.scalar(select(func.count()).select_from(AuditEntry)) or 0
            assert verify_all(tx) == []
        return events, audits
    finally:
        db.dispose()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


def test_backup_while_a_writer_holds_its_transaction_open(local: Clinic, tmp_path: Path) -> None:
    sid = local.open_session()
    before = counts(backup.sqlite_url(source_of(local)))
    inside, release = threading.Event(), threading.Event()

    def writer() -> None:
        with local.db.transaction() as tx:
            charting.chart(tx, local.nurse, sid, p.Note("written during the backup"))
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(30)
        started = time.monotonic()
        check = backups.make_backup(source_of(local), tmp_path / "copy.sqlite")
        assert time.monotonic() - started < 10  # it did not wait for the writer
    finally:
        release.set()
        thread.join(30)
    assert check.ok
    assert (check.events, check.audit_entries) == before  # the uncommitted entry is not in it
    assert counts(backup.sqlite_url(tmp_path / "copy.sqlite")) == before
    assert counts(backup.sqlite_url(source_of(local)))[0] == before[0] + 1


def write_notes() -> None:
    """Child process: chart `count` notes, one transaction each (see the test below)."""
    url, sid, nurse_id, start, count = sys.argv[1:]
    clock = ManualClock(datetime.fromisoformat(start))
    db = open_database(url, clock)
    with db.reading() as tx:
        nurse = users.get_actor(tx, int(nurse_id))
    for number in range(int(count)):
        clock.advance(timedelta(seconds=1))
        with db.transaction() as tx:
            charting.chart(tx, nurse, sid, p.Note(f"note {number}"))
    db.dispose()


def test_backups_while_another_process_writes(local: Clinic, tmp_path: Path) -> None:
    sid = local.open_session()
    url = backup.sqlite_url(source_of(local))
    start = (local.clock.now() + timedelta(minutes=1)).isoformat()
    code = "from tests.storage.test_backup import write_notes; write_notes()"
    child = subprocess.Popen(
        [sys.executable, "-c", code, url, sid, str(local.nurse.id), start, "400"]
    )
    try:
        before = counts(url)[0]
        while counts(url)[0] < before + 20:
            assert child.poll() is None, "the writer ended before the backups began"
            time.sleep(0.02)
        made = []
        for number in range(3):
            assert child.poll() is None  # still writing
            made.append(backups.make_backup(source_of(local), tmp_path / f"b{number}.sqlite"))
    finally:
        assert child.wait(120) == 0
    assert all(check.ok for check in made)
    events = [check.events for check in made]
    assert events == sorted(events)
    assert before < events[0] < counts(url)[0] == before + 400
    for number, check in enumerate(made):
        assert counts(backup.sqlite_url(tmp_path / f"b{number}.sqlite"))[0] == check.events


def test_backup_is_one_checked_file_never_over_another(local: Clinic, tmp_path: Path) -> None:
    target = tmp_path / "out" / "copy.sqlite"
    check = backups.make_backup(source_of(local), target)
    assert check.ok
    assert check.chains_checked
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.sqlite"]  # no -wal
    assert counts(backup.sqlite_url(target)) == (check.events, check.audit_entries)
    with pytest.raises(OutputRefused, match=r"a backup of it.*even with --force"):
        backups.make_backup(source_of(local), target, force=True)


def test_a_copy_that_fails_its_check_is_deleted(local: Clinic, tmp_path: Path) -> None:
    tamper_with_payload(local.db)
    target = tmp_path / "out" / "copy.sqlite"
    with pytest.raises(StorageError, match="failed its check, so no copy was kept"):
        backups.make_backup(source_of(local), target)
    assert list(target.parent.iterdir()) == []


def damage_pages(path: Path) -> None:
    """Overwrite the middle of the file (table and index pages) with garbage."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = bytes([0xA5]) * 8192
    path.write_bytes(bytes(data))


def tamper_file(path: Path) -> None:
    db = open_database(backup.sqlite_url(path), migrate=False)
    try:
        tamper_with_payload(db)
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "damage",
    [damage_pages, tamper_file, lambda path: path.write_text("not a database\n" * 500)],
    ids=["damaged pages", "tampered rows", "not a database"],
)
def test_a_damaged_backup_is_refused_at_restore(
    local: Clinic, tmp_path: Path, damage: object
) -> None:
    made = tmp_path / "backup.sqlite"
    backups.make_backup(source_of(local), made)
    assert callable(damage)
    damage(made)
    target = tmp_path / "restored" / "restored.sqlite"
    with pytest.raises(StorageError, match="failed its check, so nothing was restored"):
        backups.restore_backup(made, target)
    assert not target.exists()
    assert leftovers(target.parent) == []


def test_restore_makes_a_new_file_that_verifies(local: Clinic, tmp_path: Path) -> None:
    made = tmp_path / "backup.sqlite"
    backups.make_backup(source_of(local), made)
    target = tmp_path / "restored.sqlite"
    check = backups.restore_backup(made, target)
    assert check.ok
    assert counts(backup.sqlite_url(target)) == counts(backup.sqlite_url(source_of(local)))
    restored = open_database(backup.sqlite_url(target))  # the application can use it
    try:
        assert sign_in(restored, "nina", PASSWORDS["nina"]).actor.username == "nina"
    finally:
        restored.dispose()
    before = target.read_bytes()
    with pytest.raises(OutputRefused, match="is never written over, even with --force"):
        backups.restore_backup(made, target, force=True)
    assert target.read_bytes() == before


def test_a_backup_from_an_unknown_version_is_not_left_restored(
    local: Clinic, tmp_path: Path
) -> None:
    made = tmp_path / "backup.sqlite"
    backups.make_backup(source_of(local), made)
    with sqlite3.connect(made) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff'")
    connection.close()
    target = tmp_path / "restored" / "restored.sqlite"
    with pytest.raises(StorageError, match="newer version of ketachart"):
        backups.restore_backup(made, target)
    assert list(target.parent.iterdir()) == []


def day_backups(folder: Path, source: Path) -> list[str]:
    return [
        p.name[-len("2026-03-10.sqlite") : -len(".sqlite")]
        for p in backup.dated_backups(folder, source)
    ]


def test_daily_backup_keeps_the_newest_n(local: Clinic, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup")
    (folder / "other-0123abcd-2026-01-01.sqlite").write_text("another database's backup")
    now = local.clock.now()
    made = [backups.maybe_backup(local.db, folder, 3, now + timedelta(days=d)) for d in range(6)]
    assert all(m is not None and m.check.ok for m in made)
    assert backups.maybe_backup(local.db, folder, 3, now + timedelta(days=5, hours=1)) is None
    assert day_backups(folder, source_of(local)) == [
        (now + timedelta(days=d)).astimezone().date().isoformat() for d in (3, 4, 5)
    ]
    assert (folder / "notes.txt").exists()
    assert (folder / "other-0123abcd-2026-01-01.sqlite").exists()
    last = made[-1]
    assert last is not None
    assert len(last.removed) == 1


def test_daily_backup_goes_to_the_user_data_folder(
    local: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    thread = backups.start_daily_backup(local.db, "2")
    thread.join(60)
    folder = tmp_path / "data" / "ketachart" / "backups"
    assert backups.default_backup_folder() == folder
    assert len(backup.dated_backups(folder, source_of(local))) == 1
    assert backups.daily_backup(local.db, None) is None  # today's exists: nothing to do


@pytest.mark.parametrize(
    ("setting", "keep"), [(None, 7), ("3", 3), (12, 12), ("0", 7), ("x", 7), (-4, 7)]
)
def test_keep_setting(setting: object, keep: int) -> None:
    assert backups.keep_count(setting) == keep


def test_postgresql_is_backed_up_with_pg_dump(
    clinic: Clinic,
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = clinic.db
    dest = tmp_path / "copy.sqlite"
    code = main(["--db", database_url, "backup", str(dest), *as_user(monkeypatch, "admin")])
    if db.dialect_name == "postgresql":
        assert code == 2
        assert "PostgreSQL databases are backed up with pg_dump" in capsys.readouterr().err
        assert backups.maybe_backup(db, tmp_path, 7, db.clock.now()) is None
        assert not dest.exists()
    else:
        assert code == 0
        assert dest.exists()


def test_cli_backup_and_restore(
    local: Clinic,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = backup.sqlite_url(source_of(local))
    admin = as_user(monkeypatch, "admin")
    dest = tmp_path / "copy.sqlite"
    assert main(["--db", url, "backup", str(dest), *admin]) == 0
    assert "the copy was checked: integrity check, hash chains" in capsys.readouterr().out
    target = tmp_path / "restored.sqlite"
    assert main(["restore", str(dest), "--to", str(target), *admin]) == 0
    out = capsys.readouterr().out
    assert f"ketachart --db {backup.sqlite_url(target)}" in out
    assert "KETACHART_DATABASE_URL=" in out
    assert main(["--db", url, "backup", *admin]) == 2
    assert "DEST" in capsys.readouterr().err
    folder = tmp_path / "auto"
    auto = ["--db", url, *admin, "backup", "--auto", "--folder", str(folder)]
    assert main([*auto, "--keep", "2"]) == 0
    assert "Backed up to" in capsys.readouterr().out
    assert main(auto) == 0
    assert "exists already" in capsys.readouterr().out


def test_cli_refuses_a_tampered_database(
    local: Clinic,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tamper_with_payload(local.db)
    dest = tmp_path / "copy.sqlite"
    command = ["--db", backup.sqlite_url(source_of(local)), "backup", str(dest)]
    assert main([*command, *as_user(monkeypatch, "admin")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("ketachart: error: The backup of")
    assert "so no copy was kept" in err[0]
    assert not dest.exists()
