from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.vocab import PreCheckCode, PreCheckStatus
from ketachart.services import charting
from ketachart.ui.dialogs.pre_checks_dialog import PreChecksDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import (
    accepted,
    event_count,
    message_text,
    press_enter,
    saved_payload,
    set_text,
    shown,
)


def test_all_done_with_escort_saves(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = ui_clinic.open_session()
    dialog = shown(PreChecksDialog(ws, session_id), qtbot)
    for code, row in dialog.rows.items():
        status = PreCheckStatus.NOT_APPLICABLE if code is PreCheckCode.PREGNANCY else None
        row.status.set_value(status or PreCheckStatus.DONE)
    set_text(qtbot, dialog.rows[PreCheckCode.FASTING].detail, "Last meal 07:00")
    set_text(qtbot, dialog.escort, "Jürgen Weiß")
    set_text(qtbot, dialog.escort_relationship, "spouse")
    set_text(qtbot, dialog.escort_phone, "+1 555 010 0199")
    press_enter(qtbot, dialog.escort_phone)
    assert accepted(dialog)
    state = ui_clinic.state(session_id)
    assert state.pre_checks_missing == ()
    assert state.escort_on_record == p.Escort("Jürgen Weiß", "spouse", "+1 555 010 0199")
    assert state.pre_checks[PreCheckCode.FASTING].detail == "Last meal 07:00"
    assert state.pre_checks[PreCheckCode.PREGNANCY].status is PreCheckStatus.NOT_APPLICABLE


def test_override_needs_a_reason(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = ui_clinic.open_session()
    dialog = shown(PreChecksDialog(ws, session_id), qtbot)
    dialog.rows[PreCheckCode.CONSENT].status.set_value(PreCheckStatus.OVERRIDDEN)
    assert "Overriding 'Consent on file' needs a reason." in message_text(dialog)
    press_enter(qtbot, dialog.escort)
    assert event_count(ui_clinic, session_id) == 1
    set_text(qtbot, dialog.rows[PreCheckCode.CONSENT].detail, "Verbal consent, form to follow")
    press_enter(qtbot, dialog.rows[PreCheckCode.CONSENT].detail)
    assert accepted(dialog)


def test_nothing_chosen_says_so(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = ui_clinic.open_session()
    dialog = shown(PreChecksDialog(ws, session_id), qtbot)
    press_enter(qtbot, dialog.escort)
    assert "At least one pre-session check is required." in message_text(dialog)
    assert event_count(ui_clinic, session_id) == 1


def test_ride_done_needs_the_escort(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    dialog = shown(PreChecksDialog(ws, ui_clinic.open_session()), qtbot)
    dialog.rows[PreCheckCode.RIDE_ARRANGED].status.set_value(PreCheckStatus.DONE)
    press_enter(qtbot, dialog.escort)
    assert "give the escort's name and phone" in message_text(dialog)
    assert dialog.isVisible()


def test_charted_checks_show_and_only_changes_are_charted(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    identity = p.PreCheckItem(PreCheckCode.IDENTITY, PreCheckStatus.DONE, "MRN checked")
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, p.PreChecks((identity,)))
    dialog = shown(PreChecksDialog(ws, session_id), qtbot)
    row = dialog.rows[PreCheckCode.IDENTITY]
    assert row.status.value() is PreCheckStatus.DONE
    assert row.detail.text() == "MRN checked"
    assert message_text(dialog) == ""
    dialog.rows[PreCheckCode.CONSENT].status.set_value(PreCheckStatus.DONE)
    press_enter(qtbot, dialog.escort)
    assert accepted(dialog)
    payload = saved_payload(dialog, p.PreChecks)
    assert [item.code for item in payload.items] == [PreCheckCode.CONSENT]
