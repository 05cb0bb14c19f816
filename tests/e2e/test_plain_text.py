"""Text shows exactly as typed, everywhere (issue 10).

Markup, entities and control characters are typed into every free-text field, through the real
dialogs (the patient, the session's chair, each entry, the ride, the discharge, a correction,
an addendum) and through the services for what an administrator types elsewhere (a protocol's
name, a user's name). Then every place that shows them is read: the chart header, the
timeline, today's board, the patients list, the review queue and the summary as printed. Each
shows exactly what was typed; labels are plain text, tooltips and the summary's HTML escape it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from ketachart.domain.events import EventKind
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import PreCheckCode, PreCheckStatus, Role, Severity, SideEffectKind
from ketachart.services import protocols, users
from ketachart.services.actors import Actor
from ketachart.services.users import new_password
from ketachart.ui import board_view, patients_view, review_view
from ketachart.ui.chart_view import ChartView
from ketachart.ui.dialogs.correction_dialog import CorrectionDialog
from ketachart.ui.dialogs.discharge_dialog import DischargeDialog
from ketachart.ui.dialogs.infusion_dialogs import (
    PauseDialog,
    RateChangeDialog,
    ResumeDialog,
    StartInfusionDialog,
    StopInfusionDialog,
)
from ketachart.ui.dialogs.iv_dialogs import IvRemovedDialog, IvStartDialog
from ketachart.ui.dialogs.observation_dialogs import (
    NoteDialog,
    RescueMedicineDialog,
    SideEffectDialog,
)
from ketachart.ui.dialogs.pre_checks_dialog import PreChecksDialog
from ketachart.ui.dialogs.recovery_dialog import RecoveryCheckDialog
from ketachart.ui.dialogs.vitals_dialog import VitalsDialog
from ketachart.ui.main_window import MainWindow
from ketachart.ui.new_session_dialog import NewSessionDialog
from ketachart.ui.patient_dialog import PatientDialog
from ketachart.ui.signing_dialogs import AddendumDialog
from tests.e2e import steps
from tests.support import Clinic
from tests.ui.dialog_helpers import set_text

MARKUP = "<b>x</b> &amp; <img src=a> end"
"""Tags and an entity: each one altered by rich text. (Invisible and control characters, such
as a right-to-left override or a tab in a one-line field, are refused: test_identifiers.)"""


def typed(field: str) -> str:
    return f"{field} {MARKUP}"


MRN = "MRN-7"  # an MRN follows the clinic's pattern: letters, digits and '-' by default
FAMILY = typed("Fam")
GIVEN = "<font size=40>Giv</font> &lt;i&gt;"
NAME = f"{FAMILY}, {GIVEN}"
ALLERGIES = "Penicillin <b>unclosed & sulfa < 2 <s>LATEX</s>\tx <img src=a>"
NOTES = "Notes <font size=40>big</font>\nline two &amp;\t<a href=x>link</a>"
CHAIR = typed("Ch")
PROTOCOL = typed("Protocol")
NURSE = ("<i>Nurse</i> &amp; <img src=a>", "RN<b>")
TEXTS = {
    "pre-check detail": typed("Consent"),
    "escort (pre-checks)": typed("Esc"),
    "escort phone": "+1 555 <b>0</b> 10",
    "IV site": typed("Site"),
    "rate change reason": typed("Slower"),
    "pause reason": typed("Paused"),
    "resume note": typed("Resumed"),
    "side effect": typed("Tingling"),
    "intervention": typed("Reassured"),
    "rescue drug": typed("Drug"),
    "indication": typed("For"),
    "response": typed("Settled"),
    "note": "Note <font size=40>big</font>\n&lt;second&gt; line\t<s>struck</s>",
    "correction reason": typed("Typo"),
    "stop detail": typed("Early"),
    "IV removed note": typed("Bruise"),
    "ride escort": typed("Ride"),
    "relationship": typed("Rel"),
    "discharge note": typed("Home"),
    "addendum": "Addendum <img src=a>\nphoned &amp;\twell",
}


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type `text` into a field; a tab or a line break goes in as an input method puts it
    (a key press of Tab would move to the next field)."""
    if text.isprintable():
        set_text(qtbot, widget, text)
        return
    line = widget.lineEdit() if isinstance(widget, QComboBox) else widget
    if isinstance(line, QLineEdit):
        line.clear()
        line.insert(text)
    else:
        assert isinstance(line, QPlainTextEdit)
        line.clear()
        line.insertPlainText(text)


