"""Finding a patient: search as you type, or scan the wristband (MRN + Enter)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain.age import age_on
from ketachart.domain.allergies import allergy_text
from ketachart.errors import KetachartError
from ketachart.services.patients import PatientRow, find_patients
from ketachart.ui.patient_dialog import PatientDialog, sex_label
from ketachart.ui.row_model import RowTableModel, row_table
from ketachart.ui.widgets import (
    ALLERGY_LABEL_NAMES,
    FormScrollArea,
    add_row,
    named_label,
    plain_label,
    tooltip_html,
)
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
MRN, NAME, BIRTH, ALLERGIES = range(4)
SCAN_LIMIT = 1000


def warning_icon_label(size: int = 28) -> QLabel:
    icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
    label = plain_label()
    label.setPixmap(icon.pixmap(size, size))
    return label


class AllergyBadge(QWidget):
    """Allergies in red bold with an icon and the word ALLERGIES; 'No known allergies' with
    its time, neutral; or amber 'not recorded' (one domain reading of the three states)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.icon = warning_icon_label()
        self.text = plain_label(wrap=True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1)
        self.show_allergies("", None)

    def show_allergies(self, allergies: str, no_known_allergies_at: datetime | None) -> None:
        said = allergy_text(allergies, no_known_allergies_at)
        self.icon.setVisible(said.listed)
        self.text.setObjectName(ALLERGY_LABEL_NAMES[said.status])
        self.text.setText(self.tr("ALLERGIES: %s") % said.text if said.listed else said.text)
        self.text.setAccessibleName(self.text.text())
        self.text.style().unpolish(self.text)
        self.text.style().polish(self.text)


class PatientTableModel(RowTableModel[PatientRow]):
    """Search results (plain PatientRow values) as a read-only table."""

    def __init__(self, parent: QObject | None = None) -> None:
        headers = (self.tr("MRN"), self.tr("Name"), self.tr("Date of birth"), self.tr("Allergies"))
        super().__init__(headers, parent)
        self._icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)

    def cell(self, row: PatientRow, column: int, role: int) -> object:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, column)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if column == ALLERGIES and row.allergies.strip():
            if role == Qt.ItemDataRole.DecorationRole:
                return self._icon
            if role == Qt.ItemDataRole.ToolTipRole:
                return tooltip_html(row.allergies)
        return None

    def _text(self, row: PatientRow, column: int) -> str:
        if column == MRN:
            return row.mrn
        if column == NAME:
            return row.display_name
        if column == BIRTH:
            return row.date_of_birth.isoformat()
        said = allergy_text(row.allergies, row.no_known_allergies_at)
        return " ".join(said.text.split())  # one line in the table

    def row_of(self, patient_id: int) -> int | None:
        return self.find(lambda row: row.id == patient_id)


