"""The chart's entry buttons follow the session's stage: only the entries valid now are
enabled (a disabled one says why), Pause reads Resume while paused, and the next expected
step stands out (issue 10, "Actions follow the stage")."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtGui import QShortcut, QTextDocument
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import StopReason
from ketachart.services import charting
from ketachart.ui.chart_view import ChartView
from ketachart.ui.notice import NoticeKind
from ketachart.ui.workstation import Workstation
from tests.support import (
    ALL_INSTRUCTIONS,
    ALL_PRE_CHECKS,
    BASELINE,
    DURING,
    RIDE,
    Clinic,
    recovery_check,
)

ALWAYS = {"E", "M", "N", "K", "G"}  # side effect, rescue, note, controlled substance, reconcile


def chart_screen(qtbot: QtBot, ws: Workstation, session_id: str) -> ChartView:
    chart = ChartView.open(ws, session_id)
    qtbot.addWidget(chart)
    chart.resize(1366, 720)
    chart.show()
    return chart


def enabled(chart: ChartView) -> set[str]:
    return {key for key, button in chart.entry_buttons.items() if button.isEnabled()}


def marked(chart: ChartView) -> set[str]:
    return {key for key, button in chart.entry_buttons.items() if button.property("nextStep")}


def tip(button: QPushButton) -> str:
    document = QTextDocument()
    document.setHtml(button.toolTip())
    return document.toPlainText()


def look(chart: ChartView, folder: Path, name: str) -> None:
    """Keep a picture of each stage (for a person to look at; the test checks the state)."""
    chart.grab().save(str(folder / f"stage-{name}.png"))


@pytest.mark.usefixtures("themed")
def test_buttons_follow_each_stage_and_the_next_step_stands_out(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, tmp_path: Path
) -> None:
    clinic, nurse = ui_clinic, ui_clinic.nurse
    sid = clinic.open_session()

    def at_stage(name: str) -> ChartView:
        chart = chart_screen(qtbot, ws, sid)
        look(chart, tmp_path, name)
        return chart

    fresh = at_stage("scheduled")
    assert enabled(fresh) == {"H", "I", "V"} | ALWAYS
    assert marked(fresh) == {"H"}
    start = fresh.entry_buttons["S"]
    assert "No infusion before an IV" in tip(start)
    assert "next expected step" in tip(fresh.entry_buttons["H"])

    clinic.act(charting.chart, nurse, sid, ALL_PRE_CHECKS)
    assert marked(at_stage("checked")) == {"V"}  # the baseline vitals come next
    clinic.act(charting.chart, nurse, sid, BASELINE)
    assert marked(at_stage("baseline")) == {"I"}
    clinic.act(charting.chart, nurse, sid, p.IvStart("Left forearm", 22, 1))
    ready = at_stage("ready")
    assert enabled(ready) == {"H", "S", "V", "O"} | ALWAYS  # an IV that failed comes out
    assert marked(ready) == {"S"}

    clinic.later(1)
    clinic.act(charting.start_infusion, nurse, sid, Decimal("52.5"), Decimal(50))
    infusing = at_stage("infusing")
    assert infusing.view.state.status is SessionStatus.INFUSING
    assert enabled(infusing) == {"H", "V", "R", "P", "T"} | ALWAYS
    assert marked(infusing) == {"V"}
    assert infusing.entry_buttons["P"].text().startswith("Pause")
    assert "Stop the infusion before removing the IV" in tip(infusing.entry_buttons["O"])

    clinic.later(5)
    clinic.act(charting.chart, nurse, sid, p.Pause("Patient asked for a break"))
    paused = at_stage("paused")
    assert paused.view.state.status is SessionStatus.PAUSED
    assert paused.entry_buttons["P"].text().startswith("Resume")
    assert enabled(paused) == {"H", "V", "P", "T"} | ALWAYS  # no rate change while paused
    assert marked(paused) == {"P"}
    assert "resume it before changing the rate" in tip(paused.entry_buttons["R"])

    clinic.later(1)
    clinic.act(charting.chart, nurse, sid, p.Resume())
    clinic.later(38)
    clinic.act(charting.chart, nurse, sid, DURING)
    clinic.later(2)  # the planned 40 minutes are over, no vitals due: stopping is next
    assert marked(at_stage("infusion-over")) == {"T"}
    clinic.act(charting.chart, nurse, sid, p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED))
    recovery = at_stage("recovery")
    assert recovery.view.state.status is SessionStatus.RECOVERY
    assert enabled(recovery) == {"H", "V", "C", "O", "D"} | ALWAYS
    assert marked(recovery) == {"C"}
    assert recovery.entry_buttons["P"].text().startswith("Pause")

    clinic.later(15)
    clinic.act(charting.record_recovery_check, nurse, sid, recovery_check())
    assert marked(at_stage("checked-recovery")) == {"O"}
    clinic.act(charting.chart, nurse, sid, p.IvRemoved(True, True))
    clinic.later(15)
    clinic.act(charting.record_recovery_check, nurse, sid, recovery_check())
    assert marked(at_stage("ready-to-go")) == {"D"}

    clinic.act(charting.discharge_patient, nurse, sid, ALL_INSTRUCTIONS, ride=RIDE)
    done = at_stage("discharged")
    assert enabled(done) == {"N", "K", "G"}  # a reconciliation may follow the discharge
    assert marked(done) == set()
    assert "discharged" in tip(done.entry_buttons["V"])
    others = {b.text().split("  [")[0]: b for b in done.findChildren(QPushButton)}
    assert all(others[name].isEnabled() for name in ("Correct…", "Board", "Export PDF…"))


def test_a_disabled_entrys_shortcut_opens_nothing_and_says_why(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    chart = chart_screen(qtbot, ws, ui_clinic.open_session())
    (stop,) = [s for s in chart.findChildren(QShortcut) if s.key().toString() == "T"]
    stop.activated.emit()  # the key pressed (the e2e test presses it in the main window)
    assert chart.active_dialog is None
    assert chart.notice.kind() is NoticeKind.WARNING
    assert "not running" in chart.notice.text()
