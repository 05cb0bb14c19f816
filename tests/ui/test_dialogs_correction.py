from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind, EventRecord
from ketachart.domain.timeline import apply_corrections
from ketachart.domain.vocab import DoseUnit, Route, Severity, SideEffectKind, StopReason
from ketachart.services import charting, corrections
from ketachart.services.sessions import load_session
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import (
    accepted,
    event_count,
    message_text,
    press_enter,
    session_infusing,
    set_text,
    shown,
)


def charted_session(clinic: Clinic) -> str:
    """A session with one entry of every kind the tests correct."""
    session_id = session_infusing(clinic)
    nurse = clinic.nurse
    clinic.act(charting.change_rate, nurse, session_id, Decimal(60), "Tolerating well")
    effect = clinic.act(
        charting.chart, nurse, session_id, p.SideEffect(SideEffectKind.NAUSEA, Severity.MILD)
    )
    rescue = p.RescueMedicine("Ondansetron", Decimal(4), DoseUnit.MG, Route.IV, "Nausea")
    clinic.act(charting.give_rescue_medicine, nurse, session_id, rescue)
    clinic.act(charting.chart, nurse, session_id, p.Note("Calm"))
    clinic.later(30)
    stop = p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED)
    clinic.act(charting.chart, nurse, session_id, stop)
    assert effect.kind is EventKind.SIDE_EFFECT
    return session_id


def events(clinic: Clinic, session_id: str) -> tuple[EventRecord, ...]:
    with clinic.db.reading() as tx:
        return load_session(tx, session_id).events


def target_of(clinic: Clinic, session_id: str, kind: EventKind) -> EventRecord:
    return next(e for e in events(clinic, session_id) if e.kind is kind)


def effective_payload(clinic: Clinic, session_id: str, target: EventRecord) -> Any:
    effective = apply_corrections(events(clinic, session_id))
    return next(e for e in effective if e.record.id == target.id).payload


CASES = [
    (EventKind.VITALS, "systolic", "126", lambda x: x.systolic == 126),
    (
        EventKind.RATE_CHANGE,
        "rate_ml_h",
        "55",
        lambda x: (x.rate_ml_h, x.dose_mg_kg_h) == (Decimal(55), Decimal("0.786")),
    ),
    (EventKind.NOTE, "text", "Calm, eyes closed", lambda x: x.text == "Calm, eyes closed"),
    (EventKind.SIDE_EFFECT, "description", "Queasy", lambda x: x.description == "Queasy"),
    (EventKind.RESCUE_MEDICINE, "dose", "8", lambda x: x.dose == Decimal(8)),
    (
        EventKind.INFUSION_STOP,
        "pump_volume_ml",
        "34.5",
        lambda x: x.pump_volume_ml == Decimal("34.5"),
    ),
    (EventKind.IV_START, "site", "Right forearm", lambda x: x.site == "Right forearm"),
    (EventKind.SESSION_OPENED, "weight_kg", "72", lambda x: x.weight_kg == Decimal(72)),
]


@pytest.mark.parametrize(("kind", "field", "text", "check"), CASES, ids=[c[0] for c in CASES])
def test_correct_with_new_values_keeps_the_original(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    kind: EventKind,
    field: str,
    text: str,
    check: Any,
) -> None:
    session_id = charted_session(ui_clinic)
    target = target_of(ui_clinic, session_id, kind)
    dialog = shown(CorrectionDialog(ws, session_id, target, None), qtbot)
    assert dialog.replaces.isChecked()
    edit = dialog.field(field)
    assert isinstance(edit, (QLineEdit, QPlainTextEdit))
    set_text(qtbot, edit, text)
    set_text(qtbot, dialog.reason, "Typed in the wrong value")
    press_enter(qtbot, dialog.reason)
    assert accepted(dialog), message_text(dialog)
    assert check(effective_payload(ui_clinic, session_id, target))
    assert target_of(ui_clinic, session_id, kind).payload == target.payload  # original kept


