"""Opening a session: the dose plan as you type, the lb/kg warning, saving with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from ketachart.services import sessions
from ketachart.ui.new_session_dialog import NewSessionDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import Approvals


def make_dialog(qtbot: QtBot, ws: Workstation, patient_id: int | None) -> NewSessionDialog:
    dialog = NewSessionDialog(ws, patient_id)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def choose(dialog: NewSessionDialog, clinic: Clinic, protocol_index: int = 0) -> None:
    dialog.protocol.setCurrentIndex(dialog.protocol.findData(clinic.protocols[protocol_index].id))
    dialog.chair.setEditText("Chair 3")


def errors(dialog: NewSessionDialog) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name in ("patient", "protocol", "chair", "weight_kg"):
        column = dialog.field(name).parentWidget()
        assert column is not None
        label = next(lb for lb in column.findChildren(QLabel) if lb.objectName() == "fieldError")
        if label.isVisible():
            shown[name] = label.text()
    return shown


def test_the_dose_plan_appears_as_you_type(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = make_dialog(qtbot, ws, ui_clinic.patient.id)
    assert "Choose a protocol" in dialog.plan.text()
    choose(dialog, ui_clinic)
    qtbot.keyClicks(dialog.weight, "70")
    assert dialog.plan.text().splitlines() == [
        "Total 35 mg over 40 min",
        "Rate 52.5 mg/h (0.75 mg/kg/h)",
        "Pump 52.5 mL/h at 1 mg/mL",
        "Maximum 70 mg",
    ]
    assert dialog.weight_warning.isHidden()
    assert "No earlier weight" in dialog.previous_label.text()
    dialog.weight.setText("7O")
    assert "Choose a protocol" in dialog.plan.text()
    assert errors(dialog) == {"weight_kg": "Weight must be a number."}


def test_example_protocols_are_clearly_marked(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = make_dialog(qtbot, ws, ui_clinic.patient.id)
    texts = [dialog.protocol.itemText(i) for i in range(dialog.protocol.count())]
    assert texts
    assert all("EXAMPLE" in text for text in texts)
    assert not dialog.protocol.itemIcon(0).isNull()
    assert dialog.example_note.isHidden()
    choose(dialog, ui_clinic)
    assert dialog.example_note.isVisible()
    assert "EXAMPLE" in dialog.example_note.text()


def test_pounds_warning_for_154_kg_after_70_kg_and_saving_with_a_reason(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    ui_clinic.open_session(weight="70")
    dialog = make_dialog(qtbot, ws, ui_clinic.patient.id)
    assert dialog.previous_label.text() == "Last session: 70 kg"
    choose(dialog, ui_clinic)
    qtbot.keyClicks(dialog.weight, "154")
    assert dialog.weight_warning.isVisible()
    assert "lb/kg" in dialog.weight_warning.text()
    assert "pounds" in dialog.weight_warning.text()
    assert dialog.plan.text().startswith("Total 77 mg")  # the plan still shows what 154 kg means
    approvals = Approvals("Weighed twice; the scale is right")
    dialog.ask_approvals = approvals
    qtbot.keyClick(dialog.weight, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    (asked,) = approvals.asked
    assert len(asked) == 1
    assert "pounds" in asked[0].message
    assert not asked[0].physician
    loaded = dialog.saved()
    assert loaded.row.chair == "Chair 3"
    assert loaded.row.patient_id == ui_clinic.patient.id
    assert loaded.state().weight_kg == Decimal(154)
    (opened,) = loaded.events
    assert [o.code for o in opened.overrides] == ["weight.pounds"]
    assert opened.overrides[0].reason == "Weighed twice; the scale is right"


def test_no_reason_means_not_saved(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    ui_clinic.open_session(weight="70")
    dialog = make_dialog(qtbot, ws, ui_clinic.patient.id)
    choose(dialog, ui_clinic)
    dialog.weight.setText("80")
    assert "Weight changed +14 %" in dialog.weight_warning.text()
    dialog.ask_approvals = lambda _parent, _ws, _needed, _given=(): None
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.message.text().startswith("Not saved:")
    with ui_clinic.db.reading() as tx:
        assert sessions.previous_weight(tx, ui_clinic.patient.id) == Decimal(70)


@pytest.mark.garbage
def test_an_empty_form_names_what_is_missing(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = make_dialog(qtbot, ws, None)
    dialog.accept()
    assert dialog.isVisible()
    assert errors(dialog) == {
        "patient": "Choose the patient.",
        "protocol": "Choose the protocol.",
        "chair": "Chair or room is required.",
        "weight_kg": "Weight is required.",
    }


@pytest.mark.garbage
def test_implausible_weight_and_long_chair_are_refused(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = make_dialog(qtbot, ws, ui_clinic.patient.id)
    choose(dialog, ui_clinic)
    dialog.chair.setEditText("C" * 41)
    dialog.weight.setText("999")
    assert dialog.chair.currentText() == "C" * 40, "the field holds the service's limit"
    assert errors(dialog) == {"weight_kg": "Weight 999 kg is not plausible: allowed 2-400 kg."}


def test_scanning_the_wristband_chooses_the_patient_without_saving(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = make_dialog(qtbot, ws, None)
    assert dialog.search is not None
    assert dialog.patient_label.text() == "No patient chosen"
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.search)
    qtbot.keyClicks(dialog.search, "MRN-0001")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.patient == ui_clinic.patient
    assert "MRN-0001" in dialog.patient_label.text()
    assert dialog.allergies.text.text() == "ALLERGIES: Penicillin"
    assert QApplication.focusWidget() is dialog.protocol


def test_choosing_from_the_list_and_saving_opens_a_session(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = make_dialog(qtbot, ws, None)
    assert dialog.results is not None
    qtbot.keyClicks(dialog.search, "luk")
    assert dialog.results.count() == 1
    dialog.results.setCurrentRow(0)
    choose(dialog, ui_clinic, protocol_index=2)
    dialog.chair.setEditText("Room B")
    qtbot.keyClicks(dialog.weight, "68.5")
    dialog.accept()
    loaded = dialog.saved()
    assert loaded.row.chair == "Room B"
    assert loaded.row.protocol_id == ui_clinic.protocols[2].id


def test_tab_follows_the_form(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    dialog = make_dialog(qtbot, ws, None)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.search)
    order = [QApplication.focusWidget()]
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    assert order == [dialog.search, dialog.results, dialog.protocol, dialog.chair, dialog.weight]
