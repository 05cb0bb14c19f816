"""Every label of every screen and dialog shows its text as plain text.

Qt's default (AutoText) renders a label's text as HTML when it looks like HTML, so an allergy
typed as "Penicillin <b>unclosed & sulfa < 2" would lose "< 2" and turn bold. Labels are made
by the factories in ketachart.ui.widgets, which set PlainText; this walks every QLabel of every
screen and dialog to prove that none was made another way, including the labels of form rows
(QFormLayout.addRow(str, ...) makes AutoText ones).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from ketachart.domain.events import EventKind
from ketachart.errors import Approval
from ketachart.ui.approvals_dialog import ApprovalsDialog
from ketachart.ui.chart_actions import ENTRY_ACTIONS
from ketachart.ui.chart_view import ChartView
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.dialogs.discharge_dialog import RideDialog
from ketachart.ui.login import LoginDialog
from ketachart.ui.main_window import MainWindow
from ketachart.ui.new_session_dialog import NewSessionDialog
from ketachart.ui.notice import NoticeKind
from ketachart.ui.patient_dialog import PatientDialog
from ketachart.ui.prompts import CredentialsDialog
from ketachart.ui.setup_dialog import SetupDialog
from ketachart.ui.signing_dialogs import AddendumDialog, PasswordDialog
from ketachart.ui.workstation import Workstation
from tests.support import Clinic, chart_to_discharged, chart_to_infusing
from tests.ui.dialog_helpers import session_stopped


def labels_of(widget: QWidget) -> Iterator[QLabel]:
    if isinstance(widget, QLabel):
        yield widget
    yield from widget.findChildren(QLabel)


def not_plain(widgets: list[QWidget]) -> list[str]:
    """Every label that is not PlainText, named by its window, object name and text."""
    found = []
    for widget in widgets:
        for label in labels_of(widget):
            if label.textFormat() is not Qt.TextFormat.PlainText:
                window = type(label.window()).__name__
                found.append(f"{window}: {label.objectName() or '(no name)'} {label.text()!r}")
    return found


@pytest.fixture
def screens(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> list[QWidget]:
    """The main window with every screen built, and every dialog the application opens."""
    discharged = ui_clinic.open_session()
    chart_to_discharged(ui_clinic, discharged)
    infusing = ui_clinic.open_session(protocol_index=1)
    chart_to_infusing(ui_clinic, infusing)
    stopped = session_stopped(ui_clinic)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.start_shift(ui_clinic.nurse)
    window.show()
    review = window.show_review()
    assert review.select_session(discharged)
    review.show_notice("shown", NoticeKind.SUCCESS)
    widgets: list[QWidget] = [window]
    for session_id in (infusing, stopped, discharged):
        chart = window.open_chart(session_id)
        chart.show_notice("shown", NoticeKind.WARNING)
        widgets += _entry_dialogs(ws, chart)
        widgets += _correction(ws, chart)
        widgets.append(window)  # the chart is replaced by the next one: walk it while open
        assert not_plain([chart]) == [], session_id
    widgets += [
        PatientDialog(ws, None, window),
        PatientDialog(ws, ui_clinic.patient, window),
        NewSessionDialog(ws, None, window),
        NewSessionDialog(ws, ui_clinic.patient.id, window),
        RideDialog(ws, stopped, window),
        ApprovalsDialog(window, ws, (Approval("a", "Weight <b>?</b>", physician=True),)),
        PasswordDialog(window, "Sign", "Sign <b>this</b>", "Sign", lambda _text: None),
        AddendumDialog(window, "Addendum", "Later <i>information</i>", lambda _text: None),
        CredentialsDialog(window, ws, "Witness", "A <u>witness</u>", "witness", ()),
        LoginDialog(ws, window),
        SetupDialog(ws, window),
    ]
    for widget in widgets:
        if widget is not window:
            qtbot.addWidget(widget)
    return widgets


def _entry_dialogs(ws: Workstation, chart: ChartView) -> list[QWidget]:
    state = chart.view.state
    return [action.factory(state)(ws, chart.session_id, chart) for action in ENTRY_ACTIONS]


def _correction(ws: Workstation, chart: ChartView) -> list[QWidget]:
    vitals = [e for e in chart.view.events if e.kind is EventKind.VITALS]
    return [CorrectionDialog(ws, chart.session_id, vitals[-1], None, chart)] if vitals else []


def test_every_label_of_every_screen_and_dialog_is_plain_text(
    screens: list[QWidget],
) -> None:
    labels = sum(len(list(labels_of(widget))) for widget in screens)
    assert labels > 300  # the walk reached the dialogs' form rows, not only the main window
    assert not_plain(screens) == []


def test_a_form_row_label_is_plain_and_still_names_its_field(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QFormLayout, QLineEdit

    from ketachart.ui.widgets import add_row

    box = QWidget()
    qtbot.addWidget(box)
    form = QFormLayout(box)
    edit = QLineEdit()
    label = add_row(form, "Dose <b>plan</b> & rate < 2", edit)
    assert label is not None
    assert label.textFormat() is Qt.TextFormat.PlainText
    assert label.buddy() is edit
    assert form.labelForField(edit) is label
    assert add_row(form, "", QLineEdit()) is None  # no label, as addRow("", ...)


def test_a_tooltip_shows_typed_text_exactly() -> None:
    from PySide6.QtGui import QTextDocument

    from ketachart.ui.widgets import tooltip_html

    typed = "Penicillin <b>unclosed & sulfa < 2\n  <img src=a> &amp;\t\u202eend"
    document = QTextDocument()
    document.setHtml(tooltip_html(typed))
    assert document.toPlainText() == typed
    assert tooltip_html("") == ""  # no tooltip at all
