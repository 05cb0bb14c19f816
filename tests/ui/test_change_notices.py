"""A committed action says what it changed, and open screens refresh from that at once
instead of waiting for the next poll (which stays for other workstations' writes)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.services import charting
from ketachart.services.changes import Changes
from ketachart.services.sessions import list_sessions
from ketachart.ui.board_view import STATUS
from ketachart.ui.workstation import Workstation
from tests.support import BASELINE, Clinic, chart_to_infusing
from tests.ui.test_board import cell, make_view


def test_an_action_says_which_session_it_changed(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    with qtbot.waitSignal(ws.changed, timeout=1000) as emitted:
        ws.act(charting.chart, session_id, BASELINE)
    assert emitted.args == [Changes(frozenset({session_id}))]


def test_an_action_that_charts_nothing_changes_no_session(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    ui_clinic.open_session()
    with qtbot.assertNotEmitted(ws.changed):
        ws.act(list_sessions, None)


def test_the_board_shows_an_action_at_once(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    chart_to_infusing(ui_clinic, session_id)
    view = make_view(qtbot, ws)
    view._reload_timer.stop()  # no polling: only the change notice can refresh it
    assert cell(view, STATUS) == "Infusing"
    ws.act(charting.chart, session_id, p.Pause("Patient asked for a break"))
    assert cell(view, STATUS) == "Paused"
