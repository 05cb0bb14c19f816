from __future__ import annotations

from decimal import Decimal

import pytest
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.services.actors import Actor
from ketachart.ui.dialogs.controlled_substance_dialog import (
    ControlledSubstanceDialog,
    parse_expiry,
)
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import (
    accepted,
    event_count,
    message_text,
    press_enter,
    saved_payload,
    session_stopped,
    set_text,
    shown,
)


def fill_vial(qtbot: QtBot, dialog: ControlledSubstanceDialog, expiry: str = "2027-06") -> None:
    set_text(qtbot, dialog.lot, "KX-2291")
    set_text(qtbot, dialog.expiry, expiry)
    set_text(qtbot, dialog.concentration, "50")
    set_text(qtbot, dialog.container, "10")
    set_text(qtbot, dialog.drawn, "50")


def test_expiry_accepts_month_or_day() -> None:
    assert str(parse_expiry("2027-06")) == "2027-06-30"
    assert str(parse_expiry("2028-02")) == "2028-02-29"
    assert str(parse_expiry("2027-06-15")) == "2027-06-15"
    assert parse_expiry("2027-13") is None
    assert parse_expiry("06/2027") is None


def test_waste_is_computed_and_witnessed(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = session_stopped(ui_clinic)
    dialog = shown(ControlledSubstanceDialog(ws, session_id), qtbot)
    assert dialog.drug.text() == "Ketamine"
    assert dialog.administered.text() == "35"  # delivered so far
    fill_vial(qtbot, dialog)
    assert dialog.wasted.text() == "15"
    asked: list[Workstation] = []
    witnessed: list[str] = []

    def witness(_parent: object, station: Workstation, what: str) -> Actor:
        asked.append(station)
        witnessed.append(what)
        return ui_clinic.nurse2

    dialog.ask_witness_fn = witness
    press_enter(qtbot, dialog.drawn)
    assert accepted(dialog)
    assert asked == [ws]
    # the witness reads what they sign for: the amounts as saved
    assert witnessed == ["Ketamine, lot KX-2291: drawn 50 mg, administered 35 mg, wasted 15 mg"]
    record = saved_payload(dialog, p.ControlledSubstance)
    assert (record.drawn_mg, record.administered_mg, record.wasted_mg) == (
        Decimal(50),
        Decimal(35),
        Decimal(15),
    )
    assert record.witness_name == "Wes Ng, RN"
    assert str(record.expiry) == "2027-06-30"


def test_witness_who_is_the_recorder_is_refused(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(ControlledSubstanceDialog(ws, session_id), qtbot)
    fill_vial(qtbot, dialog)
    dialog.ask_witness_fn = lambda _parent, _ws, _what: ui_clinic.nurse
    press_enter(qtbot, dialog.drawn)
    assert "The witness must be a different user" in message_text(dialog)
    assert event_count(ui_clinic, session_id) == before


def test_no_witness_saves_nothing(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = session_stopped(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(ControlledSubstanceDialog(ws, session_id), qtbot)
    fill_vial(qtbot, dialog)
    press_enter(qtbot, dialog.drawn)
    assert message_text(dialog) == "Not saved: the witness did not sign in."
    assert dialog.lot.text() == "KX-2291"
    assert event_count(ui_clinic, session_id) == before


@pytest.mark.garbage
def test_expired_vial_is_refused_before_the_witness_is_asked(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = shown(ControlledSubstanceDialog(ws, session_stopped(ui_clinic)), qtbot)
    asked: list[object] = []

    def witness(_parent: object, _ws: Workstation, _what: str) -> None:
        asked.append(1)

    dialog.ask_witness_fn = witness
    fill_vial(qtbot, dialog, expiry="2025-12")
    assert "Vial lot KX-2291 expired on 2025-12-31; do not use it." in message_text(dialog)
    press_enter(qtbot, dialog.drawn)
    assert asked == []


def test_drawn_less_than_administered(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    dialog = shown(ControlledSubstanceDialog(ws, session_stopped(ui_clinic)), qtbot)
    fill_vial(qtbot, dialog)
    set_text(qtbot, dialog.drawn, "30")
    assert dialog.wasted.text() == "-5"
    press_enter(qtbot, dialog.drawn)
    assert "Wasted -5 mg is not plausible: allowed 0-5000 mg." in message_text(dialog)
    set_text(qtbot, dialog.drawn, "600")
    press_enter(qtbot, dialog.drawn)
    assert "Drawn amount is more than the vial holds." in message_text(dialog)
