"""The one write gate through the real main window: discharge judged on the patient now, a
correction asking the question a direct entry asks, and every override of a save asked in one
dialog and saved in one transaction."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import AlertResponse
from ketachart.services import sessions
from ketachart.ui.approvals_dialog import ApprovalsDialog
from ketachart.ui.chart_view import ChartView
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.dialogs.infusion_dialogs import StopInfusionDialog
from ketachart.ui.dialogs.iv_dialogs import IvRemovedDialog
from ketachart.ui.main_window import MainWindow
from tests.e2e import steps
from tests.e2e.test_nurse_session import open_session, pre_checks_and_start
from tests.support import PASSWORDS, Clinic
from tests.ui.dialog_helpers import set_text
from tests.ui.test_approvals import RealApprovals, press, sign_in, type_reasons


def _stop(qtbot: QtBot, chart: ChartView) -> None:
    stop = steps.entry(qtbot, chart, "T", StopInfusionDialog)
    set_text(qtbot, stop.pump_volume, "35.0")
    steps.save(qtbot, stop)


def _started(qtbot: QtBot, window: MainWindow, clinic: Clinic, mrn: str) -> ChartView:
    steps.log_in(qtbot, window, "nina")
    patient_id = steps.register_patient(qtbot, window, mrn)
    chart = open_session(qtbot, window, clinic, patient_id)
    pre_checks_and_start(qtbot, chart, clinic)
    return chart


def _cancel(qtbot: QtBot, dialog: ApprovalsDialog) -> None:
    press(qtbot, dialog, dialog.buttons.StandardButton.Cancel)


def test_vitals_after_the_last_recovery_check_block_discharge_until_a_new_check(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    chart = _started(qtbot, window, e2e_clinic, "MRN-7101")
    e2e_clinic.later(40)
    _stop(qtbot, chart)
    e2e_clinic.later(15)
    steps.recovery_check(qtbot, chart)  # Aldrete 10
    steps.save(qtbot, steps.entry(qtbot, chart, "O", IvRemovedDialog))
    e2e_clinic.later(13)
    steps.abnormal_vitals(  # SpO2 86 %, RR 8, MOAA/S 2
        qtbot, chart, "118/76 88 8 86 2", (AlertResponse.STIMULATED, AlertResponse.OXYGEN)
    )
    e2e_clinic.later(2)
    blocked = steps.discharge_dialog(qtbot, chart)
    reasons = " ".join(label.text() for label in blocked.status.values())
    assert "after the last recovery check, crossed an alert threshold" in reasons
    asked = RealApprovals(qtbot, _cancel)
    blocked.ask_approvals = asked
    blocked.accept()
    assert blocked.isVisible()  # a nurse cannot discharge past it; nothing saved
    assert [a.code for a in asked.dialogs[0].needed] == ["discharge.score"]
    assert "Not saved" in blocked.message.text()
    blocked.reject()
    assert chart.view.state.status is SessionStatus.RECOVERY
    e2e_clinic.later(1)
    steps.recovery_check(qtbot, chart)
    allowed = steps.discharge_dialog(qtbot, chart)
    assert "Nothing blocks discharge" in allowed.summary.text()
    steps.save(qtbot, allowed)
    assert chart.view.state.discharged_at is not None


def test_a_correction_to_154_kg_asks_the_pounds_question(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    e2e_clinic.open_session()  # an earlier session at 70 kg
    e2e_clinic.later(60 * 24 * 7)
    steps.log_in(qtbot, window, "nina")
    chart = window.open_chart(e2e_clinic.open_session())
    row = next(i for i, r in enumerate(chart.model._rows) if r.kind_text == "Session opened")
    chart.table.selectRow(row)
    dialog = chart.correct_selected()
    assert isinstance(dialog, CorrectionDialog)
    set_text(qtbot, dialog.reason, "Weight re-entered")
    set_text(qtbot, dialog.field("weight_kg"), "154")

    def reason(bot: QtBot, approvals: ApprovalsDialog) -> None:
        type_reasons(bot, approvals, ("Weighed again: kg",))
        press(bot, approvals, approvals.buttons.StandardButton.Ok)

    answered = RealApprovals(qtbot, reason)
    dialog.ask_approvals = answered
    steps.save(qtbot, dialog)
    (approvals,) = answered.dialogs
    assert [a.code for a in approvals.needed] == ["weight.pounds"]
    assert "was it entered in pounds?" in approvals.needed[0].message
    correction = chart.view.events[-1]
    assert isinstance(correction.payload, p.Correction)
    assert [(o.code, o.reason) for o in correction.overrides] == [
        ("weight.pounds", "Weighed again: kg")
    ]
    assert str(chart.view.state.weight_kg) == "154"


def test_three_overrides_are_asked_in_one_dialog_and_saved_in_one_transaction(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    chart = _started(qtbot, window, e2e_clinic, "MRN-7102")
    e2e_clinic.later(40)
    _stop(qtbot, chart)
    e2e_clinic.later(5)
    steps.recovery_check(qtbot, chart, activity=0)  # Aldrete 8, below 9
    e2e_clinic.later(1)  # and observation not over, and the IV still in place
    dialog = steps.discharge_dialog(qtbot, chart)
    with e2e_clinic.db.reading() as tx:
        before = len(sessions.load_session(tx, chart.session_id).events)

    def reasons_then_physician(bot: QtBot, approvals: ApprovalsDialog) -> None:
        with e2e_clinic.db.reading() as tx:  # nothing is written while the dialog asks
            assert len(sessions.load_session(tx, chart.session_id).events) == before
        reasons = ("Escort must leave", "Walks steadily; seen by me", "IV out at the door")
        type_reasons(bot, approvals, reasons)
        sign_in(bot, approvals, "drm", PASSWORDS["drm"])
        press(bot, approvals, approvals.buttons.StandardButton.Ok)

    asked = RealApprovals(qtbot, reasons_then_physician)
    dialog.ask_approvals = asked
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    (approvals,) = asked.dialogs  # one dialog, one physician sign-in
    assert [a.code for a in approvals.needed] == [
        "discharge.observation",
        "discharge.score",
        "discharge.iv",
    ]
    with e2e_clinic.db.reading() as tx:
        events = sessions.load_session(tx, chart.session_id).events
    added = events[before:]
    assert [e.kind for e in added] == [EventKind.RIDE_CONFIRMED, EventKind.DISCHARGE]
    assert len({e.recorded_at for e in added}) == 1  # one transaction
    discharge = added[-1]
    physician = e2e_clinic.physician.id
    assert len(discharge.overrides) == len(approvals.needed) == 3
    assert all(o.approved_by == physician for o in discharge.overrides)
