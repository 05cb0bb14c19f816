"""A nurse charts a whole infusion session through the real main window (issue 3)."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from ketachart.domain.timeline import SessionStatus
from ketachart.ui.chart_view import ChartView
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.dialogs.discharge_dialog import DischargeDialog
from ketachart.ui.dialogs.infusion_dialogs import (
    RateChangeDialog,
    StartInfusionDialog,
    StopInfusionDialog,
)
from ketachart.ui.dialogs.iv_dialogs import IvRemovedDialog, IvStartDialog
from ketachart.ui.dialogs.observation_dialogs import NoteDialog
from ketachart.ui.dialogs.pre_checks_dialog import PreChecksDialog
from ketachart.ui.dialogs.vitals_dialog import VitalsDialog
from ketachart.ui.main_window import MainWindow
from ketachart.ui.new_session_dialog import NewSessionDialog
from tests.e2e import steps
from tests.support import PASSWORDS, Clinic
from tests.ui.dialog_helpers import set_text
from tests.ui.test_dialogs_storage import another_workstation_writing, wait_briefly


def open_session(qtbot: QtBot, window: MainWindow, clinic: Clinic, patient_id: int) -> ChartView:
    dialog: NewSessionDialog = window.new_session(patient_id)
    qtbot.waitUntil(dialog.isVisible)
    dialog.protocol.setCurrentIndex(dialog.protocol.findData(clinic.protocols[0].id))
    dialog.chair.setEditText("Chair 2")
    qtbot.keyClicks(dialog.weight, "70")
    assert "Pump 52.5 mL/h" in dialog.plan.text()
    dialog.accept()
    assert window.chart is not None
    return window.chart


def pre_checks_and_start(qtbot: QtBot, chart: ChartView, clinic: Clinic) -> None:
    dialog = steps.entry(qtbot, chart, "H", PreChecksDialog)
    steps.all_pre_checks(qtbot, dialog)
    steps.save(qtbot, dialog)
    steps.vitals(qtbot, chart, "124/78 72 14 98")
    iv = steps.entry(qtbot, chart, "I", IvStartDialog)
    set_text(qtbot, iv.site, "Left antecubital fossa")
    steps.save(qtbot, iv)
    clinic.later(2)
    start = steps.entry(qtbot, chart, "S", StartInfusionDialog)
    assert start.rate.text() == "52.5"
    set_text(qtbot, start.bag, "50")
    steps.save(qtbot, start)
    assert chart.view.state.status is SessionStatus.INFUSING


def rate_change(qtbot: QtBot, chart: ChartView) -> None:
    dialog = steps.entry(qtbot, chart, "R", RateChangeDialog)
    assert dialog.rate.text() == "52.5"
    set_text(qtbot, dialog.rate, "40")
    set_text(qtbot, dialog.reason, "BP 150/92, slowing per protocol")
    steps.save(qtbot, dialog)


def vitals_until_overdue(
    qtbot: QtBot, window: MainWindow, chart: ChartView, clinic: Clinic
) -> None:
    for reading in ("138/84 80 14 97 4", "142/86 82 14 97 4"):
        clinic.later(9)
        steps.vitals(qtbot, chart, reading)
    clinic.later(11)
    chart.tick()
    assert "Vitals OVERDUE by 1:00" in chart.header.due.text()
    assert chart.header.due.objectName() == "overdue"
    window.show_board()
    row = window.board.model.rows()[0]
    assert row.overdue
    window.open_chart(row.session_id)
    assert window.chart is not None
    steps.vitals(qtbot, window.chart, "136/82 78 14 98 4")
    assert "OVERDUE" not in window.chart.header.due.text()


def recovery_and_discharge(qtbot: QtBot, chart: ChartView, clinic: Clinic) -> None:
    stop = steps.entry(qtbot, chart, "T", StopInfusionDialog)
    set_text(qtbot, stop.pump_volume, "34.0")
    steps.save(qtbot, stop)
    blocked = steps.entry(qtbot, chart, "D", DischargeDialog)
    reasons = " ".join(label.text() for label in blocked.status.values())
    assert "Minimum observation not over" in reasons
    assert "The IV has not been removed." in reasons
    assert "No ride home has been confirmed" in reasons
    blocked.reject()
    for _check in range(2):
        clinic.later(15)
        steps.recovery_check(qtbot, chart)
    steps.save(qtbot, steps.entry(qtbot, chart, "O", IvRemovedDialog))
    discharge = steps.discharge_dialog(qtbot, chart)
    steps.save(qtbot, discharge)


def test_a_nurse_charts_a_whole_session(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    steps.log_in(qtbot, window, "nina")
    patient_id = steps.register_patient(qtbot, window, "MRN-7001")
    chart = open_session(qtbot, window, e2e_clinic, patient_id)
    pre_checks_and_start(qtbot, chart, e2e_clinic)
    e2e_clinic.later(5)
    rate_change(qtbot, chart)
    vitals_until_overdue(qtbot, window, chart, e2e_clinic)
    assert window.chart is not None
    chart = window.chart
    steps.side_effect_with_rescue(qtbot, chart)
    e2e_clinic.later(6)
    recovery_and_discharge(qtbot, chart, e2e_clinic)
    state = chart.view.state
    assert state.status is SessionStatus.DISCHARGED
    assert state.ride is not None
    assert state.ride.escort_name == "Jürgen Weiß"
    kinds = [row.kind_text for row in chart.model._rows]
    for kind in (
        "IV start",
        "Infusion start",
        "Rate change",
        "Side effect",
        "Rescue medicine",
        "Infusion stop",
        "Recovery check",
        "IV removed",
        "Ride confirmed",
        "Discharge",
    ):
        assert kind in kinds


def test_a_correction_keeps_the_original_visible(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    steps.log_in(qtbot, window, "nina")
    chart = window.open_chart(e2e_clinic.open_session())
    steps.vitals(qtbot, chart, "128/80 70 14 98")
    row = next(i for i, r in enumerate(chart.model._rows) if r.kind_text == "Vitals")
    chart.table.selectRow(row)
    dialog = chart.correct_selected()
    assert isinstance(dialog, CorrectionDialog)
    set_text(qtbot, dialog.reason, "Systolic mistyped")
    set_text(qtbot, dialog.field("systolic"), "118")
    steps.save(qtbot, dialog)
    rows = chart.model._rows
    original = next(r for r in rows if r.kind_text == "Vitals")
    assert original.struck
    assert "BP 128/80" in original.details
    assert "Systolic mistyped" in original.details
    correction = next(r for r in rows if r.kind_text == "Correction")
    assert "BP 118/80" in correction.details
    assert chart.view.state.readings[-1].vitals.systolic == 118


def test_the_screen_locks_and_unlocks_keeping_the_entry(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    steps.log_in(qtbot, window, "nina")
    chart = window.open_chart(e2e_clinic.open_session())
    dialog = steps.entry(qtbot, chart, "V", VitalsDialog)
    qtbot.keyClicks(dialog.quick, "131/79 7")
    e2e_clinic.clock.advance(timedelta(minutes=10))
    window.watcher.check()
    assert window.stack.currentWidget() is window.lock_screen
    assert not dialog.isVisible()
    set_text(qtbot, window.lock_screen.password, PASSWORDS["nina"])
    window.lock_screen.try_unlock()
    assert window.stack.currentWidget() is chart
    assert dialog.isVisible()
    assert dialog.quick.text() == "131/79 7"


def test_another_user_never_gets_the_first_users_entry(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    steps.log_in(qtbot, window, "nina")
    chart = window.open_chart(e2e_clinic.open_session())
    dialog = steps.entry(qtbot, chart, "N", NoteDialog)
    set_text(qtbot, dialog.note, "half-typed by Nina")
    window.lock()
    set_text(qtbot, window.lock_screen.username, "wes")
    set_text(qtbot, window.lock_screen.password, PASSWORDS["wes"])
    window.lock_screen.try_unlock()
    assert window.ws.actor.username == "wes"
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not dialog.isVisible()
    assert window.stack.currentWidget() is window.board
    assert window.chart is None


def test_a_failed_save_keeps_the_input_and_retry_works(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    steps.log_in(qtbot, window, "nina")
    chart = window.open_chart(e2e_clinic.open_session())
    dialog = steps.entry(qtbot, chart, "V", VitalsDialog)
    qtbot.keyClicks(dialog.quick, "133/81 74 15 97")
    wait_briefly(e2e_clinic.db)
    with another_workstation_writing(e2e_clinic.db):
        dialog.accept()
        assert dialog.isVisible()
        assert "busy, so nothing was saved" in dialog.message.text()
        assert dialog.quick.text() == "133/81 74 15 97"
    steps.save(qtbot, dialog)
    assert chart.view.state.readings[-1].vitals.systolic == 133
