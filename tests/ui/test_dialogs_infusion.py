from __future__ import annotations

from decimal import Decimal

import pytest
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.services import charting
from ketachart.ui.dialogs.infusion_dialogs import (
    PauseDialog,
    RateChangeDialog,
    ResumeDialog,
    StartInfusionDialog,
    StopInfusionDialog,
)
from ketachart.ui.workstation import Workstation
from tests.support import ALL_PRE_CHECKS, BASELINE, Clinic
from tests.ui.dialog_helpers import (
    Approvals,
    accepted,
    event_count,
    message_text,
    press_enter,
    saved_payload,
    session_infusing,
    set_text,
    shown,
)


def ready_to_start(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    for payload in (ALL_PRE_CHECKS, BASELINE, p.IvStart("Left forearm", 22, 1)):
        clinic.act(charting.chart, clinic.nurse, session_id, payload)
    return session_id


def test_start_infusion_defaults_to_protocol_and_plan(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = shown(StartInfusionDialog(ws, ready_to_start(ui_clinic)), qtbot)
    assert dialog.drug.text() == "Ketamine"
    assert dialog.concentration.text() == "1"
    assert dialog.rate.text() == "52.5"
    assert dialog.dose.text() == "= 52.5 mg/h = 0.75 mg/kg/h"
    assert "35 mg over 40 min for 70 kg" in dialog.plan.text()


def test_start_infusion_shows_dose_as_you_type_and_saves(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ready_to_start(ui_clinic)
    dialog = shown(StartInfusionDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.rate, "70")
    assert dialog.dose.text() == "= 70 mg/h = 1 mg/kg/h"
    set_text(qtbot, dialog.rate, "52.5")
    set_text(qtbot, dialog.bag, "100")
    press_enter(qtbot, dialog.bag)
    assert accepted(dialog)
    state = ui_clinic.state(session_id)
    assert state.infusion_running
    assert state.rate_ml_h == Decimal("52.5")
    assert saved_payload(dialog, p.InfusionStart).dose_mg_kg_h == Decimal("0.750")


@pytest.mark.garbage
def test_start_infusion_lists_every_bad_number(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ready_to_start(ui_clinic)
    dialog = shown(StartInfusionDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.concentration, "abc")
    set_text(qtbot, dialog.rate, "-5")
    press_enter(qtbot, dialog.rate)
    text = message_text(dialog)
    assert "Concentration must be a number." in text
    assert "Bag volume is required." in text
    assert "Pump rate -5 mL/h is not plausible: allowed 0.1-999 mL/h." in text
    assert event_count(ui_clinic, session_id) == 4


def test_rate_change_defaults_to_current_rate_and_needs_reason(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    dialog = shown(RateChangeDialog(ws, session_id), qtbot)
    assert dialog.rate.text() == "52.5"
    set_text(qtbot, dialog.rate, "60")
    assert dialog.dose.text() == "= 60 mg/h = 0.857 mg/kg/h"
    press_enter(qtbot, dialog.rate)
    assert "Reason for the rate change is required." in message_text(dialog)
    set_text(qtbot, dialog.reason, "Tolerating well")
    press_enter(qtbot, dialog.reason)
    assert accepted(dialog)
    assert ui_clinic.state(session_id).rate_ml_h == Decimal(60)


def test_rate_change_over_maximum_asks_a_physician(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    dialog = shown(RateChangeDialog(ws, session_id), qtbot)
    approvals = Approvals("Physician order for a higher rate", ui_clinic.physician)
    dialog.ask_approvals = approvals
    set_text(qtbot, dialog.rate, "150")
    assert "above the protocol maximum" in dialog.dose.text()
    set_text(qtbot, dialog.reason, "Pain not controlled")
    press_enter(qtbot, dialog.reason)
    assert accepted(dialog)
    assert len(approvals.asked) == 1
    assert "above the protocol maximum of 1.5 mg/kg/h" in approvals.messages[0]
    assert dialog.saved().overrides[0].approved_by == ui_clinic.physician.id
    assert ui_clinic.state(session_id).rate_ml_h == Decimal(150)


def test_rate_change_over_maximum_without_physician_saves_nothing(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(RateChangeDialog(ws, session_id), qtbot)
    dialog.ask_approvals = lambda _parent, _ws, _needed, _given=(): None
    set_text(qtbot, dialog.rate, "150")
    set_text(qtbot, dialog.reason, "Pain")
    press_enter(qtbot, dialog.reason)
    assert dialog.isVisible()
    assert message_text(dialog).startswith("Not saved: 150 mL/h is 2.1429 mg/kg/h")
    assert dialog.rate.text() == "150"
    assert event_count(ui_clinic, session_id) == before


def test_pause_and_resume(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = session_infusing(ui_clinic)
    pause = shown(PauseDialog(ws, session_id), qtbot)
    press_enter(qtbot, pause.reason)
    assert "Reason for the pause is required." in message_text(pause)
    set_text(qtbot, pause.reason, "Patient to the bathroom")
    press_enter(qtbot, pause.reason)
    assert accepted(pause)
    assert ui_clinic.state(session_id).paused
    resume = shown(ResumeDialog(ws, session_id), qtbot)
    assert resume.resumes.text() == "The pump resumes at 52.5 mL/h = 52.5 mg/h = 0.75 mg/kg/h"
    press_enter(qtbot, resume.note)
    assert accepted(resume)
    assert not ui_clinic.state(session_id).paused


def test_stop_shows_delivered_dose_and_saves(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_infusing(ui_clinic)
    ui_clinic.later(30)
    dialog = shown(StopInfusionDialog(ws, session_id), qtbot)
    assert "Delivered so far (from the charted rates): 35 mg = 35 mL" in dialog.computed.text()
    set_text(qtbot, dialog.pump_volume, "34.8")
    assert "difference -0.2 mL" in dialog.computed.text()
    press_enter(qtbot, dialog.pump_volume)
    assert accepted(dialog)
    state = ui_clinic.state(session_id)
    assert state.infusion_stopped_at is not None
    assert state.pump_volume_ml == Decimal("34.8")


def test_stopped_early_needs_a_reason(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    from ketachart.domain.vocab import StopReason

    session_id = session_infusing(ui_clinic)
    dialog = shown(StopInfusionDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.pump_volume, "10")
    dialog.reason.set_value(StopReason.STOPPED_EARLY)
    assert "Reason is required." in message_text(dialog)
    press_enter(qtbot, dialog.pump_volume)
    assert dialog.isVisible()
    set_text(qtbot, dialog.detail, "Hypertension 190/115")
    press_enter(qtbot, dialog.detail)
    assert accepted(dialog)
    assert saved_payload(dialog, p.InfusionStop).reason is StopReason.STOPPED_EARLY
