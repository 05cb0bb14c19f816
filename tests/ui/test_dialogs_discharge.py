from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QLabel
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.vocab import PreCheckCode, PreCheckStatus
from ketachart.services import charting
from ketachart.services.corrections import correct_entry
from ketachart.ui.dialogs.discharge_dialog import DischargeDialog, RideDialog
from ketachart.ui.dialogs.iv_dialogs import IvRemovedDialog
from ketachart.ui.dialogs.recovery_dialog import RecoveryCheckDialog
from ketachart.ui.icons import IconName
from ketachart.ui.workstation import Workstation
from tests.support import RIDE, Clinic
from tests.ui.dialog_helpers import (
    Approvals,
    accepted,
    event_count,
    message_text,
    press_enter,
    session_stopped,
    set_text,
    shown,
)


def conditions(dialog: DischargeDialog) -> dict[str, str]:
    """Each condition's words, after the name of its icon: 'block: The IV has not been
    removed.' or 'check: IV removed.'."""
    return {code: f"{line.icon_name()}: {line.text()}" for code, line in dialog.status.items()}


def complete_sub_dialog(dialog: QDialog) -> int:
    """Stands in for exec(): fills the recovery check or IV removal and saves it."""
    if isinstance(dialog, RecoveryCheckDialog):
        dialog.quick.setText("122/80 70 14 98 5")
        for combo in dialog.items.values():
            combo.set_value(2)
    assert isinstance(dialog, (RecoveryCheckDialog, IvRemovedDialog))
    dialog.accept()
    return dialog.result()


def fill_ride_and_instructions(qtbot: QtBot, dialog: DischargeDialog) -> None:
    set_text(qtbot, dialog.ride.edits["escort_name"], "Jürgen Weiß")
    set_text(qtbot, dialog.ride.edits["relationship"], "spouse")
    set_text(qtbot, dialog.ride.edits["phone"], "+1 555 010 0199")
    for box in dialog.instructions.values():
        box.setChecked(True)


