from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.vocab import MentalStatus, Nausea, ScoreKind
from ketachart.ui.dialogs.recovery_dialog import RecoveryCheckDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic, chart_to_infusing
from tests.ui.dialog_helpers import (
    accepted,
    event_count,
    message_text,
    press_enter,
    session_stopped,
    set_text,
    shown,
)


def score_all(dialog: RecoveryCheckDialog, points: int) -> None:
    for combo in dialog.items.values():
        combo.set_value(points)


def test_quick_line_prefills_circulation_and_spo2(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = shown(RecoveryCheckDialog(ws, session_stopped(ui_clinic)), qtbot)
    assert list(dialog.items) == ["activity", "respiration", "circulation", "consciousness", "spo2"]
    set_text(qtbot, dialog.quick, "122/80 70 14 98 5")
    assert dialog.items["circulation"].value() == 2
    assert dialog.items["spo2"].value() == 2
    assert dialog.items["activity"].value() is None
    set_text(qtbot, dialog.quick, "170/95 70 14 91")  # +42 % vs baseline 120
    assert dialog.items["circulation"].value() == 1
    assert dialog.items["spo2"].value() == 1


def test_score_chosen_by_hand_is_not_overwritten(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = shown(RecoveryCheckDialog(ws, session_stopped(ui_clinic)), qtbot)
    combo = dialog.items["spo2"]
    combo.setCurrentIndex(combo.findData(0))
    combo.activated.emit(combo.currentIndex())  # what a click or key choice emits
    set_text(qtbot, dialog.quick, "122/80 70 14 98")
    assert combo.value() == 0


def test_running_total_against_threshold(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    dialog = shown(RecoveryCheckDialog(ws, session_stopped(ui_clinic)), qtbot)
    assert "5 item(s) still to score" in dialog.total.text()
    score_all(dialog, 2)
    assert dialog.total.text() == "10 of 10: meets the discharge threshold (9)"
    dialog.items["activity"].set_value(0)
    assert dialog.total.text() == "8 of 10: below the discharge threshold (9)"


def test_saves_a_recovery_check(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = session_stopped(ui_clinic)
    dialog = shown(RecoveryCheckDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.quick, "124/78 68 14 97 5 1")
    score_all(dialog, 2)
    dialog.nausea.set_value(Nausea.MILD)
    dialog.mental.set_value(MentalStatus.DROWSY)
    press_enter(qtbot, dialog.quick)
    assert accepted(dialog)
    state = ui_clinic.state(session_id)
    assert state.discharge_score == 10
    assert state.last_recovery_check == p.RecoveryCheck(
        p.Vitals(124, 78, 68, 14, 97, moaas=5, pain=1),
        Nausea.MILD,
        MentalStatus.DROWSY,
        ScoreKind.ALDRETE,
        dict.fromkeys(dialog.items, 2),
    )


@pytest.mark.garbage
def test_unscored_item_shows_the_core_message(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = session_stopped(ui_clinic)
    before = event_count(ui_clinic, session_id)
    dialog = shown(RecoveryCheckDialog(ws, session_id), qtbot)
    set_text(qtbot, dialog.quick, "124/78 68 14 97")
    press_enter(qtbot, dialog.quick)
    assert "Modified Aldrete item 'activity' is required (0-2)." in message_text(dialog)
    assert event_count(ui_clinic, session_id) == before


def test_padss_protocol_uses_padss_items(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    session_id = ui_clinic.open_session(protocol_index=2)
    chart_to_infusing(ui_clinic, session_id, rate="17.5")
    dialog = shown(RecoveryCheckDialog(ws, session_id), qtbot)
    assert "vital_signs" in dialog.items
    set_text(qtbot, dialog.quick, "150/90 70 14 98")  # +25 % vs baseline 120
    assert dialog.items["vital_signs"].value() == 1
    assert dialog.total.accessibleName() == "PADSS total"
