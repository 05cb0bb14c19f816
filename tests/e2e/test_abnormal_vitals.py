"""A nurse charts abnormal vitals through the real vitals dialog, acknowledges them and
records the response taken; the board then shows that alert's words on its top row
(issue 10, "Done means")."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.vocab import AlertResponse
from ketachart.ui.board_view import ALERTS, CHAIR
from ketachart.ui.main_window import MainWindow
from ketachart.ui.notice import NoticeKind
from tests.e2e import steps
from tests.e2e.test_nurse_session import open_session, pre_checks_and_start
from tests.support import Clinic, chart_to_infusing

LOW = "124/80 72 8 89 1"  # RR 8, SpO2 89 %, MOAA/S 1


def test_abnormal_vitals_are_acknowledged_and_the_board_shows_the_alert_on_top(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    quiet = e2e_clinic.open_session()  # Chair 1: infusing, nothing alarming
    chart_to_infusing(e2e_clinic, quiet)
    steps.log_in(qtbot, window, "nina")
    patient_id = steps.register_patient(qtbot, window, "MRN-7301")
    chart = open_session(qtbot, window, e2e_clinic, patient_id)  # Chair 2

    chart.activateWindow()
    chart.table.setFocus()
    qtbot.keyClick(chart.table, "T")  # a disabled entry's key opens nothing, says why
    assert chart.active_dialog is None
    assert chart.notice.kind() is NoticeKind.WARNING
    assert "not running" in chart.notice.text()

    pre_checks_and_start(qtbot, chart, e2e_clinic)
    e2e_clinic.later(5)
    shown = steps.abnormal_vitals(
        qtbot, chart, LOW, (AlertResponse.STIMULATED, AlertResponse.OXYGEN), "Woke to voice"
    )
    assert shown == [
        "SpO2 89 % below 92 %",
        "Respiratory rate 8 below 10/min",
        "MOAA/S 1: deep sedation",
    ]

    reading = chart.view.events[-1].payload
    assert isinstance(reading, p.Vitals)  # one entry: the reading and its acknowledgement
    assert reading.acknowledgement == p.AlertAcknowledgement(
        (ClinicalCode.SPO2_LOW, ClinicalCode.RR_LOW, ClinicalCode.SEDATION_DEEP),
        (AlertResponse.STIMULATED, AlertResponse.OXYGEN),
        "Woke to voice",
    )
    details = chart.model.index(chart.model.rowCount() - 1, 2).data()
    assert "Alerts acknowledged (SpO2 low, RR low, Deep sedation)" in details
    assert "Supplemental O2" in details

    window.show_board()
    board = window.board
    assert board.model.index(0, CHAIR).data() == "Chair 2"  # the alert first, not Chair 1
    assert board.model.index(0, ALERTS).data().startswith("SpO2 89 % below 92 %")
    assert board.model.rows()[1].session_id == quiet
