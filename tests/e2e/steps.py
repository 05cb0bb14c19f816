"""What a nurse does, one step at a time, through the real windows and dialogs."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from ketachart.domain.vocab import (
    AlertResponse,
    PreCheckCode,
    PreCheckStatus,
    Route,
    Severity,
    SideEffectKind,
)
from ketachart.ui.chart_actions import ENTRY_ACTIONS, EntryAction
from ketachart.ui.chart_view import ChartView
from ketachart.ui.dialogs.discharge_dialog import DischargeDialog
from ketachart.ui.dialogs.observation_dialogs import RescueMedicineDialog, SideEffectDialog
from ketachart.ui.dialogs.pre_checks_dialog import PreChecksDialog
from ketachart.ui.dialogs.recovery_dialog import RecoveryCheckDialog
from ketachart.ui.dialogs.vitals_dialog import VitalsDialog
from ketachart.ui.forms import EntryDialog
from ketachart.ui.login import LoginDialog
from ketachart.ui.main_window import MainWindow
from ketachart.ui.patient_dialog import PatientDialog
from tests.support import PASSWORDS
from tests.ui.dialog_helpers import set_text

D = TypeVar("D", bound=EntryDialog[object])


def action(key: str) -> EntryAction:
    return next(a for a in ENTRY_ACTIONS if a.key == key)


def log_in(qtbot: QtBot, window: MainWindow, username: str) -> None:
    dialog = LoginDialog(window.ws, window)
    qtbot.addWidget(dialog)
    dialog.show()
    set_text(qtbot, dialog.username, username)
    set_text(qtbot, dialog.password, PASSWORDS[username])
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    assert dialog.actor is not None
    window.start_shift(dialog.actor)


def register_patient(qtbot: QtBot, window: MainWindow, mrn: str) -> int:
    dialog = PatientDialog(window.ws, None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    set_text(qtbot, dialog.mrn, mrn)
    set_text(qtbot, dialog.family_name, "Ñúñez-Müller")
    set_text(qtbot, dialog.given_name, "Łucja")
    dialog.date_of_birth.setDate(QDate(1985, 6, 15))
    dialog.sex.setCurrentIndex(dialog.sex.findData("female"))
    set_text(qtbot, dialog.allergies, "Sulfa drugs")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    return dialog.saved().id


def entry(qtbot: QtBot, chart: ChartView, key: str, kind: type[D]) -> D:
    """Press the entry's one-key shortcut on the chart screen; return the dialog it opened,
    checked to be the `kind` of dialog that key opens."""
    chart.activateWindow()
    chart.table.setFocus()
    qtbot.keyClick(chart.table, key)
    dialog = chart.active_dialog
    assert dialog is not None, chart.notice.text()
    assert isinstance(dialog, kind), dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def save(qtbot: QtBot, dialog: EntryDialog[object]) -> None:
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, " ".join(
        label.text() for label in dialog.findChildren(type(dialog.message)) if label.text()
    )


def all_pre_checks(qtbot: QtBot, dialog: PreChecksDialog) -> None:
    for code, row in dialog.rows.items():
        done = PreCheckStatus.NOT_APPLICABLE if code is PreCheckCode.PREGNANCY else None
        row.status.set_value(done or PreCheckStatus.DONE)
    set_text(qtbot, dialog.escort, "Jürgen Weiß")
    set_text(qtbot, dialog.escort_phone, "+1 555 010 0199")


def vitals(qtbot: QtBot, chart: ChartView, values: str) -> None:
    dialog = entry(qtbot, chart, "V", VitalsDialog)
    qtbot.keyClicks(dialog.quick, values)
    qtbot.keyClick(dialog.quick, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted


def abnormal_vitals(
    qtbot: QtBot,
    chart: ChartView,
    values: str,
    responses: tuple[AlertResponse, ...],
    detail: str = "",
) -> list[str]:
    """Chart vitals that raise alerts: Enter asks for the acknowledgement first (nothing is
    saved yet); answering it saves the reading with it. Returns the alerts the prompt listed."""
    dialog = entry(qtbot, chart, "V", VitalsDialog)
    qtbot.keyClicks(dialog.quick, values)
    qtbot.keyClick(dialog.quick, Qt.Key.Key_Return)
    assert dialog.result() != QDialog.DialogCode.Accepted  # not saved without the answer
    shown = acknowledge(qtbot, dialog, responses, detail)
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    return shown


def acknowledge(
    qtbot: QtBot, dialog: EntryDialog[object], responses: tuple[AlertResponse, ...], detail: str
) -> list[str]:
    """Tick the responses on the open abnormal-vitals prompt, type the detail, press OK."""
    prompt = dialog.acknowledge_prompt
    assert prompt is not None, dialog.message.text()
    qtbot.waitExposed(prompt)
    shown = [label.text() for label in prompt.alert_labels]
    for response in responses:
        box = prompt.responses[response]  # its box, at the left: the row is wider than it
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    set_text(qtbot, prompt.detail, detail)
    ok = prompt.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok is not None
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert prompt.result() == QDialog.DialogCode.Accepted, prompt.message.text()
    return shown


def side_effect_with_rescue(qtbot: QtBot, chart: ChartView) -> None:
    dialog = entry(qtbot, chart, "E", SideEffectDialog)
    dialog.kind.set_value(SideEffectKind.NAUSEA)
    dialog.severity.set_value(Severity.MODERATE)
    set_text(qtbot, dialog.intervention, "Ondansetron given")
    save(qtbot, dialog)
    rescue = entry(qtbot, chart, "M", RescueMedicineDialog)
    set_text(qtbot, rescue.drug, "Ondansetron")
    rescue.route.set_value(Route.IV)
    set_text(qtbot, rescue.dose, "4")
    set_text(qtbot, rescue.response, "Nausea settled")
    save(qtbot, rescue)


def recovery_check(qtbot: QtBot, chart: ChartView, activity: int = 2) -> None:
    """A recovery check with normal vitals; every score item 2 except `activity`."""
    check = entry(qtbot, chart, "C", RecoveryCheckDialog)
    check.quick.setText("126/80 72 14 98 5")
    for name, combo in check.items.items():
        combo.set_value(activity if name == "activity" else 2)
    save(qtbot, check)


def discharge_dialog(qtbot: QtBot, chart: ChartView) -> DischargeDialog:
    """The discharge dialog with the ride home and every instruction filled in, not saved."""
    dialog = entry(qtbot, chart, "D", DischargeDialog)
    set_text(qtbot, dialog.ride.edits["escort_name"], "Jürgen Weiß")
    set_text(qtbot, dialog.ride.edits["relationship"], "spouse")
    set_text(qtbot, dialog.ride.edits["phone"], "+1 555 010 0199")
    for box in dialog.instructions.values():
        box.setChecked(True)
    return dialog
