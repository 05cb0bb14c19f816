"""Opening a chart is one audited action ("chart.view"); building the chart screen from rows
already read writes nothing."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.services import charting
from ketachart.services.sessions import view_session
from ketachart.ui.chart_view import ChartView
from ketachart.ui.main_window import MainWindow
from ketachart.ui.workstation import Workstation
from prove.full_disk import snapshot
from tests.storage.helpers import audit_actions
from tests.support import Clinic
from tests.ui.test_review import audits


def test_building_the_chart_screen_writes_nothing(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    view = ws.query(view_session, ws.actor, session_id, audited=False)
    before = snapshot(ui_clinic.db)
    chart = ChartView(ws, view)
    qtbot.addWidget(chart)
    chart.show()
    assert snapshot(ui_clinic.db) == before
    assert chart.session_id == session_id


def test_opening_a_chart_is_audited_once(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = ui_clinic.open_session()
    before = len(audit_actions(ui_clinic))
    chart = ChartView.open(ws, session_id)
    qtbot.addWidget(chart)
    assert audit_actions(ui_clinic)[before:] == [("chart.view", "")]
    assert audits(ui_clinic, "chart.view") == [("nina", session_id, "")]
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, p.Note("comfortable"))
    chart.reload()  # re-reading after an entry is not another opening
    assert audits(ui_clinic, "chart.view") == [("nina", session_id, "")]


def test_every_opening_from_the_window_is_audited(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.start_shift(ui_clinic.nurse)
    window.open_chart(session_id)
    window.show_board()
    window.open_chart(session_id)
    assert audits(ui_clinic, "chart.view") == [("nina", session_id, "")] * 2
