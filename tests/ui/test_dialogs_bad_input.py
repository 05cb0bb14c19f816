"""Every number a nurse types, in every dialog, answered with a message and nothing saved."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind
from ketachart.services import charting
from ketachart.ui.dialogs.controlled_substance_dialog import ControlledSubstanceDialog
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.dialogs.infusion_dialogs import (
    PauseDialog,
    RateChangeDialog,
    StartInfusionDialog,
    StopInfusionDialog,
)
from ketachart.ui.dialogs.iv_dialogs import IvStartDialog
from ketachart.ui.dialogs.observation_dialogs import RescueMedicineDialog
from ketachart.ui.dialogs.recovery_dialog import RecoveryCheckDialog
from ketachart.ui.forms import EntryDialog
from ketachart.ui.workstation import Workstation
from tests.support import ALL_PRE_CHECKS, BASELINE, Clinic
from tests.ui.dialog_helpers import (
    SQL_TEXT,
    event_count,
    message_text,
    press_enter,
    session_infusing,
    session_stopped,
    set_text,
    shown,
)

pytestmark = pytest.mark.garbage
BAD_NUMBERS = ("", "99999999999999", "abc", "-5", "--5", "²", "½", "1/2", "🙂", SQL_TEXT)


def ready(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    for payload in (ALL_PRE_CHECKS, BASELINE, p.IvStart("Left forearm", 22, 1)):
        clinic.act(charting.chart, clinic.nurse, session_id, payload)
    return session_id


def correction(ws: Workstation, session_id: str) -> EntryDialog[object]:
    from ketachart.services.sessions import load_session

    events = ws.query(load_session, session_id).events
    target = next(e for e in events if e.kind is EventKind.SESSION_OPENED)
    dialog = CorrectionDialog(ws, session_id, target, None)
    dialog.reason.setText("Re-weighed")
    return dialog


def rescue(ws: Workstation, session_id: str) -> EntryDialog[object]:
    dialog = RescueMedicineDialog(ws, session_id)
    dialog.drug.setEditText("Midazolam")
    return dialog


def rate_change(ws: Workstation, session_id: str) -> EntryDialog[object]:
    dialog = RateChangeDialog(ws, session_id)
    dialog.reason.setText("Agitation")
    return dialog


Setup = Callable[[Clinic], str]
Factory = Callable[[Workstation, str], EntryDialog[object]]
NUMBER_CASES: list[tuple[str, Setup, Factory, str, str]] = [
    ("iv_start", lambda c: c.open_session(), IvStartDialog, "attempts", "Attempts"),
    ("start_infusion", ready, StartInfusionDialog, "rate_ml_h", "Pump rate"),
    ("rate_change", session_infusing, rate_change, "rate_ml_h", "Pump rate"),
    ("stop", session_infusing, StopInfusionDialog, "pump_volume_ml", "Volume infused"),
    ("rescue", session_infusing, rescue, "dose", "Dose"),
    ("recovery", session_stopped, RecoveryCheckDialog, "systolic", "Systolic BP"),
    ("controlled", session_stopped, ControlledSubstanceDialog, "drawn_mg", "Drawn"),
    ("correction", lambda c: c.open_session(), correction, "weight_kg", "Weight"),
]


@pytest.mark.parametrize(
    ("setup", "factory", "field", "label"),
    [case[1:] for case in NUMBER_CASES],
    ids=[case[0] for case in NUMBER_CASES],
)
def test_bad_numbers_get_a_message_and_save_nothing(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    setup: Setup,
    factory: Factory,
    field: str,
    label: str,
) -> None:
    session_id = setup(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(factory(ws, session_id), qtbot)
    edit = dialog.field(field)
    assert isinstance(edit, QLineEdit)
    for text in BAD_NUMBERS:
        set_text(qtbot, edit, text)
        press_enter(qtbot, edit)
        assert dialog.isVisible(), text
        assert label in message_text(dialog), (text, message_text(dialog))
        assert edit.text() == text  # what was typed is kept
    assert event_count(ui_clinic, session_id) == before


TEXT_CASES: list[tuple[str, Factory, str, str, str]] = [
    ("nul in reason", PauseDialog, "reason", "bad\x00byte", "contains a control character"),
    ("blank reason", PauseDialog, "reason", "   ", "Reason for the pause is required."),
    # over-long text cannot be typed or pasted: the fields are capped (test_length_caps)
]


@pytest.mark.parametrize(
    ("factory", "field", "text", "expected"),
    [case[1:] for case in TEXT_CASES],
    ids=[case[0] for case in TEXT_CASES],
)
def test_bad_text_gets_the_core_message(
    qtbot: QtBot,
    ws: Workstation,
    ui_clinic: Clinic,
    factory: Factory,
    field: str,
    text: str,
    expected: str,
) -> None:
    session_id = session_infusing(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(factory(ws, session_id), qtbot)
    if isinstance(dialog, RateChangeDialog):
        dialog.rate.setText("60")
    edit = dialog.field(field)
    assert isinstance(edit, QLineEdit)
    edit.setText(text)
    press_enter(qtbot, edit)
    assert expected in message_text(dialog)
    assert event_count(ui_clinic, session_id) == before


def test_decimal_places_are_checked(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = session_infusing(ui_clinic)
    dialog = shown(rate_change(ws, session_id), qtbot)
    set_text(qtbot, dialog.field("rate_ml_h"), "60.25")
    assert "Pump rate allows at most 1 decimal places." in message_text(dialog)
    assert ui_clinic.state(session_id).rate_ml_h == Decimal("52.5")
