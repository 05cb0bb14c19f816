"""Today's board is told about saves and derives each session once per chain head (issue 14):
this workstation's saves show at once, another workstation's at the next reload, and neither the
countdown's tick nor a reload derives an unchanged session again (counted by
services.board_cache); overdue still turns red as the clock moves."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.services import charting
from ketachart.services.board_cache import BoardCache
from ketachart.storage.database import open_database
from ketachart.ui.board_view import DUE, STATUS, BoardView
from ketachart.ui.theme import ALERT_RED
from ketachart.ui.workstation import Workstation
from tests.support import BASELINE, Clinic
from tests.ui.test_board import cell, infusing_session, make_view, open_in_chair


def derivations(ws: Workstation) -> Counter[str]:
    return Counter(ws.db.caches.of(BoardCache).derivations)


def row_of(view: BoardView, session_id: str) -> int:
    row = view.model.row_of(session_id)
    assert row is not None
    return row


def test_a_save_on_another_workstation_shows_at_the_next_reload(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, migrated_sqlite_url: str
) -> None:
    session_id = infusing_session(ui_clinic)
    view = make_view(qtbot, ws)
    view._reload_timer.stop()
    assert cell(view, STATUS) == "Infusing"
    other = open_database(migrated_sqlite_url, ui_clinic.clock)  # its own Database and caches
    try:
        with other.transaction() as tx:
            charting.chart(tx, ui_clinic.nurse2, session_id, p.Pause("Patient asked for a break"))
    finally:
        other.dispose()
    qtbot.wait(50)
    assert cell(view, STATUS) == "Infusing"  # no notice crosses workstations: the reload reads it
    view._reload_timer.start(50)
    qtbot.waitUntil(lambda: cell(view, STATUS) == "Paused", timeout=3000)
    assert derivations(ws) == {session_id: 2}


def test_ticks_and_reloads_derive_no_unchanged_session(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    infusing = infusing_session(ui_clinic)
    waiting = open_in_chair(ui_clinic, "Chair 2", "MRN-0002")
    view = make_view(qtbot, ws)
    view._reload_timer.start(50)
    shown = view.model.row_at(row_of(view, infusing)).elapsed
    ui_clinic.clock.advance(timedelta(seconds=30))
    qtbot.waitUntil(
        lambda: view.model.row_at(row_of(view, infusing)).elapsed == shown + timedelta(seconds=30),
        timeout=3000,
    )
    qtbot.wait(300)  # several reloads
    assert derivations(ws) == {infusing: 1, waiting: 1}
    ws.act(charting.chart, infusing, BASELINE)  # this workstation's save: shown at once
    assert cell(view, DUE, row_of(view, infusing)) == "Vitals\nin 10 min 00 s"
    qtbot.wait(300)
    assert derivations(ws) == {infusing: 2, waiting: 1}


def test_overdue_turns_red_as_the_clock_moves_without_deriving_again(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = infusing_session(ui_clinic)  # vitals due at 14:11
    view = make_view(qtbot, ws)
    view._reload_timer.start(50)
    assert not cell(view, DUE).startswith("OVERDUE")
    ui_clinic.clock.advance(timedelta(minutes=11))
    qtbot.waitUntil(lambda: cell(view, DUE).startswith("OVERDUE"), timeout=3000)
    background = cell(view, DUE, role=Qt.ItemDataRole.BackgroundRole)
    assert isinstance(background, QBrush)
    assert background.color().name() == ALERT_RED
    qtbot.wait(300)  # reloads too: still overdue, still red
    assert cell(view, DUE).startswith("OVERDUE: vitals")
    assert "1 OVERDUE" in view.summary.text()
    assert derivations(ws) == {session_id: 1}
