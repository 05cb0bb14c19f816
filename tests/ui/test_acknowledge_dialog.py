"""The abnormal-vitals prompt on every dialog that charts vitals: the vitals dialog, the
recovery check and a correction. Nothing is saved until the nurse answers it; the answer goes
into the same entry."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.events import EventKind
from ketachart.domain.vocab import AlertResponse
from ketachart.ui.acknowledge_dialog import AcknowledgeDialog
from ketachart.ui.chart_view import ChartView
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.dialogs.recovery_dialog import RecoveryCheckDialog
from ketachart.ui.dialogs.vitals_dialog import VitalsDialog
from ketachart.ui.forms import EntryDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import (
    accepted,
    event_count,
    message_text,
    session_infusing,
    session_stopped,
    set_text,
    shown,
)
from tests.ui.test_dialogs_correction import effective_payload, target_of


def prompt_of(qtbot: QtBot, dialog: EntryDialog[object]) -> AcknowledgeDialog:
    prompt = dialog.acknowledge_prompt
    assert prompt is not None, message_text(dialog)
    qtbot.waitExposed(prompt)
    return prompt


def choose(qtbot: QtBot, prompt: AcknowledgeDialog, *responses: AlertResponse) -> None:
    for response in responses:
        box = prompt.responses[response]
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def press(qtbot: QtBot, prompt: AcknowledgeDialog, which: QDialogButtonBox.StandardButton) -> None:
    button = prompt.buttons.button(which)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


OK, CANCEL = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel


def test_cancelling_the_prompt_saves_nothing_and_keeps_the_values(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(VitalsDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.quick, "124/80 72 14 89")
    dialog.accept()
    prompt = prompt_of(qtbot, dialog)
    assert [label.text() for label in prompt.alert_labels] == ["SpO2 89 % below 92 %"]
    press(qtbot, prompt, CANCEL)
    assert dialog.isVisible()
    assert "Not saved" in message_text(dialog)
    assert dialog.fields.edits["spo2"].text() == "89"
    assert event_count(ui_clinic, session_id) == before


def test_other_needs_words_and_the_answer_saves_the_reading(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    dialog = shown(VitalsDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.quick, "124/80 72 14 89")
    dialog.accept()
    prompt = prompt_of(qtbot, dialog)
    choose(qtbot, prompt, AlertResponse.OTHER)
    press(qtbot, prompt, OK)
    assert prompt.isVisible()
    assert "Response detail is required" in prompt.message.text()
    set_text(qtbot, prompt.detail, "Probe moved to the other hand: 97 %")
    press(qtbot, prompt, OK)
    assert accepted(dialog), message_text(dialog)
    saved = dialog.saved().payload
    assert isinstance(saved, p.Vitals)
    assert saved.acknowledgement == p.AlertAcknowledgement(
        (ClinicalCode.SPO2_LOW,), (AlertResponse.OTHER,), "Probe moved to the other hand: 97 %"
    )


def test_a_recovery_check_with_abnormal_vitals_asks_too(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    dialog = shown(RecoveryCheckDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.quick, "122/80 70 8 98 5")
    for combo in dialog.items.values():
        combo.set_value(2)
    dialog.accept()
    prompt = prompt_of(qtbot, dialog)
    assert [label.text() for label in prompt.alert_labels] == ["Respiratory rate 8 below 10/min"]
    choose(qtbot, prompt, AlertResponse.STIMULATED, AlertResponse.PHYSICIAN_NOTIFIED)
    press(qtbot, prompt, OK)
    assert accepted(dialog), message_text(dialog)
    check = dialog.saved().payload
    assert isinstance(check, p.RecoveryCheck)
    assert check.vitals.acknowledgement is not None
    assert check.vitals.acknowledgement.responses == (
        AlertResponse.STIMULATED,
        AlertResponse.PHYSICIAN_NOTIFIED,
    )


def test_a_correction_to_abnormal_values_asks_and_saves_the_answer_with_it(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    target = target_of(ui_clinic, session_id, EventKind.VITALS)
    dialog = shown(CorrectionDialog(ws, session_id, target, None), qtbot)
    set_text(qtbot, dialog.field("spo2"), "88")
    set_text(qtbot, dialog.reason, "Read from the wrong monitor")
    dialog.accept()
    prompt = prompt_of(qtbot, dialog)
    choose(qtbot, prompt, AlertResponse.OXYGEN)
    press(qtbot, prompt, OK)
    assert accepted(dialog), message_text(dialog)
    corrected = effective_payload(ui_clinic, session_id, target)
    assert corrected.spo2 == 88
    assert corrected.acknowledgement.responses == (AlertResponse.OXYGEN,)


def test_the_prompt_names_whose_vitals_they_are(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    """The prompt covers the vitals dialog: it shows the patient's name and full MRN in the
    same identity strip as every entry dialog."""
    chart = ChartView.open(ws, session_infusing(ui_clinic))
    qtbot.addWidget(chart)
    dialog = shown(VitalsDialog(ws, chart.session_id, chart), qtbot)
    set_text(qtbot, dialog.quick, "124/80 72 14 89")
    dialog.accept()
    prompt = prompt_of(qtbot, dialog)
    patient = chart.view.patient
    assert prompt.identity.isVisible()
    assert prompt.identity.name.full_text == patient.display_name
    assert prompt.identity.mrn.text() == f"MRN {patient.mrn}"
    assert type(prompt.identity) is type(dialog.identity)  # one strip, not a copy
    press(qtbot, prompt, CANCEL)
