"""Registering a patient or editing one: MRN, names, date of birth, sex, allergies, notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QPlainTextEdit,
    QSizePolicy,
    QWidget,
)

from ketachart.domain import payloads as p
from ketachart.domain.checks import Checks
from ketachart.errors import ValidationError
from ketachart.services.patients import (
    SEXES,
    TEXT_LIMITS,
    PatientDetails,
    PatientRow,
    register_patient,
    update_patient,
)
from ketachart.ui.forms import EntryDialog, Submission
from ketachart.ui.widgets import line_edit, multiline_edit, set_form_tab_order
from ketachart.ui.workstation import Workstation

DEFAULT_BIRTH = QDate(1980, 1, 1)


def sex_label(sex: str) -> str:
    labels = {
        "female": QCoreApplication.translate("PatientDialog", "Female"),
        "male": QCoreApplication.translate("PatientDialog", "Male"),
        "other": QCoreApplication.translate("PatientDialog", "Other"),
        "unknown": QCoreApplication.translate("PatientDialog", "Unknown"),
    }
    return labels.get(sex, sex)


@dataclass(frozen=True)
class PatientForm(p.Payload):
    """What the form holds. Not an event: the patient services check and store it."""

    details: PatientDetails


class PatientDialog(EntryDialog[PatientRow]):
    """Register (patient None) or edit a patient; `ask()` returns the saved PatientRow."""

    def __init__(
        self, ws: Workstation, patient: PatientRow | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(ws, "Patient", parent, with_time=False)
        self.patient = patient
        title = self.tr("Register patient") if patient is None else self.tr("Edit patient")
        self.setWindowTitle(title)
        self._add_fields()
        if patient is not None:
            self._fill(patient)
        self._set_tab_order()
        self.mrn.setFocus()

    def _add_fields(self) -> None:
        self.mrn = line_edit(
            self.tr("MRN"),
            placeholder=self.tr("As on the wristband, no spaces"),
            max_len=TEXT_LIMITS["mrn"],
        )
        self.family_name = line_edit(self.tr("Family name"), max_len=TEXT_LIMITS["family_name"])
        self.given_name = line_edit(self.tr("Given name"), max_len=TEXT_LIMITS["given_name"])
        self.date_of_birth = QDateEdit(DEFAULT_BIRTH)
        self.date_of_birth.setDisplayFormat("yyyy-MM-dd")
        self.date_of_birth.setCalendarPopup(True)
        self.date_of_birth.dateChanged.connect(self._on_date_of_birth_changed)
        self.sex = QComboBox()
        for value in SEXES:
            self.sex.addItem(sex_label(value), value)
        self.sex.setPlaceholderText(self.tr("Choose…"))
        self.sex.setCurrentIndex(-1)
        self.allergies = self._text_box(
            self.tr("Allergies"),
            TEXT_LIMITS["allergies"],
            self.tr("Each allergy and reaction, e.g. Penicillin (rash); latex"),
        )
        self.no_known_allergies = QCheckBox(self.tr("No known allergies (the patient was asked)"))
        self.no_known_allergies.toggled.connect(self._on_no_known_allergies_toggled)
        self.allergies.textChanged.connect(self._on_allergies_typed)
        self.notes = self._text_box(self.tr("Notes"), TEXT_LIMITS["notes"])
        fields: list[tuple[str, str, QWidget]] = [
            ("mrn", self.tr("MRN"), self.mrn),
            ("family_name", self.tr("Family name"), self.family_name),
            ("given_name", self.tr("Given name"), self.given_name),
            ("date_of_birth", self.tr("Date of birth (YYYY-MM-DD)"), self.date_of_birth),
            ("sex", self.tr("Sex"), self.sex),
            ("allergies", self.tr("Allergies"), self.allergies),
            ("no_known_allergies", "", self.no_known_allergies),
            ("notes", self.tr("Notes"), self.notes),
        ]
        for name, label, widget in fields:
            widget.setAccessibleName(label or self.tr("No known allergies"))
            self.add_field(name, label, widget)

    def _on_no_known_allergies_toggled(self, checked: bool) -> None:
        """'None known' and a list exclude each other: ticking it clears the list."""
        if checked:
            self.allergies.clear()
        self.allergies.setEnabled(not checked)

    def _on_allergies_typed(self) -> None:
        if self.allergies.toPlainText().strip() and self.no_known_allergies.isChecked():
            self.no_known_allergies.setChecked(False)

    def _text_box(self, label: str, max_len: int, placeholder: str = "") -> QPlainTextEdit:
        box = multiline_edit(label, max_len=max_len)
        box.setMinimumHeight(0)
        box.setPlaceholderText(placeholder)
        box.setFixedHeight(box.fontMetrics().lineSpacing() * 3 + 16)
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return box

    def _fill(self, patient: PatientRow) -> None:
        self.mrn.setText(patient.mrn)
        self.family_name.setText(patient.family_name)
        self.given_name.setText(patient.given_name)
        born = patient.date_of_birth
        self.date_of_birth.setDate(QDate(born.year, born.month, born.day))
        self.sex.setCurrentIndex(self.sex.findData(patient.sex))
        self.allergies.setPlainText(patient.allergies)
        self.no_known_allergies.setChecked(patient.no_known_allergies_at is not None)
        self.notes.setPlainText(patient.notes)
        self._touched.clear()
        self.validate_live()

    def _set_tab_order(self) -> None:
        set_form_tab_order(self, self.buttons)

    def _on_date_of_birth_changed(self, *_args: object) -> None:
        self._touched.add("date_of_birth")
        self.validate_live()

    def build(self) -> p.Payload:
        return PatientForm(
            PatientDetails(
                mrn=self.mrn.text().strip(),
                family_name=self.family_name.text().strip(),
                given_name=self.given_name.text().strip(),
                date_of_birth=self._birth_date(),
                sex=self.sex.currentData() or "",
                allergies=self.allergies.toPlainText().strip(),
                notes=self.notes.toPlainText().strip(),
                no_known_allergies=self.no_known_allergies.isChecked(),
            )
        )

    def _birth_date(self) -> date:
        chosen = self.date_of_birth.date()
        return date(chosen.year(), chosen.month(), chosen.day())

    def current_payload(self) -> p.Payload:
        """The details, checked as the patient service will check them."""
        form = self.build()
        assert isinstance(form, PatientForm)
        checks = Checks()
        no_sex = not form.details.sex
        try:
            form.details.check(self.ws.now().astimezone().date())
        except ValidationError as error:
            checks.problems.extend(e for e in error.problems if not (no_sex and e.field == "sex"))
        if self.patient is None and "date_of_birth" not in self._touched:
            checks.fail("date_of_birth", self.tr("Enter the date of birth (this is the default)."))
        if no_sex:
            checks.fail("sex", self.tr("Choose the sex (Unknown if not known)."))
        checks.done()
        return form

    def submit(self, submission: Submission) -> PatientRow:
        form = submission.payload
        assert isinstance(form, PatientForm)
        if self.patient is None:
            return self.ws.act(register_patient, form.details)
        return self.ws.act(update_patient, self.patient.id, form.details)
