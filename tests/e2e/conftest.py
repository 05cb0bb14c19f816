"""A real main window on a temporary SQLite database, with a nurse about to log in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from ketachart.clock import ManualClock
from ketachart.storage.database import Database, open_database
from ketachart.ui.main_window import MainWindow
from ketachart.ui.workstation import Workstation
from tests import modal_guard
from tests.support import Clinic, make_clinic


@pytest.fixture
def e2e_db(migrated_sqlite_url: str, clock: ManualClock) -> Iterator[Database]:
    database = open_database(migrated_sqlite_url, clock)
    yield database
    database.dispose()


@pytest.fixture
def e2e_clinic(e2e_db: Database, clock: ManualClock) -> Clinic:
    return make_clinic(e2e_db, clock)


@pytest.fixture
def window(qtbot: QtBot, e2e_clinic: Clinic, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "workstation.ini"), QSettings.Format.IniFormat)
    main = MainWindow(Workstation(e2e_clinic.db, settings))
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    return main


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    modal_guard.install(monkeypatch)
