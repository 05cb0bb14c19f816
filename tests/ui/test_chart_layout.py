"""The chart screen's layout is remembered per workstation (QSettings), not in the database."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketachart.ui.chart_view import SPLITTER_KEY, ChartView
from ketachart.ui.workstation import Workstation
from tests.support import Clinic


def test_the_timeline_trend_split_is_remembered(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    first = ChartView.open(ws, session_id)
    qtbot.addWidget(first)
    first.resize(1366, 768)
    first.show()
    first.splitter.moveSplitter(200, 1)
    sizes = first.splitter.sizes()
    assert ws.settings.value(SPLITTER_KEY) is not None
    second = ChartView.open(ws, session_id)
    qtbot.addWidget(second)
    second.resize(1366, 768)
    second.show()
    assert second.splitter.sizes() == sizes
