"""The chart's timeline in a long session, on a clinic screen (1366x768, and 1280x720: 1920x1080
at 150 %): one line per entry, many entries in view, the newest one in view after the chart
opens and after each entry, a reading that raised alerts selected and marked, and the whole
text of every entry in its tooltip."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QIcon, QTextDocument
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.services import charting
from ketachart.ui.chart_actions import ENTRY_ACTIONS
from ketachart.ui.chart_view import ChartView
from ketachart.ui.dialogs.observation_dialogs import NoteDialog
from ketachart.ui.main_window import MainWindow
from ketachart.ui.timeline_model import DETAILS, ROW_PADDING, TIME, WHO, TimelineTable
from ketachart.ui.workstation import Workstation
from tests.e2e import steps
from tests.support import DURING, Clinic, chart_to_infusing
from tests.ui.dialog_helpers import set_text

SIZES = [(1366, 768), (1280, 720)]
LONG_NOTE = (
    "Patient describes <b>floating</b> & a <font size=40>warm</font> feeling; "
    "asked for the lights dimmed, music on, blanket; mother &amp; partner phoned, "
    "escort confirmed for 16:30 <img src=a> — all settled, no nausea, no distress.\n"
    "Second line\twith a tab"
)
ALARMING = p.Vitals(systolic=124, diastolic=80, heart_rate=74, resp_rate=8, spo2=89)


def long_session(clinic: Clinic, entries: int) -> str:
    """A session of `entries` entries: vitals every few minutes, long notes between them."""
    sid = clinic.open_session()
    chart_to_infusing(clinic, sid)
    for n in range(entries - 5):
        clinic.later(1)
        payload = DURING if n % 3 else p.Note(f"{n}: {LONG_NOTE}")
        clinic.act(charting.chart, clinic.nurse, sid, payload)
    return sid


def tip(index: QModelIndex) -> str:
    """What a cell's tooltip shows: Qt renders it as HTML, as here."""
    document = QTextDocument()
    document.setHtml(str(index.data(Qt.ItemDataRole.ToolTipRole)))
    return document.toPlainText()


def chart_window(qtbot: QtBot, ws: Workstation, sid: str, size: tuple[int, int]) -> MainWindow:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.start_shift(ws.actor)
    window.open_chart(sid)
    qtbot.waitExposed(window)
    return window


def chart_of(window: MainWindow) -> ChartView:
    assert window.chart is not None
    return window.chart


def newest_in_view(table: TimelineTable) -> bool:
    return table.timeline.rowCount() - 1 in table.visible_rows()


@pytest.mark.parametrize(("entries", "size"), [(215, s) for s in SIZES] + [(500, SIZES[1])])
def test_a_long_session_shows_one_line_rows_that_fit(
    qtbot: QtBot,
    themed: None,
    ws: Workstation,
    ui_clinic: Clinic,
    entries: int,
    size: tuple[int, int],
) -> None:
    sid = long_session(ui_clinic, entries)
    window = chart_window(qtbot, ws, sid, size)
    table = chart_of(window).table
    assert table.timeline.rowCount() == entries
    heights = {table.rowHeight(row) for row in range(entries)}
    assert heights == {table.fontMetrics().height() + ROW_PADDING}  # one line each, all alike
    capacity = table.viewport().height() // table.row_height()
    assert len(table.visible_rows()) == capacity  # no row inflated with blank space
    assert newest_in_view(table)
    assert window.width() <= size[0]
    right = table.mapTo(window, QPoint(table.width(), 0)).x()
    assert right <= window.width()
    assert table.horizontalHeader().length() <= table.viewport().width()  # no sideways scroll
    assert table.columnWidth(DETAILS) > 300  # the details take the spare width


ROWS_IN_VIEW = {SIZES[0]: 9, SIZES[1]: 7}
"""What a nurse sees of the timeline under the fixed patient banner and above the trend."""


@pytest.mark.parametrize("size", SIZES)
def test_a_screenful_of_entries_is_in_view_on_a_clinic_screen(
    qtbot: QtBot, themed: None, ws: Workstation, ui_clinic: Clinic, size: tuple[int, int]
) -> None:
    window = chart_window(qtbot, ws, long_session(ui_clinic, 215), size)
    assert window.height() <= size[1]
    assert len(chart_of(window).table.visible_rows()) >= ROWS_IN_VIEW[size]


