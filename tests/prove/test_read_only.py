"""A database file that cannot be written opens read-only, with a banner; writes are refused
with a clear message and nothing crashes (prove.read_only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from ketachart.clock import ManualClock
from ketachart.errors import AuthenticationFailed, StorageError
from ketachart.services import charting
from ketachart.services.sign_in import sign_in
from ketachart.storage.database import READ_ONLY_ENV, Database, open_database
from ketachart.ui.main_window import READ_ONLY_BANNER, MainWindow
from ketachart.ui.workstation import Workstation
from prove import read_only
from tests.support import BASELINE, PASSWORDS, Clinic, make_clinic


def test_every_write_is_refused_and_every_look_works() -> None:
    tally = read_only.read_only_test()
    for figure in tally.figures():
        assert figure.ok, (figure.line(), tally.wrong, tally.failed_looks)
    assert tally.writes >= 25
    assert "forced" in tally.passes


def _made(url: str, clock: ManualClock) -> Iterator[tuple[Clinic, str]]:
    """A clinic with one open session, written and closed; then the session's id."""
    db = open_database(url, clock)
    clinic = make_clinic(db, clock)
    session_id = clinic.open_session()
    db.dispose()
    yield clinic, session_id
    db.dispose()


@pytest.fixture
def made(migrated_sqlite_url: str, clock: ManualClock) -> Iterator[tuple[Clinic, str]]:
    yield from _made(migrated_sqlite_url, clock)


@pytest.fixture
def made_anywhere(database_url: str, clock: ManualClock) -> Iterator[tuple[Clinic, str]]:
    """The same on SQLite and on PostgreSQL."""
    yield from _made(database_url, clock)


def _looks_but_refuses_writes(db: Database, clinic: Clinic, session_id: str) -> None:
    """Logging in works (a wrong password says so), charting is refused with the message."""
    with pytest.raises(AuthenticationFailed, match="user name or password is not right"):
        sign_in(db, clinic.nurse.username, "not-the-password")
    nurse = sign_in(db, clinic.nurse.username, PASSWORDS["nina"]).actor
    with pytest.raises(StorageError, match=read_only.READ_ONLY), db.transaction() as tx:
        charting.chart(tx, nurse, session_id, BASELINE)


def test_the_environment_forces_read_only(
    made_anywhere: tuple[Clinic, str], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(READ_ONLY_ENV, "1")
    db = open_database(database_url)
    try:
        assert db.read_only
        _looks_but_refuses_writes(db, *made_anywhere)
    finally:
        db.dispose()


def test_a_file_that_cannot_be_written_is_found_out(
    made: tuple[Clinic, str], sqlite_url: str, tmp_path: Path
) -> None:
    with read_only.unwritable(*tmp_path.iterdir(), tmp_path) as done:
        if not done:
            pytest.skip("cannot make a file unwritable here (root without chattr)")
        db = open_database(sqlite_url)
        try:
            assert db.read_only
            _looks_but_refuses_writes(db, *made)
        finally:
            db.dispose()


def _window(qtbot: QtBot, db: Database, clinic: Clinic, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "workstation.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Workstation(db, settings))
    qtbot.addWidget(window)
    window.start_shift(clinic.nurse)
    window.show()
    return window


def test_the_window_shows_a_banner_that_stays(
    qtbot: QtBot, made: tuple[Clinic, str], sqlite_url: str, tmp_path: Path
) -> None:
    clinic, session_id = made
    db = open_database(sqlite_url, clinic.clock, read_only=True)
    try:
        window = _window(qtbot, db, clinic, tmp_path)
        assert window.read_only_banner.isVisible()
        assert window.read_only_banner.text() == READ_ONLY_BANNER
        window.open_chart(session_id)  # looking works
        assert window.read_only_banner.isVisible()
    finally:
        db.dispose()


def test_a_writable_database_has_no_banner(
    qtbot: QtBot, made: tuple[Clinic, str], sqlite_url: str, tmp_path: Path
) -> None:
    clinic, _ = made
    db = open_database(sqlite_url, clinic.clock)
    try:
        assert not _window(qtbot, db, clinic, tmp_path).read_only_banner.isVisible()
    finally:
        db.dispose()