def test_entered_in_error_voids_the_entry(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = charted_session(ui_clinic)
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, p.Vitals(126, 80, 72, 14, 98))
    target = [e for e in events(ui_clinic, session_id) if e.kind is EventKind.VITALS][-1]
    dialog = shown(CorrectionDialog(ws, session_id, target, None), qtbot)
    dialog.voids.setChecked(True)
    assert not dialog.field("systolic").isEnabled()
    set_text(qtbot, dialog.reason, "Wrong patient")
    press_enter(qtbot, dialog.reason)
    assert accepted(dialog)
    assert len(ui_clinic.state(session_id).readings) == 1  # the baseline is left
    effective = apply_corrections(events(ui_clinic, session_id))
    assert next(e for e in effective if e.record.id == target.id).voided


def test_voiding_the_baseline_under_a_started_infusion_is_refused(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = charted_session(ui_clinic)
    target = target_of(ui_clinic, session_id, EventKind.VITALS)  # the only baseline
    dialog = shown(CorrectionDialog(ws, session_id, target, None), qtbot)
    dialog.voids.setChecked(True)
    set_text(qtbot, dialog.reason, "Wrong patient")
    press_enter(qtbot, dialog.reason)
    assert not accepted(dialog)
    assert "This correction conflicts with the infusion start charted at" in message_text(dialog)
    assert "Chart baseline vitals before starting the infusion." in message_text(dialog)
    assert len(ui_clinic.state(session_id).readings) == 1


def test_pre_checks_can_only_be_marked_in_error(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = charted_session(ui_clinic)
    target = target_of(ui_clinic, session_id, EventKind.PRE_CHECKS)
    dialog = shown(CorrectionDialog(ws, session_id, target, None), qtbot)
    assert dialog.editor is None
    assert dialog.voids.isChecked()
    assert not dialog.replaces.isEnabled()


def test_reason_and_values_are_checked(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = charted_session(ui_clinic)
    before = event_count(ui_clinic, session_id)
    target = target_of(ui_clinic, session_id, EventKind.VITALS)
    dialog = shown(CorrectionDialog(ws, session_id, target, None), qtbot)
    set_text(qtbot, dialog.field("spo2"), "140")
    press_enter(qtbot, dialog.reason)
    text = message_text(dialog)
    assert "Reason for the correction is required." in text
    assert "SpO2 140 % is not plausible: allowed 50-100 %." in text
    assert event_count(ui_clinic, session_id) == before


def test_shows_the_original_and_the_current_version(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = charted_session(ui_clinic)
    target = target_of(ui_clinic, session_id, EventKind.NOTE)
    first = ui_clinic.act(
        corrections.correct_entry,
        ui_clinic.nurse,
        session_id,
        target.id,
        "Typo",
        p.Note("Calm and chatty"),
        seen_version=None,
    )
    dialog = shown(CorrectionDialog(ws, session_id, target, first.id), qtbot)
    labels = [label.text() for label in dialog.findChildren(type(dialog.message))]
    assert any(t.startswith("Note, ") and t.endswith(": Calm") for t in labels)  # original
    assert any(t.endswith(": Calm and chatty") for t in labels)  # as corrected
    note = dialog.field("text")
    assert isinstance(note, QPlainTextEdit)
    assert note.toPlainText() == "Calm and chatty"


def test_conflict_shows_the_message_and_keeps_the_dialog(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = charted_session(ui_clinic)
    target = target_of(ui_clinic, session_id, EventKind.NOTE)
    dialog = shown(CorrectionDialog(ws, session_id, target, None), qtbot)
    ui_clinic.act(
        corrections.correct_entry,
        ui_clinic.nurse2,
        session_id,
        target.id,
        "Wrong chair",
        None,
        seen_version=None,
    )
    before = event_count(ui_clinic, session_id)
    set_text(qtbot, dialog.reason, "Typo")
    press_enter(qtbot, dialog.reason)
    assert dialog.isVisible()
    assert "Someone else corrected this entry after you opened it." in message_text(dialog)
    assert dialog.reason.text() == "Typo"
    assert event_count(ui_clinic, session_id) == before