def test_lists_each_blocker_in_words(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    dialog = shown(DischargeDialog(ws, session_stopped(ui_clinic)), qtbot)
    shown_conditions = conditions(dialog)
    assert shown_conditions == {
        "time": "block: Minimum observation not over: 25 min remaining of 30 min.",
        "score": "block: No recovery check with a Modified Aldrete score yet.",
        "iv": "block: The IV has not been removed.",
        "ride": "block: No ride home has been confirmed. Fill in the ride home.",
    }
    assert dialog.summary.text().startswith("4 condition(s) still block discharge")


def test_completing_each_blocker_here_then_discharging(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic, 16)
    dialog = shown(DischargeDialog(ws, session_id), qtbot)
    dialog.run_dialog = complete_sub_dialog
    qtbot.mouseClick(dialog.recovery_button, qtbot_left())
    assert conditions(dialog)["score"] == "check: Modified Aldrete score 10 (threshold 9)."
    qtbot.mouseClick(dialog.iv_button, qtbot_left())
    assert conditions(dialog)["iv"] == "check: IV removed."
    assert not dialog.iv_button.isEnabled()
    fill_ride_and_instructions(qtbot, dialog)
    assert conditions(dialog)["ride"].startswith(
        "check: Ride home: confirmed with the details typed here"
    )
    ui_clinic.later(15)  # observation over, and the recovery check still current
    dialog.refresh()
    assert conditions(dialog)["time"] == "check: Minimum observation of 30 min is over."
    assert dialog.summary.text() == "Nothing blocks discharge."
    assert dialog.summary.icon_name() is IconName.CHECK
    press_enter(qtbot, dialog.note)
    assert accepted(dialog)
    state = ui_clinic.state(session_id)
    assert state.discharged_at is not None
    assert state.ride == RIDE


def test_remaining_blockers_need_a_physician(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    dialog = shown(DischargeDialog(ws, session_id), qtbot)
    fill_ride_and_instructions(qtbot, dialog)
    approvals = Approvals("Patient must leave; physician assessed", ui_clinic.physician)
    dialog.ask_approvals = approvals
    press_enter(qtbot, dialog.ride.edits["phone"])
    assert accepted(dialog)
    assert "Minimum observation not over" in approvals.messages[0]
    assert all(a.physician for needed in approvals.asked for a in needed)
    overrides = dialog.saved().overrides
    assert {o.code for o in overrides} == {
        "discharge.observation",
        "discharge.score",
        "discharge.iv",
    }
    assert {o.approved_by for o in overrides} == {ui_clinic.physician.id}
    assert ui_clinic.state(session_id).discharged_at is not None


def test_without_a_physician_nothing_is_saved(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(DischargeDialog(ws, session_id), qtbot)
    fill_ride_and_instructions(qtbot, dialog)
    dialog.ask_approvals = lambda _p, _ws, _needed, _given=(): None
    press_enter(qtbot, dialog.note)
    assert dialog.isVisible()
    assert message_text(dialog).startswith("Not saved: Minimum observation not over")
    assert event_count(ui_clinic, session_id) == before  # not even the ride
    assert dialog.ride.edits["escort_name"].text() == "Jürgen Weiß"


@pytest.mark.garbage
def test_bad_ride_and_missing_instructions_show_the_core_messages(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = shown(DischargeDialog(ws, session_stopped(ui_clinic)), qtbot)
    set_text(qtbot, dialog.ride.edits["escort_name"], "Jürgen Weiß")
    set_text(qtbot, dialog.ride.edits["phone"], "call me")
    press_enter(qtbot, dialog.note)
    text = message_text(dialog)
    assert "Relationship is required." in text
    assert "Escort phone must be a phone number (7-15 digits)." in text
    assert (
        "Discharge instructions not yet given: No driving until the next day after sleep "
        "(at least 24 h); No major decisions for 24 h" in text
    )
    assert "no_driving" not in text
    assert "no_major_decisions" not in text
    assert dialog.isVisible()


def test_ride_already_confirmed_hides_the_ride_fields(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, RIDE)
    dialog = shown(DischargeDialog(ws, session_id), qtbot)
    assert (
        conditions(dialog)["ride"]
        == "check: Ride home confirmed: Jürgen Weiß (spouse), +1 555 010 0199."
    )
    assert not dialog.ride_box.isVisible()


def test_ride_dialog_saves(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = ui_clinic.open_session()
    dialog = shown(RideDialog(ws, session_id), qtbot)
    assert dialog.fields.edits["confirmed_by"].text() == "Nina Øster"
    set_text(qtbot, dialog.fields.edits["escort_name"], RIDE.escort_name)
    set_text(qtbot, dialog.fields.edits["relationship"], RIDE.relationship)
    set_text(qtbot, dialog.fields.edits["phone"], RIDE.phone)
    press_enter(qtbot, dialog.fields.edits["phone"])
    assert accepted(dialog)
    assert ui_clinic.state(session_id).ride == p.RideConfirmed(
        "Jürgen Weiß", "spouse", "+1 555 010 0199", "Nina Øster"
    )


def qtbot_left():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_escort_from_the_pre_checks_is_filled_in_to_confirm(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    escort = p.PreChecks(
        (p.PreCheckItem(PreCheckCode.RIDE_ARRANGED, PreCheckStatus.DONE),),
        "Ana <b>Lima</b>",
        "daughter",
        "+1 555 010 0123",
    )
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, escort)
    dialog = shown(DischargeDialog(ws, session_id), qtbot)
    edits = dialog.ride.edits
    assert [edits[n].text() for n in ("escort_name", "relationship", "phone")] == [
        "Ana <b>Lima</b>",
        "daughter",
        "+1 555 010 0123",
    ]
    assert edits["confirmed_by"].text() == "Nina Øster"
    assert conditions(dialog)["ride"] == "check: Ride home: confirmed with the details typed here."
    note = dialog.findChild(QLabel, "rideArranged")
    assert note is not None
    assert note.isVisible()


def test_a_corrected_escort_is_the_one_filled_in(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    ride_item = (p.PreCheckItem(PreCheckCode.RIDE_ARRANGED, PreCheckStatus.DONE),)
    first = ui_clinic.act(
        charting.chart, ui_clinic.nurse, session_id, p.PreChecks(ride_item, "Ana", "", "5550100")
    )
    fixed = p.PreChecks(ride_item, "Ana Lima", "daughter", "+1 555 010 0123")
    nurse = ui_clinic.nurse
    ui_clinic.act(correct_entry, nurse, session_id, first.id, "Typo", fixed, seen_version=None)
    dialog = shown(RideDialog(ws, session_id), qtbot)
    assert dialog.fields.edits["escort_name"].text() == "Ana Lima"
    assert dialog.fields.edits["relationship"].text() == "daughter"