def plain(label: QLabel, expected: str) -> None:
    """The label holds exactly `expected` and shows it as plain text."""
    assert label.textFormat() is Qt.TextFormat.PlainText, label.objectName()
    assert label.text() == expected


def tip(index: QModelIndex) -> str:
    """What a cell's tooltip shows: Qt renders it as HTML, as here."""
    document = QTextDocument()
    document.setHtml(str(index.data(Qt.ItemDataRole.ToolTipRole)))
    return document.toPlainText()


def admin_types(clinic: Clinic) -> tuple[int, Actor]:
    """What an administrator types elsewhere: a protocol's name, a nurse's name."""
    spec = replace(clinic.protocols[0].spec, name=PROTOCOL, is_example=False)
    protocol = clinic.act(protocols.save_protocol, clinic.admin, spec)
    nurse = clinic.act(
        users.create_user,
        clinic.admin,
        "mark",
        *NURSE,
        Role.NURSE,
        new_password("velvet-marsh-4417"),
        clinic_key=clinic.clinic_key,
    )
    return protocol.id, nurse


def register(qtbot: QtBot, window: MainWindow) -> int:
    dialog = PatientDialog(window.ws, None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    for edit, text in (
        (dialog.mrn, MRN),
        (dialog.family_name, FAMILY),
        (dialog.given_name, GIVEN),
        (dialog.allergies, ALLERGIES),
        (dialog.notes, NOTES),
    ):
        type_text(qtbot, edit, text)
    dialog.date_of_birth.setDate(QDate(1985, 6, 15))
    dialog.sex.setCurrentIndex(dialog.sex.findData("female"))
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.message.text()
    return dialog.saved().id


def open_session(qtbot: QtBot, window: MainWindow, patient_id: int, protocol_id: int) -> ChartView:
    dialog: NewSessionDialog = window.new_session(patient_id)
    qtbot.waitUntil(dialog.isVisible)
    plain(dialog.patient_label, f"{NAME} · {MRN} · 1985-06-15")
    assert dialog.allergies.text.text() == f"ALLERGIES: {ALLERGIES}"
    dialog.protocol.setCurrentIndex(dialog.protocol.findData(protocol_id))
    assert dialog.protocol.currentText() == PROTOCOL
    type_text(qtbot, dialog.chair, CHAIR)
    qtbot.keyClicks(dialog.weight, "70")
    dialog.accept()
    assert window.chart is not None
    return window.chart


def before_the_infusion(qtbot: QtBot, chart: ChartView, clinic: Clinic) -> None:
    checks = steps.entry(qtbot, chart, "H", PreChecksDialog)
    steps.all_pre_checks(qtbot, checks)
    type_text(qtbot, checks.rows[PreCheckCode.CONSENT].detail, TEXTS["pre-check detail"])
    checks.rows[PreCheckCode.RIDE_ARRANGED].status.set_value(PreCheckStatus.DONE)
    type_text(qtbot, checks.escort, TEXTS["escort (pre-checks)"])
    type_text(qtbot, checks.escort_phone, TEXTS["escort phone"])
    steps.save(qtbot, checks)
    steps.vitals(qtbot, chart, "124/78 72 14 98")
    iv = steps.entry(qtbot, chart, "I", IvStartDialog)
    type_text(qtbot, iv.site, TEXTS["IV site"])
    steps.save(qtbot, iv)
    clinic.later(2)
    start = steps.entry(qtbot, chart, "S", StartInfusionDialog)
    type_text(qtbot, start.bag, "50")
    steps.save(qtbot, start)


def during_the_infusion(qtbot: QtBot, chart: ChartView, clinic: Clinic) -> None:
    clinic.later(3)
    rate = steps.entry(qtbot, chart, "R", RateChangeDialog)
    type_text(qtbot, rate.rate, "45")
    type_text(qtbot, rate.reason, TEXTS["rate change reason"])
    steps.save(qtbot, rate)
    pause = steps.entry(qtbot, chart, "P", PauseDialog)
    type_text(qtbot, pause.reason, TEXTS["pause reason"])
    steps.save(qtbot, pause)
    clinic.later(1)
    resume = steps.entry(qtbot, chart, "P", ResumeDialog)
    type_text(qtbot, resume.note, TEXTS["resume note"])
    steps.save(qtbot, resume)
    effect = steps.entry(qtbot, chart, "E", SideEffectDialog)
    effect.kind.set_value(SideEffectKind.OTHER)
    effect.severity.set_value(Severity.MILD)
    type_text(qtbot, effect.description, TEXTS["side effect"])
    type_text(qtbot, effect.intervention, TEXTS["intervention"])
    steps.save(qtbot, effect)
    rescue = steps.entry(qtbot, chart, "M", RescueMedicineDialog)
    type_text(qtbot, rescue.drug, TEXTS["rescue drug"])
    type_text(qtbot, rescue.dose, "4")
    type_text(qtbot, rescue.indication, TEXTS["indication"])
    type_text(qtbot, rescue.response, TEXTS["response"])
    steps.save(qtbot, rescue)
    note = steps.entry(qtbot, chart, "N", NoteDialog)
    type_text(qtbot, note.note, TEXTS["note"])
    steps.save(qtbot, note)
    vitals = steps.entry(qtbot, chart, "V", VitalsDialog)
    qtbot.keyClicks(vitals.quick, "126/80 74 14 98 4")
    qtbot.keyClick(vitals.quick, Qt.Key.Key_Return)
    correct_the_last_vitals(qtbot, chart)


def correct_the_last_vitals(qtbot: QtBot, chart: ChartView) -> None:
    last = max(
        (n for n, row in enumerate(chart.model.rows()) if row.kind_text == "Vitals"),
    )
    chart.table.selectRow(last)
    dialog = chart.correct_selected()
    assert isinstance(dialog, CorrectionDialog)
    dialog.voids.setChecked(True)
    type_text(qtbot, dialog.reason, TEXTS["correction reason"])
    steps.save(qtbot, dialog)


def after_the_infusion(qtbot: QtBot, chart: ChartView, clinic: Clinic) -> None:
    clinic.later(30)
    stop = steps.entry(qtbot, chart, "T", StopInfusionDialog)
    type_text(qtbot, stop.pump_volume, "25")
    type_text(qtbot, stop.detail, TEXTS["stop detail"])
    steps.save(qtbot, stop)
    for _check in range(2):
        clinic.later(15)
        check = steps.entry(qtbot, chart, "C", RecoveryCheckDialog)
        check.quick.setText("126/80 72 14 98 5")
        for combo in check.items.values():
            combo.set_value(2)
        steps.save(qtbot, check)
    removed = steps.entry(qtbot, chart, "O", IvRemovedDialog)
    removed.site_ok.setChecked(False)
    type_text(qtbot, removed.note, TEXTS["IV removed note"])
    steps.save(qtbot, removed)
    discharge = steps.entry(qtbot, chart, "D", DischargeDialog)
    for name, key in (("escort_name", "ride escort"), ("relationship", "relationship")):
        type_text(qtbot, discharge.ride.edits[name], TEXTS[key])
    type_text(qtbot, discharge.ride.edits["phone"], "+1 555 010 0199")  # checked: digits
    assert discharge.ride.edits["confirmed_by"].text() == NURSE[0]
    type_text(qtbot, discharge.note, TEXTS["discharge note"])
    for box in discharge.instructions.values():
        box.setChecked(True)
    steps.save(qtbot, discharge)
    assert chart.view.state.status is SessionStatus.DISCHARGED
    if chart.prompt is not None:
        chart.prompt.reject()  # not attested: the review queue says so


def check_the_chart(chart: ChartView) -> None:
    header = chart.header
    assert header.name.textFormat() is Qt.TextFormat.PlainText
    assert header.name.full_text() == NAME  # elided if long; whole in its tooltip
    assert header.allergies.text.textFormat() is Qt.TextFormat.PlainText
    assert header.allergies.full_text() == f"ALLERGIES: {ALLERGIES}"
    plain(header.banner.mrn, f"MRN {MRN}")
    assert header.dosing.full_text().startswith(f"{CHAIR} · {PROTOCOL} · ")
    rows = chart.model.rows()
    for field, text in TEXTS.items():
        if field in ("addendum", "escort phone"):
            continue  # added at review / kept in the pre-check's detail with the escort
        shown = [n for n, row in enumerate(rows) if text in row.details]
        assert shown, field
        index = chart.model.index(shown[0], 2)
        assert text in index.data()
        assert text in tip(index), field
    who = chart.model.index(0, 3)
    assert who.data() == f"{NURSE[0]}, {NURSE[1]}"
    assert tip(who) == who.data()


def check_the_board(window: MainWindow) -> None:
    window.show_board()
    model = window.board.model
    (row,) = [n for n, r in enumerate(model.rows()) if r.chair == CHAIR]
    for column, expected in (
        (board_view.CHAIR, CHAIR),
        (board_view.PATIENT, f"{NAME}\n{MRN}"),
        (board_view.PROTOCOL, PROTOCOL),
    ):
        index = model.index(row, column)
        assert index.data() == expected
        assert tip(index) == expected


def check_the_patients_list(window: MainWindow) -> None:
    window.show_patients()
    view = window.patients
    view.search.setText(MRN)
    view.search_now()
    (row,) = [n for n, r in enumerate(view.model.rows()) if r.mrn == MRN]
    view.table.selectRow(row)
    assert view.model.index(row, patients_view.NAME).data() == NAME
    allergies = view.model.index(row, patients_view.ALLERGIES)
    assert allergies.data() == " ".join(ALLERGIES.split())  # one line in the list
    assert tip(allergies) == ALLERGIES  # the tooltip has it as typed
    detail = view.detail
    plain(detail.name, NAME)
    plain(detail.mrn, MRN)
    plain(detail.notes, NOTES)
    plain(detail.allergies.text, f"ALLERGIES: {ALLERGIES}")


def check_the_review(qtbot: QtBot, window: MainWindow, session_id: str) -> None:
    review = window.show_review()
    assert review.select_session(session_id)
    dialog = review.add_addendum()
    assert isinstance(dialog, AddendumDialog)
    type_text(qtbot, dialog.text, TEXTS["addendum"])
    dialog.accept()
    assert not dialog.isVisible(), dialog.message.text()
    row = review.model.row_of(session_id)
    assert row is not None
    patient = review.model.index(row, review_view.PATIENT)
    expected = f"{NAME}\nMRN {MRN} · DOB 1985-06-15\n{PROTOCOL}"
    assert patient.data() == expected
    assert tip(patient) == expected
    summary = review.browser.toPlainText()
    for text in (NAME, MRN, CHAIR, ALLERGIES, f"{NURSE[0]}, {NURSE[1]}", *TEXTS.values()):
        assert text in summary, text
    timeline = review.timeline.rows()
    assert any(TEXTS["addendum"] in r.details for r in timeline)


def test_what_is_typed_shows_exactly_as_typed_everywhere(
    qtbot: QtBot, window: MainWindow, e2e_clinic: Clinic
) -> None:
    protocol_id, nurse = admin_types(e2e_clinic)
    window.start_shift(nurse)
    patient_id = register(qtbot, window)
    chart = open_session(qtbot, window, patient_id, protocol_id)
    session_id = chart.session_id
    before_the_infusion(qtbot, chart, e2e_clinic)
    during_the_infusion(qtbot, chart, e2e_clinic)
    after_the_infusion(qtbot, chart, e2e_clinic)
    assert any(e.kind is EventKind.CORRECTION for e in chart.view.events)
    check_the_chart(chart)
    check_the_board(window)
    check_the_patients_list(window)
    check_the_review(qtbot, window, session_id)
    assert Decimal(chart.view.state.weight_kg) == Decimal(70)