def test_rows_stay_one_line_when_resized_to_contents(
    qtbot: QtBot, themed: None, ws: Workstation, ui_clinic: Clinic
) -> None:
    """The review screen asks for rows sized to their contents: they stay one line."""
    window = chart_window(qtbot, ws, long_session(ui_clinic, 20), SIZES[1])
    table = chart_of(window).table
    table.resizeRowsToContents()
    assert {table.rowHeight(row) for row in range(20)} == {table.row_height()}


def test_the_newest_entry_is_in_view_after_saving_one(
    qtbot: QtBot, themed: None, ws: Workstation, ui_clinic: Clinic
) -> None:
    window = chart_window(qtbot, ws, long_session(ui_clinic, 215), SIZES[1])
    chart = chart_of(window)
    chart.table.scrollToTop()  # the nurse looked back at the start
    ui_clinic.later(1)
    dialog = chart.open_entry(next(a for a in ENTRY_ACTIONS if a.key == "N"))
    assert isinstance(dialog, NoteDialog)
    set_text(qtbot, dialog.note, "Comfortable, eyes closed")
    steps.save(qtbot, dialog)
    table = chart.table
    assert table.timeline.rowCount() == 216
    assert table.timeline.row_at(215).details == "Comfortable, eyes closed"
    assert newest_in_view(table)


def test_a_reading_that_raised_alerts_is_selected_and_marked(
    qtbot: QtBot, themed: None, ws: Workstation, ui_clinic: Clinic
) -> None:
    sid = long_session(ui_clinic, 215)
    window = chart_window(qtbot, ws, sid, SIZES[1])
    chart = chart_of(window)
    ui_clinic.later(1)
    saved = ui_clinic.chart_reading(ui_clinic.nurse, sid, ALARMING)
    chart.reload()  # as after the vitals dialog saves
    table = chart.table
    row = table.timeline.row_of(saved.id)
    assert row is not None
    assert row in table.visible_rows()
    assert table.selected_event_id() == saved.id
    time = table.timeline.index(row, TIME)
    assert isinstance(time.data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert time.data(Qt.ItemDataRole.BackgroundRole) is not None
    details = table.timeline.index(row, DETAILS)
    assert "SpO2 89 % below" in tip(details)
    assert "Respiratory rate 8 below" in tip(details)
    quiet = table.timeline.index(row - 1, TIME)
    assert quiet.data(Qt.ItemDataRole.DecorationRole) is None
    assert quiet.data(Qt.ItemDataRole.BackgroundRole) is None


def test_a_late_reading_with_alerts_is_scrolled_into_view(
    qtbot: QtBot, themed: None, ws: Workstation, ui_clinic: Clinic
) -> None:
    """Charted late, the reading sorts far above the newest entry: it is still brought into
    view and selected, so the nurse sees what was just saved."""
    sid = long_session(ui_clinic, 215)
    window = chart_window(qtbot, ws, sid, SIZES[1])
    chart = chart_of(window)
    at = ui_clinic.clock.now() - timedelta(minutes=120)
    saved = ui_clinic.chart_reading(ui_clinic.nurse, sid, ALARMING, occurred_at=at)
    chart.reload()
    table = chart.table
    row = table.timeline.row_of(saved.id)
    assert row is not None
    assert row < table.timeline.rowCount() - 30
    assert row in table.visible_rows()
    assert table.selected_event_id() == saved.id
    assert "LATE" in table.timeline.row_at(row).time_text


def test_a_selection_survives_a_reload_without_moving_the_view(
    qtbot: QtBot, themed: None, ws: Workstation, ui_clinic: Clinic
) -> None:
    sid = long_session(ui_clinic, 60)
    window = chart_window(qtbot, ws, sid, SIZES[1])
    chart = chart_of(window)
    last = chart.table.timeline.rowCount() - 1
    chart.table.selectRow(last - 2)
    chosen = chart.table.selected_event_id()
    ui_clinic.later(1)
    ui_clinic.act(charting.chart, ui_clinic.nurse, sid, p.Note("Quiet"))
    chart.reload()
    assert chart.table.selected_event_id() == chosen
    assert newest_in_view(chart.table)


def test_the_tooltip_has_the_whole_text_as_typed(
    qtbot: QtBot, themed: None, ws: Workstation, ui_clinic: Clinic
) -> None:
    window = chart_window(qtbot, ws, long_session(ui_clinic, 12), SIZES[1])
    model = chart_of(window).table.timeline
    row = model.find(lambda r: r.kind_text == "Note")
    assert row is not None
    details = model.index(row, DETAILS)
    assert details.data() == f"0: {LONG_NOTE}"
    assert tip(details) == f"0: {LONG_NOTE}"
    who = model.index(row, WHO)
    assert tip(who) == who.data() == "Nina Øster, RN"
