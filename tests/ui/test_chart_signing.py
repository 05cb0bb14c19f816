"""On the charting screen: the nurse signs their charting at discharge (or declines, and can
attest later), and the summary can be exported or printed from there too."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketachart.domain import payloads as p
from ketachart.domain.vocab import StopReason
from ketachart.services import charting
from ketachart.services.review import review_queue
from ketachart.services.sign_in import REFUSED_MESSAGE
from ketachart.ui.chart_actions import ENTRY_ACTIONS
from ketachart.ui.chart_view import NOT_ATTESTED, ChartView
from ketachart.ui.dialogs.discharge_dialog import DischargeDialog
from ketachart.ui.notice import NoticeKind
from ketachart.ui.signing_dialogs import PasswordDialog
from ketachart.ui.workstation import Workstation
from tests.reports.conftest import page_texts
from tests.support import PASSWORDS, Clinic, chart_to_infusing, recovery_check
from tests.ui.test_dialogs_discharge import fill_ride_and_instructions
from tests.ui.test_review import FakeLp, audits, correct_spo2_on_another_workstation


def ready_to_discharge(clinic: Clinic) -> str:
    session_id = clinic.open_session()
    chart_to_infusing(clinic, session_id)
    clinic.later(40)
    stop = p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED)
    clinic.act(charting.chart, clinic.nurse, session_id, stop)
    clinic.later(15)
    clinic.act(charting.record_recovery_check, clinic.nurse, session_id, recovery_check())
    clinic.later(15)
    clinic.act(charting.chart, clinic.nurse, session_id, p.IvRemoved(True, True))
    return session_id


def chart_screen(qtbot: QtBot, ws: Workstation, session_id: str) -> ChartView:
    chart = ChartView.open(ws, session_id)
    qtbot.addWidget(chart)
    chart.resize(1366, 720)
    chart.show()
    return chart


def discharge(qtbot: QtBot, chart: ChartView) -> PasswordDialog:
    """Discharge through the chart's dialog; return the attestation question it opens."""
    dialog = chart.open_entry(next(a for a in ENTRY_ACTIONS if a.key == "D"))
    assert isinstance(dialog, DischargeDialog)
    fill_ride_and_instructions(qtbot, dialog)
    dialog.accept()
    assert not dialog.isVisible(), dialog.message.text()
    prompt = chart.prompt
    assert isinstance(prompt, PasswordDialog)
    assert prompt.isVisible()
    return prompt


def attested_in_queue(ws: Workstation, session_id: str) -> int:
    rows = ws.query(review_queue, ws.actor)
    return next(r.flags.attestations for r in rows if r.session_id == session_id)


def test_discharging_asks_the_nurse_to_attest(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ready_to_discharge(ui_clinic)
    chart = chart_screen(qtbot, ws, session_id)
    assert not chart.attest_button.isEnabled()  # not discharged yet
    prompt = discharge(qtbot, chart)
    assert "Łukasiewicz, Zoë is discharged" in prompt.explanation.text()
    assert "authored by" in prompt.explanation.text()
    prompt.password.setText("wrong-password")
    prompt.accept()
    assert prompt.isVisible()
    assert REFUSED_MESSAGE in prompt.message.text()
    assert audits(ui_clinic, "attest.failed") == [
        ("nina", str(ui_clinic.nurse.id), "wrong password, attempt 1")
    ]
    prompt.password.setText(PASSWORDS["nina"])
    prompt.accept()
    assert not prompt.isVisible()
    assert chart.notice.text() == "Attested: your charting is signed as “authored by”."
    assert chart.notice.kind() is NoticeKind.SUCCESS  # green, not the warning style
    assert not chart.attest_button.isEnabled()
    attestation = chart.view.events[-1].payload
    assert isinstance(attestation, p.Attestation)
    assert (attestation.meaning, attestation.signer_name) == ("authored by", "Nina Øster")
    assert attested_in_queue(ws, session_id) == 1


def test_declining_leaves_it_unattested_until_attest_is_pressed(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    session_id = ready_to_discharge(ui_clinic)
    chart = chart_screen(qtbot, ws, session_id)
    discharge(qtbot, chart).reject()
    assert chart.notice.text() == NOT_ATTESTED
    assert chart.notice.kind() is NoticeKind.WARNING
    assert attested_in_queue(ws, session_id) == 0
    assert chart.attest_button.isEnabled()
    qtbot.mouseClick(chart.attest_button, Qt.MouseButton.LeftButton)
    prompt = chart.prompt
    assert prompt is not None
    assert prompt.isVisible()
    prompt.password.setText(PASSWORDS["nina"])
    prompt.accept()
    assert attested_in_queue(ws, session_id) == 1
    assert not chart.attest_button.isEnabled()
    assert chart.attest() is None
    assert "not open for your attestation" in chart.notice.text()
    assert chart.notice.kind() is NoticeKind.WARNING


def test_export_and_print_from_the_chart_screen(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, tmp_path: Path
) -> None:
    session_id = ready_to_discharge(ui_clinic)
    chart = chart_screen(qtbot, ws, session_id)
    chart.pdf.ask_save_path = lambda _parent, suggested: str(tmp_path / Path(suggested).name)
    outcome = chart.export()
    assert outcome is not None
    assert outcome.ok, outcome
    target = tmp_path / "MRN-0001-2026-03-10-summary.pdf"
    assert str(target) in chart.notice.text()
    assert chart.notice.kind() is NoticeKind.SUCCESS
    assert "MRN-0001" in " ".join(page_texts(target))
    lp = FakeLp()
    chart.pdf.ask_printer = lambda _parent: "Ward_2"
    chart.pdf.run = lp
    printed = chart.print_summary()
    assert printed is not None
    assert printed.ok, printed
    assert lp.commands[0][:3] == ["lp", "-d", "Ward_2"]
    assert [a[0] for a in audits(ui_clinic, "export.pdf")] == ["nina"]
    assert [a[0] for a in audits(ui_clinic, "export.print")] == ["nina"]


def test_an_attestation_covers_only_the_chart_the_nurse_saw(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, sqlite_url: str
) -> None:
    """Issue 13: a correction from another workstation while the attestation question is
    open refuses the attestation and marks the new entry; attesting again signs it."""
    session_id = ready_to_discharge(ui_clinic)
    chart = chart_screen(qtbot, ws, session_id)
    prompt = discharge(qtbot, chart)
    correction_id = correct_spo2_on_another_workstation(ui_clinic, sqlite_url, session_id)
    prompt.password.setText(PASSWORDS["nina"])
    prompt.accept()
    assert not prompt.isVisible()
    assert attested_in_queue(ws, session_id) == 0
    assert chart.notice.kind() is NoticeKind.WARNING
    assert chart.notice.text().startswith("Not signed: the chart changed after you opened")
    assert [row.event_id for row in chart.table.timeline.rows() if row.new] == [correction_id]
    assert chart.table.selected_event_id() is None  # the marking shows, not a selection
    assert chart.attest_button.isEnabled()

    again = chart.attest()
    assert again is not None
    again.password.setText(PASSWORDS["nina"])
    again.accept()
    assert again.result() == PasswordDialog.DialogCode.Accepted
    assert attested_in_queue(ws, session_id) == 1
    assert chart.notice.kind() is NoticeKind.SUCCESS
