from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.ui.dialogs.vitals_dialog import VitalsDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic, chart_to_infusing


def test_quick_entry_saves_with_enter(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = ui_clinic.open_session()
    chart_to_infusing(ui_clinic, session_id)
    dialog = VitalsDialog(ws, session_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.quick, "132/84 76 14 97 4")
    qtbot.keyClick(dialog.quick, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.saved().payload == p.Vitals(132, 84, 76, 14, 97, moaas=4)
    state = ui_clinic.state(session_id)
    assert state.readings[-1].vitals == p.Vitals(132, 84, 76, 14, 97, moaas=4)


@pytest.mark.garbage
def test_bad_value_keeps_dialog_open_with_message(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    dialog = VitalsDialog(ws, session_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.quick, "120/80 72 16 140")
    qtbot.keyClick(dialog.quick, Qt.Key.Key_Return)
    assert dialog.isVisible()
    errors = [
        label.text() for label in dialog.findChildren(QLabel) if label.objectName() == "fieldError"
    ]
    assert any("SpO2 140 % is not plausible" in text for text in errors)
    assert ui_clinic.state(session_id).readings == ()
