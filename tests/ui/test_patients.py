"""Finding, registering and editing patients; the scanner; allergies shown prominently."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from ketachart.errors import ValidationError
from ketachart.services import patients
from ketachart.services.patients import PatientDetails, PatientRow
from ketachart.ui.patient_dialog import PatientDialog
from ketachart.ui.patients_view import PatientsView
from ketachart.ui.workstation import Workstation
from tests.support import Clinic

SQL_NAME = "Robert'); DROP TABLE patients;--"


def add_patient(
    clinic: Clinic, mrn: str, family: str, allergies: str = "", *, none_known: bool = False
) -> PatientRow:
    details = PatientDetails(
        mrn, family, "Sam", date(1975, 5, 6), "male", allergies, no_known_allergies=none_known
    )
    return clinic.act(patients.register_patient, clinic.nurse, details)


def make_view(qtbot: QtBot, ws: Workstation) -> PatientsView:
    view = PatientsView(ws)
    qtbot.addWidget(view)
    view.show()
    return view


def found_mrns(view: PatientsView) -> list[str]:
    return [view.model.row_at(row).mrn for row in range(view.model.rowCount())]


def make_dialog(qtbot: QtBot, ws: Workstation, patient: PatientRow | None = None) -> PatientDialog:
    dialog = PatientDialog(ws, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def fill(dialog: PatientDialog, mrn: str, family: str, given: str, born: QDate) -> None:
    dialog.mrn.setText(mrn)
    dialog.family_name.setText(family)
    dialog.given_name.setText(given)
    dialog.date_of_birth.setDate(born)
    dialog.sex.setCurrentIndex(dialog.sex.findData("female"))


def errors(dialog: PatientDialog) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name in ("mrn", "family_name", "given_name", "date_of_birth", "sex", "allergies", "notes"):
        column = dialog.field(name).parentWidget()
        assert column is not None
        label = next(lb for lb in column.findChildren(QLabel) if lb.objectName() == "fieldError")
        if label.isVisible():
            shown[name] = label.text()
    return shown


def test_search_as_you_type_by_name_mrn_and_birth_date(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    add_patient(ui_clinic, "MRN-0002", "Abara")
    add_patient(ui_clinic, "X-77", "Łukas")
    view = make_view(qtbot, ws)
    assert found_mrns(view) == ["MRN-0002", "X-77", "MRN-0001"]
    qtbot.keyClicks(view.search, "LUKAS")  # the start of a word, any case, without the Ł
    assert found_mrns(view) == ["X-77", "MRN-0001"]
    view.search.setText("ukas")  # a part inside a word: no index finds it
    assert found_mrns(view) == []
    view.search.clear()
    qtbot.keyClicks(view.search, "MRN-")
    assert found_mrns(view) == ["MRN-0002", "MRN-0001"]
    view.search.setText("1980-02-03")
    assert found_mrns(view) == ["MRN-0001"]
    view.search.setText("nobody-like-this")
    assert found_mrns(view) == []
    assert "No patient matches" in view.status.text()


def test_scanner_mrn_and_enter_chooses_the_exact_patient(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    add_patient(ui_clinic, "MRN-00011", "Prefix")
    view = make_view(qtbot, ws)
    view.search.setFocus()
    with qtbot.waitSignal(view.patient_chosen) as chosen:
        qtbot.keyClicks(view.search, "MRN-0001")
        qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert chosen.args == [ui_clinic.patient.id]
    selected = view.selected_patient()
    assert selected is not None
    assert selected.id == ui_clinic.patient.id
    assert view.detail.name.text() == "Łukasiewicz, Zoë"
    assert view.search.selectedText() == "MRN-0001"  # the next scan replaces it


def test_enter_without_an_exact_mrn_chooses_nobody(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    view = make_view(qtbot, ws)
    received: list[int] = []
    view.patient_chosen.connect(received.append)
    qtbot.keyClicks(view.search, "MRN-9999")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    assert received == []
    assert "No patient matches" in view.status.text()


def test_allergies_are_prominent_with_word_and_icon(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    add_patient(ui_clinic, "MRN-0002", "Abara")
    add_patient(ui_clinic, "MRN-0003", "Okafor", none_known=True)
    view = make_view(qtbot, ws)
    view.select_patient(ui_clinic.patient.id)
    badge = view.detail.allergies
    assert badge.text.text() == "ALLERGIES: Penicillin"
    assert badge.text.objectName() == "allergies"
    assert badge.icon.isVisible()
    view.search.setText("MRN-0002")
    assert badge.text.text() == "Allergies not recorded — ask the patient"
    assert badge.text.objectName() == "allergiesNotRecorded"
    assert not badge.icon.isVisible()
    view.search.setText("MRN-0003")
    recorded = ui_clinic.clock.now().astimezone().strftime("%Y-%m-%d %H:%M")
    assert badge.text.text() == f"No known allergies (recorded {recorded})"
    assert badge.text.objectName() == "noAllergies"
    assert not badge.icon.isVisible()


def test_buttons_need_a_selected_patient_and_ask_for_a_session(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    add_patient(ui_clinic, "MRN-0002", "Abara")
    view = make_view(qtbot, ws)
    assert not view.edit_button.isEnabled()
    assert not view.session_button.isEnabled()
    view.select_patient(ui_clinic.patient.id)
    with qtbot.waitSignal(view.new_session_requested) as requested:
        qtbot.mouseClick(view.session_button, Qt.MouseButton.LeftButton)
    assert requested.args == [ui_clinic.patient.id]


def test_register_from_the_view_selects_the_new_patient(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    view = make_view(qtbot, ws)
    new = add_patient(ui_clinic, "MRN-0500", "Newton")
    view.edit_patient = lambda patient: new if patient is None else None
    qtbot.mouseClick(view.register_button, Qt.MouseButton.LeftButton)
    assert view.search.text() == "MRN-0500"
    assert view.selected_patient() == new


def test_register_a_patient(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    dialog = make_dialog(qtbot, ws)
    fill(dialog, "MRN-0100", "Nguyễn", "Thị Mai", QDate(1990, 6, 15))
    dialog.allergies.setPlainText("Latex")
    qtbot.keyClick(dialog.mrn, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    saved = dialog.saved()
    assert (saved.mrn, saved.family_name, saved.date_of_birth) == (
        "MRN-0100",
        "Nguyễn",
        date(1990, 6, 15),
    )
    assert (saved.sex, saved.allergies) == ("female", "Latex")


@pytest.mark.garbage
def test_empty_form_lists_every_missing_field(qtbot: QtBot, ws: Workstation) -> None:
    dialog = make_dialog(qtbot, ws)
    dialog.accept()
    assert dialog.isVisible()
    shown = errors(dialog)
    assert shown["mrn"] == "MRN is required."
    assert shown["family_name"] == "Family name is required."
    assert shown["given_name"] == "Given name is required."
    assert "date of birth" in shown["date_of_birth"]
    assert "Choose the sex" in shown["sex"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mrn", "MRN 12", "MRN cannot contain spaces."),
        # an over-long MRN or name cannot be typed: the field is capped (test_length_caps)
        ("given_name", "   ", "Given name is required."),
        (
            "family_name",
            "Nul\x00l",
            "Family name contains a control character (U+0000): type it again without it.",
        ),
    ],
)
@pytest.mark.garbage
def test_garbage_text_gets_a_message_as_you_type(
    qtbot: QtBot, ws: Workstation, field: str, value: str, message: str
) -> None:
    dialog = make_dialog(qtbot, ws)
    fill(dialog, "MRN-0100", "Okafor", "Ada", QDate(1990, 6, 15))
    getattr(dialog, field).setText(value)
    assert errors(dialog) == {field: message}
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.result_value is None


@pytest.mark.garbage
def test_future_birth_date_is_refused(qtbot: QtBot, ws: Workstation) -> None:
    dialog = make_dialog(qtbot, ws)
    fill(dialog, "MRN-0100", "Okafor", "Ada", QDate(2030, 1, 1))
    assert errors(dialog) == {"date_of_birth": "Date of birth cannot be in the future."}
    dialog.date_of_birth.setDate(QDate(1890, 1, 1))
    assert errors(dialog) == {"date_of_birth": "Date of birth is more than 120 years ago."}


def test_duplicate_mrn_is_refused_by_the_service(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = make_dialog(qtbot, ws)
    fill(dialog, "MRN-0001", "Okafor", "Ada", QDate(1990, 6, 15))
    dialog.accept()
    assert dialog.isVisible()
    assert errors(dialog) == {"mrn": "MRN MRN-0001 belongs to another patient."}


def test_sql_looking_text_is_stored_as_typed(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    dialog = make_dialog(qtbot, ws)
    fill(dialog, "MRN-0100", SQL_NAME, "1 OR 1=1", QDate(1990, 6, 15))
    dialog.accept()
    assert dialog.saved().family_name == SQL_NAME
    view = make_view(qtbot, ws)
    view.search.setText("DROP TABLE")
    assert found_mrns(view) == ["MRN-0100"]
    assert view.model.row_at(0).family_name == SQL_NAME
    view.search.setText("")
    assert len(found_mrns(view)) == 2  # the patients table is still there


def test_edit_a_patient(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    dialog = make_dialog(qtbot, ws, ui_clinic.patient)
    assert dialog.mrn.text() == "MRN-0001"
    assert dialog.date_of_birth.date() == QDate(1980, 2, 3)
    assert errors(dialog) == {}
    dialog.allergies.setPlainText("Penicillin; latex")
    dialog.accept()
    saved = dialog.saved()
    assert saved.id == ui_clinic.patient.id
    assert saved.allergies == "Penicillin; latex"


def test_no_known_allergies_is_recorded_with_the_clock_and_excludes_a_list(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    other = add_patient(ui_clinic, "MRN-0002", "Abara")
    assert other.no_known_allergies_at is None  # registered without asking: not recorded
    dialog = make_dialog(qtbot, ws, other)
    dialog.no_known_allergies.setChecked(True)
    assert not dialog.allergies.isEnabled()
    dialog.accept()
    asked = dialog.saved()
    assert asked.no_known_allergies_at == ui_clinic.clock.now()
    ui_clinic.later(30)
    again = make_dialog(qtbot, ws, asked)
    assert again.no_known_allergies.isChecked()
    again.given_name.setText("Samuel")
    again.accept()
    assert again.saved().no_known_allergies_at == asked.no_known_allergies_at  # not re-asked
    typed = make_dialog(qtbot, ws, again.saved())
    typed.no_known_allergies.setChecked(False)
    typed.allergies.setPlainText("Latex")
    typed.no_known_allergies.setChecked(True)
    assert typed.allergies.toPlainText() == ""  # ticking clears the list
    typed.no_known_allergies.setChecked(False)
    typed.allergies.setPlainText("Latex")
    typed.accept()
    assert (typed.saved().allergies, typed.saved().no_known_allergies_at) == ("Latex", None)


def test_a_list_and_no_known_allergies_together_are_refused(ui_clinic: Clinic) -> None:
    details = PatientDetails(
        "MRN-0009", "Abara", "Sam", date(1975, 5, 6), "male", "Latex", no_known_allergies=True
    )
    with pytest.raises(ValidationError, match="not both"):
        ui_clinic.act(patients.register_patient, ui_clinic.nurse, details)


def test_edit_to_another_patients_mrn_is_refused(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    other = add_patient(ui_clinic, "MRN-0002", "Abara")
    dialog = make_dialog(qtbot, ws, other)
    dialog.mrn.setText("MRN-0001")
    dialog.accept()
    assert errors(dialog) == {"mrn": "MRN MRN-0001 belongs to another patient."}


def test_tab_goes_through_the_form_in_order(qtbot: QtBot, ws: Workstation) -> None:
    """Tab moves field to field (through year, month and day inside the date)."""
    dialog = make_dialog(qtbot, ws)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.mrn)
    order = [QApplication.focusWidget()]
    for _ in range(11):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if QApplication.focusWidget() is not order[-1]:
            order.append(QApplication.focusWidget())
    assert order[:9] == [
        dialog.mrn,
        dialog.family_name,
        dialog.given_name,
        dialog.date_of_birth,
        dialog.sex,
        dialog.allergies,
        dialog.no_known_allergies,
        dialog.notes,
        dialog.buttons.button(dialog.buttons.StandardButton.Save),
    ]


def test_the_list_is_there_once_someone_logs_in(
    qtbot: QtBot, ui_clinic: Clinic, settings: QSettings
) -> None:
    """The screen is built before anyone logs in (the main window is): logging in fills it."""
    station = Workstation(ui_clinic.db, settings)
    view = make_view(qtbot, station)
    assert found_mrns(view) == []
    station.set_actor(ui_clinic.nurse)
    assert found_mrns(view) == ["MRN-0001"]
