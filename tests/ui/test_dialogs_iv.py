from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.services import charting
from ketachart.ui.dialogs.iv_dialogs import IvRemovedDialog, IvStartDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic
from tests.ui.dialog_helpers import (
    SQL_TEXT,
    accepted,
    event_count,
    message_text,
    press_enter,
    session_stopped,
    set_text,
    shown,
)


def test_iv_start_defaults_and_saves_with_enter(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ui_clinic.open_session()
    dialog = shown(IvStartDialog(ws, session_id), qtbot)
    assert dialog.gauge.currentText() == "22 G"
    assert dialog.attempts.text() == "1"
    set_text(qtbot, dialog.site, "Left antecubital")
    dialog.gauge.set_value(20)
    set_text(qtbot, dialog.attempts, "2")
    press_enter(qtbot, dialog.attempts)
    assert accepted(dialog)
    state = ui_clinic.state(session_id)
    assert state.iv_in_place
    assert dialog.saved().payload == p.IvStart("Left antecubital", 20, 2)


def test_iv_start_offers_common_sites(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    dialog = shown(IvStartDialog(ws, ui_clinic.open_session()), qtbot)
    sites = [dialog.site.itemText(i) for i in range(dialog.site.count())]
    assert "Left forearm" in sites
    assert dialog.site.currentText() == ""


def test_iv_start_without_site_says_so(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = ui_clinic.open_session()
    dialog = shown(IvStartDialog(ws, session_id), qtbot)
    press_enter(qtbot, dialog.site)
    assert dialog.isVisible()
    assert "IV site is required." in message_text(dialog)
    assert event_count(ui_clinic, session_id) == 1


def test_iv_start_twice_shows_the_rule(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = ui_clinic.open_session()
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, p.IvStart("Left hand", 22, 1))
    dialog = shown(IvStartDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.site, "Rt hand")
    press_enter(qtbot, dialog.site)
    assert dialog.isVisible()
    assert "An IV is already in place" in message_text(dialog)


def test_iv_removed_defaults_to_intact_and_ok(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    dialog = shown(IvRemovedDialog(ws, session_id), qtbot)
    assert dialog.catheter_intact.isChecked()
    assert dialog.site_ok.isChecked()
    press_enter(qtbot, dialog.note)
    assert accepted(dialog)
    assert not ui_clinic.state(session_id).iv_in_place


def test_iv_removed_needs_a_note_when_not_intact(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(IvRemovedDialog(ws, session_id), qtbot)
    dialog.catheter_intact.setChecked(False)
    assert "Note on the catheter or site is required." in message_text(dialog)
    press_enter(qtbot, dialog.note)
    assert dialog.isVisible()
    assert event_count(ui_clinic, session_id) == before
    set_text(qtbot, dialog.note, SQL_TEXT)
    assert message_text(dialog) == ""
    press_enter(qtbot, dialog.note)
    assert accepted(dialog)
    assert dialog.saved().payload == p.IvRemoved(False, True, SQL_TEXT)