def exact_mrn_match(rows: list[PatientRow], text: str) -> PatientRow | None:
    """The patient whose MRN is exactly `text` (or, if only one, equal ignoring case)."""
    wanted = text.strip()
    exact = [r for r in rows if r.mrn == wanted]
    if exact:
        return exact[0]
    folded = [r for r in rows if r.mrn.casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


class PatientDetailPanel(QFrame):
    """The selected patient: name, MRN, date of birth, sex, allergies (prominent), notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.name = named_label("headerName")
        self.name.setWordWrap(True)
        self.allergies = AllergyBadge()
        self.facts = QWidget()
        form = QFormLayout(self.facts)
        form.setContentsMargins(0, 0, 0, 0)
        self.mrn, self.born, self.sex = plain_label(), plain_label(), plain_label()
        self.notes = plain_label(wrap=True)
        add_row(form, self.tr("MRN"), self.mrn)
        add_row(form, self.tr("Date of birth"), self.born)
        add_row(form, self.tr("Sex"), self.sex)
        add_row(form, self.tr("Notes"), self.notes)
        layout.addWidget(self.name)
        layout.addWidget(self.allergies)
        layout.addWidget(self.facts)
        layout.addStretch(1)
        self.show_patient(None, None)

    def show_patient(self, patient: PatientRow | None, today: date | None) -> None:
        """Show `patient` (None: nobody selected); `today` gives the age."""
        self.allergies.setVisible(patient is not None)
        self.facts.setVisible(patient is not None)
        if patient is None or today is None:
            self.name.setText(self.tr("No patient selected"))
            for label in (self.mrn, self.born, self.sex, self.notes):
                label.clear()
            return
        self.name.setText(patient.display_name)
        self.allergies.show_allergies(patient.allergies, patient.no_known_allergies_at)
        self.mrn.setText(patient.mrn)
        age = age_on(patient.date_of_birth, today)
        self.born.setText(self.tr("%s (age %d)") % (patient.date_of_birth.isoformat(), age))
        self.sex.setText(sex_label(patient.sex))
        self.notes.setText(patient.notes or "—")


class PatientsView(QWidget):
    """Search, register and edit patients; start a session for the selected one."""

    patient_chosen = Signal(int)
    new_session_requested = Signal(int)

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.model = PatientTableModel(self)
        self.edit_patient: Callable[[PatientRow | None], PatientRow | None] = self._run_dialog
        self._build()
        ws.actor_changed.connect(self.search_now)  # log in: the list; log out: nothing shown
        self.search_now()

    def _build(self) -> None:
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Name, MRN or date of birth (YYYY-MM-DD), or scan"))
        self.search.setAccessibleName(self.tr("Search patients"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.search_now)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.search.installEventFilter(self)
        self.status = plain_label(wrap=True)
        left.addWidget(plain_label(self.tr("Find a patient")))
        left.addWidget(self.search)
        left.addWidget(self.status)
        left.addWidget(self._build_table(), 1)
        left.addLayout(self._build_buttons())
        self.detail = PatientDetailPanel()
        layout.addLayout(left, 3)
        layout.addWidget(FormScrollArea(self.detail), 2)  # a long allergy list scrolls

    def _build_table(self) -> QTableView:
        table = row_table(self.model, self.tr("Patients found"))
        table.setTabKeyNavigation(False)
        table.setAlternatingRowColors(True)
        table.setIconSize(QSize(24, 24))
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().lineSpacing() + 16)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ALLERGIES, QHeaderView.ResizeMode.Stretch)
        table.activated.connect(self._on_table_activated)
        table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table = table
        return table

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.register_button = QPushButton(self.tr("Register…"))
        self.edit_button = QPushButton(self.tr("Edit…"))
        self.session_button = QPushButton(self.tr("New session for this patient"))
        self.register_button.clicked.connect(self._on_register_clicked)
        self.edit_button.clicked.connect(self._on_edit_clicked)
        self.session_button.clicked.connect(self._on_session_clicked)
        for button in (self.register_button, self.edit_button, self.session_button):
            row.addWidget(button)
        row.addStretch(1)
        return row

    # --- searching ----------------------------------------------------------------------
    def search_now(self, *_args: object) -> None:
        """Search for what is typed; keeps the selected patient if still found."""
        text = self.search.text()
        rows = self._find(text)
        if rows is None:
            return
        self._show_results(rows, text)

    def _find(self, text: str, limit: int = 50) -> list[PatientRow] | None:
        if not self.ws.logged_in:
            return None
        try:
            return self.ws.query(find_patients, self.ws.actor, text, limit)
        except KetachartError as error:
            self.status.setText(error.message)
        except Exception:
            log.exception("unexpected error while searching patients")
            self.status.setText(self.tr("Unexpected error, details are in the log."))
        return None

    def _show_results(self, rows: list[PatientRow], text: str) -> None:
        selected = self.selected_patient()
        self.model.set_rows(rows)
        if selected is not None:
            self.select_patient(selected.id)
        if len(rows) == 1:
            self.table.selectRow(0)
        self._on_selection_changed()
        if rows:
            self.status.setText(self.tr("%d patient(s) found") % len(rows))
        elif text.strip():
            self.status.setText(
                self.tr("No patient matches “%s”. Register… adds a new patient.") % text.strip()
            )
        else:
            self.status.setText(self.tr("No patients registered yet."))

    def _on_search_return_pressed(self) -> None:
        """A wristband scanner types the MRN and Enter: choose that patient at once."""
        text = self.search.text().strip()
        rows = self._find(text, SCAN_LIMIT) if text else None
        match = exact_mrn_match(rows or [], text)
        if match is None:
            if self.model.rowCount():
                self._focus_table()
            return
        self._show_results(rows or [], text)
        self.select_patient(match.id)
        self.search.selectAll()
        self.patient_chosen.emit(match.id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down arrow in the search box goes to the results."""
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            self._focus_table()
            return True
        return super().eventFilter(watched, event)

    def _focus_table(self) -> None:
        if self.model.rowCount() and self.selected_patient() is None:
            self.table.selectRow(0)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # --- selection ------------------------------------------------------------------------
    def selected_patient(self) -> PatientRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_patient(self, patient_id: int) -> bool:
        row = self.model.row_of(patient_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def _on_selection_changed(self, *_args: object) -> None:
        patient = self.selected_patient()
        self.detail.show_patient(patient, self.ws.now().astimezone().date())
        self.edit_button.setEnabled(patient is not None)
        self.session_button.setEnabled(patient is not None)

    def _on_table_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.patient_chosen.emit(self.model.row_at(index.row()).id)

    # --- actions --------------------------------------------------------------------------
    def _on_register_clicked(self) -> None:
        self._after_dialog(self.edit_patient(None))

    def _on_edit_clicked(self) -> None:
        patient = self.selected_patient()
        if patient is not None:
            self._after_dialog(self.edit_patient(patient))

    def _on_session_clicked(self) -> None:
        patient = self.selected_patient()
        if patient is not None:
            self.new_session_requested.emit(patient.id)

    def _after_dialog(self, saved: PatientRow | None) -> None:
        if saved is None:
            return
        self.search.setText(saved.mrn)
        self.search_now()
        self.select_patient(saved.id)

    def _run_dialog(self, patient: PatientRow | None) -> PatientRow | None:
        return PatientDialog(self.ws, patient, self).ask()
