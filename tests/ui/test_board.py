"""Today's board: sessions of the day, live countdown, overdue in red with icon and text."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QIcon, QTextDocument
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.codes import ClinicalCode
from ketachart.services import charting, patients, sessions
from ketachart.services.board import board_rows
from ketachart.ui.board_view import (
    ALERTS,
    CHAIR,
    DUE,
    ELAPSED,
    PATIENT,
    STATUS,
    BoardTableModel,
    BoardView,
)
from ketachart.ui.theme import ALERT_RED
from ketachart.ui.workstation import Workstation
from tests.support import BASELINE, Clinic, acknowledged, chart_to_infusing


def make_view(qtbot: QtBot, ws: Workstation) -> BoardView:
    view = BoardView(ws)
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    return view


def cell(
    view: BoardView, column: int, row: int = 0, role: Any = Qt.ItemDataRole.DisplayRole
) -> Any:
    return view.model.index(row, column).data(role)


def infusing_session(clinic: Clinic) -> str:
    """A session whose infusion started at 14:01; vitals due at 14:11."""
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    return session_id


def test_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: Any, ws: Workstation, ui_clinic: Clinic
) -> None:
    infusing_session(ui_clinic)
    ui_clinic.open_session(protocol_index=1)
    now = ui_clinic.clock.now()
    with ui_clinic.db.reading() as tx:
        rows = board_rows(tx, ui_clinic.nurse, now.date(), now)
    model = BoardTableModel()
    model.set_rows(rows)
    qtmodeltester.check(model)
    model.tick(now + timedelta(minutes=20))
    model.set_rows(rows[:1])
    qtmodeltester.check(model)
    assert model.rowCount() == 1


def test_board_shows_sessions_of_the_day_with_status_and_countdown(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    infusing_session(ui_clinic)
    ui_clinic.later(4)
    view = make_view(qtbot, ws)
    assert view.model.rowCount() == 1
    assert cell(view, CHAIR) == "Chair 1"
    assert cell(view, PATIENT) == "Łukasiewicz, Zoë\nMRN-0001"
    assert cell(view, STATUS) == "Infusing"
    assert cell(view, ELAPSED) == "Infusion\n04:00"
    assert cell(view, DUE) == "Vitals\nin 6 min 00 s"
    assert cell(view, ALERTS) == "None"
    assert "1 session(s)" in view.summary.text()
    ui_clinic.clock.advance(timedelta(seconds=30))
    qtbot.waitUntil(lambda: cell(view, DUE) == "Vitals\nin 5 min 30 s", timeout=3000)
    assert cell(view, ELAPSED) == "Infusion\n04:30"


def test_empty_board_says_so(qtbot: QtBot, ws: Workstation) -> None:
    view = make_view(qtbot, ws)
    assert view.model.rowCount() == 0
    assert "No sessions today" in view.summary.text()
    assert not view.open_button.isEnabled()


def test_overdue_is_red_with_icon_and_text_until_vitals_are_charted(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = infusing_session(ui_clinic)
    view = make_view(qtbot, ws)
    assert not cell(view, DUE).startswith("OVERDUE")
    ui_clinic.clock.advance(timedelta(minutes=11))  # 1 min past the 14:11 vitals
    qtbot.waitUntil(lambda: cell(view, DUE).startswith("OVERDUE"), timeout=3000)
    assert cell(view, DUE) == "OVERDUE: vitals\n1 min 00 s late"  # not a clock time
    background = cell(view, DUE, role=Qt.ItemDataRole.BackgroundRole)
    assert isinstance(background, QBrush)
    assert background.color().name() == ALERT_RED
    icon = cell(view, DUE, role=Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon)
    assert not icon.isNull()
    assert cell(view, ALERTS) == "Vitals overdue"
    assert "1 OVERDUE" in view.summary.text()
    ui_clinic.clock.advance(timedelta(minutes=5))
    view.refresh()
    assert cell(view, DUE) == "OVERDUE: vitals\n6 min 00 s late"  # overdue until charted
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, BASELINE)
    view.refresh()
    assert cell(view, DUE) == "Vitals\nin 10 min 00 s"
    assert cell(view, DUE, role=Qt.ItemDataRole.BackgroundRole) is None
    assert cell(view, DUE, role=Qt.ItemDataRole.DecorationRole) is None
    assert "OVERDUE" not in view.summary.text()


def test_reload_timer_picks_up_new_sessions(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    view = make_view(qtbot, ws)
    assert view.model.rowCount() == 0
    ui_clinic.open_session()
    view._reload_timer.setInterval(50)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3000)


def test_open_by_button_enter_and_double_click(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    view = make_view(qtbot, ws)
    assert not view.open_button.isEnabled()
    view.table.selectRow(0)
    assert view.open_button.isEnabled()
    with qtbot.waitSignal(view.open_session_requested) as opened:
        qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [session_id]
    view.table.setFocus()
    with qtbot.waitSignal(view.open_session_requested) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened.args == [session_id]
    centre = view.table.visualRect(view.model.index(0, PATIENT)).center()
    received: list[str] = []
    view.open_session_requested.connect(received.append)
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert received == [session_id]


def test_new_session_button_asks_for_a_new_session(qtbot: QtBot, ws: Workstation) -> None:
    view = make_view(qtbot, ws)
    with qtbot.waitSignal(view.new_session_requested):
        qtbot.mouseClick(view.new_button, Qt.MouseButton.LeftButton)


def test_refresh_keeps_the_selected_session(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    ui_clinic.open_session()
    second = ui_clinic.open_session(protocol_index=1)
    view = make_view(qtbot, ws)
    view.select_session(second)
    ui_clinic.later(1)
    view.refresh()
    assert view.selected_session_id() == second


def test_timers_run_only_while_shown(qtbot: QtBot, ws: Workstation) -> None:
    view = make_view(qtbot, ws)
    assert view._tick_timer.isActive()
    assert view._reload_timer.isActive()
    view.hide()
    assert not view._tick_timer.isActive()
    assert not view._reload_timer.isActive()


def open_in_chair(clinic: Clinic, chair: str, mrn: str) -> str:
    details = patients.PatientDetails(mrn, f"Family {chair}", "Sam", date(1975, 5, 6), "male")
    patient = clinic.act(patients.register_patient, clinic.nurse, details)
    loaded = clinic.act(
        sessions.open_session,
        clinic.nurse,
        patient.id,
        clinic.protocols[0].id,
        chair,
        Decimal("70"),
    )
    return loaded.row.id


LOW_SPO2 = acknowledged(
    p.Vitals(systolic=124, diastolic=80, heart_rate=72, resp_rate=14, spo2=88),
    ClinicalCode.SPO2_LOW,
)
LOW_EVERYTHING = acknowledged(
    p.Vitals(systolic=124, diastolic=80, heart_rate=40, resp_rate=8, spo2=88, moaas=1),
    *(ClinicalCode.SPO2_LOW, ClinicalCode.HR_LOW, ClinicalCode.RR_LOW, ClinicalCode.SEDATION_DEEP),
)


def test_the_alerts_column_says_which_alert_in_the_session_models_words(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = infusing_session(ui_clinic)
    ui_clinic.later(2)
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, LOW_SPO2)
    view = make_view(qtbot, ws)
    assert cell(view, ALERTS) == "SpO2 88 % below 92 %"  # not "1 alert(s)"
    tip = QTextDocument()
    tip.setHtml(cell(view, ALERTS, role=Qt.ItemDataRole.ToolTipRole))
    assert tip.toPlainText() == "SpO2 88 % below 92 %"
    assert isinstance(cell(view, ALERTS, role=Qt.ItemDataRole.DecorationRole), QIcon)
    assert "1 with alerts" in view.summary.text()


def test_more_alerts_than_the_row_holds_are_counted_and_all_in_the_tooltip(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = infusing_session(ui_clinic)
    ui_clinic.later(2)
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, LOW_EVERYTHING)
    view = make_view(qtbot, ws)
    (row,) = view.model.rows()
    assert len(row.other_alerts) == 4
    first, more = cell(view, ALERTS).split("\n")
    assert first == row.other_alerts[0]
    assert more == "+ 3 more"
    tip = QTextDocument()
    tip.setHtml(cell(view, ALERTS, role=Qt.ItemDataRole.ToolTipRole))
    assert tip.toPlainText() == "\n".join(row.other_alerts)


def test_most_urgent_first_overdue_then_alerts_then_the_rest_by_chair(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    quiet = open_in_chair(ui_clinic, "Chair 1", "MRN-0101")
    chart_to_infusing(ui_clinic, quiet)
    alerting = open_in_chair(ui_clinic, "Chair 2", "MRN-0102")
    chart_to_infusing(ui_clinic, alerting)
    late = open_in_chair(ui_clinic, "Chair 3", "MRN-0103")
    chart_to_infusing(ui_clinic, late)
    waiting = open_in_chair(ui_clinic, "Chair 4", "MRN-0104")  # not started: nothing due
    ui_clinic.later(9)
    ui_clinic.act(charting.chart, ui_clinic.nurse, alerting, LOW_SPO2)
    ui_clinic.act(charting.chart, ui_clinic.nurse, quiet, BASELINE)
    ui_clinic.later(2)  # Chair 3's vitals are overdue; Chair 1 and 2 charted theirs
    view = make_view(qtbot, ws)
    order = [r.session_id for r in view.model.rows()]
    assert order == [late, alerting, quiet, waiting]
    assert cell(view, DUE).startswith("OVERDUE")
    assert cell(view, ALERTS, row=1) == "SpO2 88 % below 92 %"
    view.select_session(quiet)
    ui_clinic.clock.advance(timedelta(minutes=9))  # now Chair 1 and 2 are overdue too
    view.update_countdown()
    assert [r.session_id for r in view.model.rows()] == [quiet, alerting, late, waiting]
    assert [r.overdue for r in view.model.rows()] == [True, True, True, False]  # by chair
    assert view.selected_session_id() == quiet  # the selection follows the session


def test_a_long_name_never_hides_the_mrn_nor_a_long_alert_the_count(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    """The name and each alert are cut with '…' on their own line, never wrapped onto the
    next one: the MRN (the second line) and '+ N more' stay in the two-line row."""
    ui_clinic.open_session()
    view = make_view(qtbot, ws)
    for column in (PATIENT, ALERTS):
        delegate = view.table.itemDelegateForColumn(column)
        assert isinstance(delegate, QStyledItemDelegate)
        option = QStyleOptionViewItem()
        option.initFrom(view.table)
        option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText  # as the view sets
        delegate.initStyleOption(option, view.model.index(0, column))
        assert not option.features & QStyleOptionViewItem.ViewItemFeature.WrapText
    assert view.table.textElideMode() is Qt.TextElideMode.ElideRight
