from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.vocab import DoseUnit, Route, Severity, SideEffectKind
from ketachart.services import charting
from ketachart.ui.dialogs.observation_dialogs import (
    NoteDialog,
    RescueMedicineDialog,
    SideEffectDialog,
)
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import (
    SQL_TEXT,
    accepted,
    event_count,
    message_text,
    press_enter,
    session_infusing,
    set_text,
    shown,
)


def test_side_effect_saves(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = session_infusing(ui_clinic)
    dialog = shown(SideEffectDialog(ws, session_id), qtbot)
    labels = [dialog.kind.itemText(i) for i in range(dialog.kind.count())]
    assert "Respiratory depression" in labels
    dialog.kind.set_value(SideEffectKind.HYPERTENSION)
    dialog.severity.set_value(Severity.MODERATE)
    set_text(qtbot, dialog.description, "BP 172/104")
    set_text(qtbot, dialog.intervention, "Rate halved, physician informed")
    press_enter(qtbot, dialog.intervention)
    assert accepted(dialog)
    assert dialog.saved().payload == p.SideEffect(
        SideEffectKind.HYPERTENSION,
        Severity.MODERATE,
        "BP 172/104",
        "Rate halved, physician informed",
    )


def test_side_effect_must_be_chosen(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = session_infusing(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(SideEffectDialog(ws, session_id), qtbot)
    press_enter(qtbot, dialog.description)
    assert "Choose the side effect." in message_text(dialog)
    dialog.kind.set_value(SideEffectKind.OTHER)
    assert "Description is required." in message_text(dialog)
    press_enter(qtbot, dialog.description)
    assert event_count(ui_clinic, session_id) == before


def test_rescue_medicine_linked_to_a_side_effect(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    nausea = ui_clinic.act(
        charting.chart,
        ui_clinic.nurse,
        session_id,
        p.SideEffect(SideEffectKind.NAUSEA, Severity.MILD),
    )
    dialog = shown(RescueMedicineDialog(ws, session_id), qtbot)
    dialog.route.set_value(Route.PO)
    set_text(qtbot, dialog.drug, "Ondansetron")
    assert dialog.route.value() is Route.IV
    set_text(qtbot, dialog.dose, "4")
    set_text(qtbot, dialog.indication, "Nausea")
    dialog.side_effect.set_value(nausea.id)
    assert "Nausea (mild)" in dialog.side_effect.currentText()
    press_enter(qtbot, dialog.dose)
    assert accepted(dialog)
    assert dialog.saved().payload == p.RescueMedicine(
        "Ondansetron", Decimal(4), DoseUnit.MG, Route.IV, "Nausea", "", nausea.id
    )


def test_rescue_medicine_needs_drug_and_dose(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    dialog = shown(RescueMedicineDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.dose, "0")
    press_enter(qtbot, dialog.dose)
    text = message_text(dialog)
    assert "Drug is required." in text
    assert "Dose 0 mg is not plausible: allowed 0.001-10000 mg." in text
    assert dialog.isVisible()


def test_note_enter_is_a_new_line_and_ctrl_enter_saves(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    dialog = shown(NoteDialog(ws, session_id), qtbot)
    qtbot.keyClicks(dialog.note, "Calm, listening to music.")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.note, SQL_TEXT)
    assert dialog.isVisible()
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert accepted(dialog)
    text = f"Calm, listening to music.\n{SQL_TEXT}"
    assert dialog.saved().payload == p.Note(text)
    assert event_count(ui_clinic, session_id) > 1  # the events table is still there


@pytest.mark.garbage
def test_empty_note_is_not_saved(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = session_infusing(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(NoteDialog(ws, session_id), qtbot)
    qtbot.keyClicks(dialog.note, "   ")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "Note is required." in message_text(dialog)
    assert event_count(ui_clinic, session_id) == before
