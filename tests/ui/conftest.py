"""UI fixtures: a workstation on a temporary SQLite database with a small clinic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from ketachart.clock import ManualClock
from ketachart.storage.database import Database, open_database
from ketachart.ui.theme import apply_theme
from ketachart.ui.workstation import Workstation
from tests import modal_guard
from tests.support import Clinic, make_clinic


@pytest.fixture
def ui_db(migrated_sqlite_url: str, clock: ManualClock) -> Iterator[Database]:
    database = open_database(migrated_sqlite_url, clock)
    yield database
    database.dispose()


@pytest.fixture
def ui_clinic(ui_db: Database, clock: ManualClock) -> Clinic:
    return make_clinic(ui_db, clock)


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[None]:
    """The bedside theme (large type) for this test only."""
    font, sheet = qapp.font(), qapp.styleSheet()
    apply_theme(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "workstation.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def ws(ui_clinic: Clinic, settings: QSettings) -> Workstation:
    """Logged in as the nurse."""
    station = Workstation(ui_clinic.db, settings)
    station.set_actor(ui_clinic.nurse)
    return station


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    modal_guard.install(monkeypatch)
