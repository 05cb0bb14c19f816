"""A save that fails because the database is busy keeps what was typed; saving again works."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from ketachart.domain import payloads as p
from ketachart.storage.database import Database
from ketachart.ui.dialogs.infusion_dialogs import RateChangeDialog
from ketachart.ui.dialogs.observation_dialogs import NoteDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import (
    accepted,
    event_count,
    message_text,
    press_enter,
    session_infusing,
    set_text,
    shown,
)

BUSY = "Another workstation kept the database busy, so nothing was saved. Save again."


def wait_briefly(db: Database) -> None:
    """New connections give up after 50 ms instead of 30 s when another writer holds the lock."""

    def short_timeout(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 50")

    db.engine.dispose()
    event.listen(db.engine, "connect", short_timeout)


@contextmanager
def another_workstation_writing(db: Database) -> Iterator[None]:
    """Hold the write lock from a second connection, as another workstation's save would."""
    assert db.sqlite_path is not None
    other = sqlite3.connect(db.sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_rate_change_survives_a_busy_database(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    before = event_count(ui_clinic, session_id)
    wait_briefly(ws.db)
    dialog = shown(RateChangeDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.rate, "60")
    set_text(qtbot, dialog.reason, "Tolerating well")
    with another_workstation_writing(ws.db):
        press_enter(qtbot, dialog.reason)
        assert dialog.isVisible()
        assert message_text(dialog) == BUSY
        assert (dialog.rate.text(), dialog.reason.text()) == ("60", "Tolerating well")
    assert event_count(ui_clinic, session_id) == before
    press_enter(qtbot, dialog.reason)
    assert accepted(dialog)
    assert ui_clinic.state(session_id).rate_ml_h == Decimal(60)


def test_note_survives_a_busy_database(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = session_infusing(ui_clinic)
    wait_briefly(ws.db)
    dialog = shown(NoteDialog(ws, session_id), qtbot)
    qtbot.keyClicks(dialog.note, "Patient asleep")
    ctrl = Qt.KeyboardModifier.ControlModifier
    with another_workstation_writing(ws.db):
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return, ctrl)
        assert message_text(dialog) == BUSY
        assert dialog.note.toPlainText() == "Patient asleep"
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return, ctrl)
    assert accepted(dialog)
    assert dialog.saved().payload == p.Note("Patient asleep")
