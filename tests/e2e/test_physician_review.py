"""The physician's side through the real main window (issue 4): the nurse discharges and
attests; the physician opens Review (F4), signs with the password, exports the PDF."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ketachart.domain.timeline import SessionStatus
from ketachart.ui.main_window import MainWindow
from ketachart.ui.review_view import NOTHING_FLAGGED, ReviewView
from ketachart.ui.signing_dialogs import PasswordDialog
from ketachart.ui.timeline_model import KIND
from tests.e2e import steps
from tests.reports.conftest import page_texts
from tests.support import PASSWORDS, Clinic, chart_to_discharged
from tests.ui.dialog_helpers import set_text
from tests.ui.test_review import correct_spo2_on_another_workstation

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def type_password(qtbot: QtBot, prompt: PasswordDialog | None, username: str) -> None:
    assert prompt is not None
    qtbot.waitUntil(prompt.isVisible)
    set_text(qtbot, prompt.password, PASSWORDS[username])
    qtbot.keyClick(prompt.password, Qt.Key.Key_Return)
    assert not prompt.isVisible(), prompt.message.text()


def nurse_discharges_and_attests(qtbot: QtBot, window: MainWindow, clinic: Clinic) -> str:
    steps.log_in(qtbot, window, "nina")
    session_id = clinic.open_session()
    chart_to_discharged(clinic, session_id, with_vitals=True)
    chart = window.open_chart(session_id)
    chart.activateWindow()
    chart.table.setFocus()
    qtbot.keyClick(chart.table, Qt.Key.Key_A, CTRL_SHIFT)
    type_password(qtbot, chart.prompt, "nina")
    assert "Attested" in chart.notice.text()
    return session_id


def open_review(qtbot: QtBot, window: MainWindow) -> ReviewView:
    window.activateWindow()
    window.board.table.setFocus()
    qtbot.keyClick(window.board.table, Qt.Key.Key_F4)
    review = window.review
    assert review is not None
    assert window.stack.currentWidget() is review
    return review


def test_a_physician_reviews_signs_and_exports(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic, tmp_path: Path
) -> None:
    session_id = nurse_discharges_and_attests(qtbot, window, e2e_clinic)
    e2e_clinic.later(45)
    steps.log_in(qtbot, window, "drm")
    review = open_review(qtbot, window)
    assert [row.session_id for row in review.model.rows()] == [session_id]
    assert review.model.index(0, 2).data() == NOTHING_FLAGGED
    first = review.table.visualRect(review.model.index(0, 0)).center()
    qtbot.mouseClick(review.table.viewport(), Qt.MouseButton.LeftButton, pos=first)
    assert review.current is not None
    assert "DRAFT — NOT SIGNED" in review.browser.toPlainText()
    assert "Authored by" in review.browser.toPlainText()

    qtbot.mouseClick(review.sign_button, Qt.MouseButton.LeftButton)
    type_password(qtbot, review.prompt, "drm")  # type: ignore[arg-type]
    assert e2e_clinic.state(session_id).status is SessionStatus.SIGNED
    assert review.model.rows() == []
    assert "Reviewed and approved" in review.browser.toPlainText()

    review.pdf.ask_save_path = lambda _parent, suggested: str(tmp_path / Path(suggested).name)
    review.table.setFocus()
    qtbot.keyClick(review.table, Qt.Key.Key_E, CTRL_SHIFT)
    target = tmp_path / "MRN-0001-2026-03-10-summary.pdf"
    assert str(target) in review.notice.text()
    printed = " ".join(page_texts(target))
    for expected in ("MRN-0001", "Reviewed and approved", "María Núñez, MD", "Nina Øster, RN"):
        assert expected in printed
    assert "DRAFT" not in printed


def test_a_nurse_may_open_review_but_not_sign(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    session_id = nurse_discharges_and_attests(qtbot, window, e2e_clinic)
    review = open_review(qtbot, window)
    assert review.select_session(session_id)
    assert not review.sign_button.isEnabled()
    assert review.sign_button.toolTip() == "Only physicians sign"


def test_a_correction_made_elsewhere_during_review_is_reviewed_before_signing(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic, sqlite_url: str
) -> None:
    """Issue 13: the physician has the session open; a nurse at another workstation corrects
    an SpO2 reading. Sign is refused and shows the correction marked NEW; the physician
    looks, presses Sign again, and the signature covers the corrected chart."""
    session_id = nurse_discharges_and_attests(qtbot, window, e2e_clinic)
    steps.log_in(qtbot, window, "drm")
    review = open_review(qtbot, window)
    assert review.select_session(session_id)
    correction_id = correct_spo2_on_another_workstation(e2e_clinic, sqlite_url, session_id)

    qtbot.mouseClick(review.sign_button, Qt.MouseButton.LeftButton)
    type_password(qtbot, review.prompt, "drm")  # type: ignore[arg-type]
    assert e2e_clinic.state(session_id).status is SessionStatus.DISCHARGED
    assert "Not signed: the chart changed after you opened it" in review.notice.text()
    row = review.timeline.row_of(correction_id)
    assert row is not None
    assert review.timeline.index(row, KIND).data() == "NEW · Correction"
    assert review.tabs.currentWidget() is review.timeline_view

    qtbot.mouseClick(review.sign_button, Qt.MouseButton.LeftButton)
    type_password(qtbot, review.prompt, "drm")  # type: ignore[arg-type]
    assert e2e_clinic.state(session_id).status is SessionStatus.SIGNED
    assert review.notice.text().startswith("Signed as reviewed and approved.")
    printed = review.browser.toPlainText()
    assert "SpO2 85" in printed
    assert "Reviewed and approved" in printed
