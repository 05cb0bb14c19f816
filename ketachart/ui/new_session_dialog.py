"""Opening a session: patient, protocol, chair and today's weight, with the dose plan live."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.checks import Checks
from ketachart.domain.dose import DosePlan, plan_dose
from ketachart.domain.protocol import AlertThresholds
from ketachart.domain.weight import weight_concerns
from ketachart.errors import KetachartError, ValidationError
from ketachart.services.patients import PatientRow, find_patients, get_patient
from ketachart.services.protocols import ProtocolRow, current_protocols
from ketachart.services.sessions import LoadedSession, open_session, previous_weight
from ketachart.ui.forms import EntryDialog, Submission, parse_decimal
from ketachart.ui.icons import IconName, IconText
from ketachart.ui.length_cap import cap_line
from ketachart.ui.patients_view import AllergyBadge, exact_mrn_match
from ketachart.ui.widgets import (
    add_row,
    form_inputs,
    line_edit,
    named_label,
    number_text,
    plain_label,
    set_form_tab_order,
)
from ketachart.ui.workstation import Workstation

CHAIRS = tuple(f"Chair {number}" for number in range(1, 7))
WEIGHT_RANGE = (Decimal(2), Decimal(400))
MIN_WIDTH = 980  # two columns: the patient, and the session with its dose plan


class NewSessionDialog(EntryDialog[LoadedSession]):
    """Open a session. `result_value` is the LoadedSession, so the caller can open the chart."""

    def __init__(
        self, ws: Workstation, patient_id: int | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(ws, "New session", parent, with_time=False)
        self.setWindowTitle(self.tr("New session"))
        self._built = False
        self.patient: PatientRow | None = None
        self.previous_kg: Decimal | None = None
        self.protocols: list[ProtocolRow] = ws.query(current_protocols)
        self._found: list[PatientRow] = []
        self.search: QLineEdit | None = None
        self.results: QListWidget | None = None
        patient_form, session_form = self._two_columns()
        self.form = patient_form  # add_field() adds to self.form
        self._add_patient_field(patient_id)
        self.form = session_form
        self._add_session_fields()
        self._set_tab_order()
        self._built = True
        self.validate_live()

    # --- building the form ----------------------------------------------------------------
    def _two_columns(self) -> tuple[QFormLayout, QFormLayout]:
        """The patient on the left; protocol, chair, weight and the dose plan on the right,
        so that a long name or allergy list never pushes the weight, its warning or the plan
        out of sight."""
        index = self.body.indexOf(self.form)
        self.body.takeAt(index)
        columns = QHBoxLayout()
        patient, session = QFormLayout(), QFormLayout()
        patient.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        session.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        for form in (patient, session):
            column = QVBoxLayout()
            column.addLayout(form)
            column.addStretch(1)
            columns.addLayout(column, 1)
            if form is patient:
                columns.addSpacing(24)
        self.body.insertLayout(index, columns)
        self.setMinimumWidth(MIN_WIDTH)
        return patient, session

    def _add_patient_field(self, patient_id: int | None) -> None:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        self.patient_label = named_label("headerName")
        self.patient_label.setWordWrap(True)
        self.allergies = AllergyBadge()
        if patient_id is None:
            self._add_patient_search(column)
        column.addWidget(self.patient_label)
        column.addWidget(self.allergies)
        self.add_field("patient", self.tr("Patient"), box)
        if patient_id is not None:
            self._choose_patient(self.ws.query(get_patient, patient_id))
        else:
            self._choose_patient(None)
            self._search_patients()

    def _add_patient_search(self, column: QVBoxLayout) -> None:
        self.search = line_edit(
            self.tr("Search patients"),
            placeholder=self.tr("Name, MRN or date of birth, or scan the wristband"),
            max_len=limits.SEARCH,
        )
        self.search.textChanged.connect(self._search_patients)
        self.search.installEventFilter(self)
        self.results = QListWidget()
        self.results.setAccessibleName(self.tr("Patients found"))
        self.results.setFixedHeight(self.results.fontMetrics().lineSpacing() * 4 + 12)
        self.results.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.results.currentRowChanged.connect(self._on_results_current_row_changed)
        column.addWidget(self.search)
        column.addWidget(self.results)

    def _add_session_fields(self) -> None:
        self.protocol = QComboBox()
        example_icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for row in self.protocols:
            if row.spec.is_example:
                self.protocol.addItem(example_icon, self._protocol_text(row), row.id)
            else:
                self.protocol.addItem(row.spec.name, row.id)
        self.protocol.setPlaceholderText(self.tr("Choose the protocol"))
        self.protocol.setCurrentIndex(0 if len(self.protocols) == 1 else -1)
        self.chair = QComboBox()
        self.chair.setEditable(True)
        self.chair.addItems([self.tr(chair) for chair in CHAIRS])
        self.chair.setCurrentIndex(-1)
        chair_edit = self.chair.lineEdit()
        if chair_edit is not None:
            chair_edit.setPlaceholderText(self.tr("Chair or room"))
            cap_line(chair_edit, limits.CODE, self.tr("Chair or room"))
        self.chair.editTextChanged.connect(self._on_chair_edit_text_changed)
        self.weight = line_edit(self.tr("Today's weight (kg)"), max_len=limits.NUMBER)
        self.weight.setPlaceholderText(self.tr("kg, e.g. 72.5"))
        self._make_info_labels()
        self._add("protocol", self.tr("Protocol"), self.protocol)
        self.form.addRow(self.example_note)
        self._add("chair", self.tr("Chair or room"), self.chair)
        self._add("weight_kg", self.tr("Today's weight (kg)"), self.weight)
        add_row(self.form, "", self.previous_label)
        self.form.addRow(self.weight_warning)
        add_row(self.form, self.tr("Dose plan"), self.plan)

    def _add(self, name: str, label: str, widget: QWidget) -> None:
        widget.setAccessibleName(label)
        self.add_field(name, label, widget)

    def _make_info_labels(self) -> None:
        self.example_note = named_label(
            "warningBanner",
            self.tr(
                "EXAMPLE protocol shipped with ketachart: check every number against your "
                "clinic's own protocol before using it."
            ),
        )
        self.example_note.setWordWrap(True)
        self.previous_label = plain_label()
        self.weight_warning = IconText(IconName.WARNING, object_name="warningBanner", wrap=True)
        self.plan = plain_label(wrap=True)
        bold = self.plan.font()
        bold.setBold(True)
        self.plan.setFont(bold)
        self.plan.setAccessibleName(self.tr("Dose plan"))

    def _protocol_text(self, row: ProtocolRow) -> str:
        name = row.spec.name
        if "EXAMPLE" in name.upper():
            return name
        return self.tr("EXAMPLE: %s") % name

    def _set_tab_order(self) -> None:
        set_form_tab_order(self, self.buttons)
        form_inputs(self)[0].setFocus()

    # --- choosing the patient -------------------------------------------------------------
    def _search_patients(self, *_args: object) -> None:
        if self.search is None or self.results is None:
            return
        try:
            found = self.ws.query(find_patients, self.ws.actor, self.search.text(), 50)
        except KetachartError as error:
            self.message.setText(error.message)
            return
        self._show_found(found)

    def _show_found(self, found: list[PatientRow]) -> None:
        assert self.results is not None
        self._found = found
        self.results.blockSignals(True)
        self.results.clear()
        for row in found:
            text = f"{row.display_name} — {row.mrn} — {row.date_of_birth.isoformat()}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            self.results.addItem(item)
        chosen = self.patient
        index = next((i for i, r in enumerate(found) if chosen and r.id == chosen.id), -1)
        self.results.setCurrentRow(index)
        self.results.blockSignals(False)

    def _on_results_current_row_changed(self, row: int) -> None:
        self._touched.add("patient")
        self._choose_patient(self._found[row] if 0 <= row < len(self._found) else None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in the patient search chooses (a scanned MRN, or the only match), never
        saves; the down arrow goes to the list."""
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
        ):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._on_search_entered()
                return True
            if event.key() == Qt.Key.Key_Down:
                self._focus_results()
                return True
        return super().eventFilter(watched, event)

    def _focus_results(self) -> None:
        assert self.results is not None
        if self.results.count() and self.results.currentRow() < 0:
            self.results.setCurrentRow(0)
        self.results.setFocus()

    def _on_search_entered(self) -> None:
        assert self.search is not None
        assert self.results is not None
        text = self.search.text().strip()
        match = exact_mrn_match(self._found, text)
        if match is None and len(self._found) == 1:
            match = self._found[0]
        if match is None:
            self._focus_results()
            return
        self.results.setCurrentRow(self._found.index(match))
        self.protocol.setFocus()

    def _choose_patient(self, patient: PatientRow | None) -> None:
        self.patient = patient
        self.previous_kg = None if patient is None else self.ws.query(previous_weight, patient.id)
        self.allergies.setVisible(patient is not None)
        if patient is None:
            self.patient_label.setText(self.tr("No patient chosen"))
        else:
            born = patient.date_of_birth.isoformat()
            self.patient_label.setText(f"{patient.display_name} · {patient.mrn} · {born}")
            self.allergies.show_allergies(patient.allergies, patient.no_known_allergies_at)
        self.validate_live()

    # --- the form's value, the plan and the weight warning --------------------------------
    def _on_chair_edit_text_changed(self, _text: str) -> None:
        self._touched.add("chair")
        self.validate_live()

    def selected_protocol(self) -> ProtocolRow | None:
        protocol_id = self.protocol.currentData()
        return next((r for r in self.protocols if r.id == protocol_id), None)

    def _weight(self) -> Decimal:
        weight = parse_decimal(self.weight.text(), "weight_kg", "Weight")
        assert weight is not None  # required: parse_decimal raises when empty
        return weight

    def build(self) -> p.Payload:
        return p.SessionOpened(self._weight())

    def current_payload(self) -> p.Payload:
        """Weight checked as an event value; patient, protocol and chair must be chosen."""
        checks = Checks()
        if self.patient is None:
            checks.fail("patient", self.tr("Choose the patient."))
        if self.selected_protocol() is None:
            checks.fail("protocol", self.tr("Choose the protocol."))
        chair = self.chair.currentText().strip()
        checks.text("chair", "Chair or room", chair, required=True, max_len=limits.CODE)
        payload: p.Payload | None = None
        try:
            payload = self.build()
        except ValidationError as error:
            checks.problems.extend(error.problems)
        else:
            payload.check(checks)
        checks.done()
        assert payload is not None
        return payload

    def validate_live(self, *, all_fields: bool = False) -> p.Payload | None:
        if not self._built:
            return None
        payload = super().validate_live(all_fields=all_fields)
        self._update_plan()
        return payload

    def _update_plan(self) -> None:
        protocol = self.selected_protocol()
        self.example_note.setVisible(protocol is not None and protocol.spec.is_example)
        self.previous_label.setText(self._previous_text())
        self.previous_label.setVisible(self.patient is not None)
        weight = self._plausible_weight()
        warning = self._weight_warning(weight, protocol)
        self.weight_warning.setText(warning)
        self.weight_warning.setVisible(bool(warning))
        if protocol is None or weight is None:
            self.plan.setText(
                self.tr("Choose a protocol and enter today's weight to see the plan.")
            )
            return
        self.plan.setText(self._plan_text(plan_dose(protocol.spec, weight), protocol))

    def _previous_text(self) -> str:
        if self.previous_kg is None:
            return self.tr("No earlier weight on record.")
        return self.tr("Last session: %s kg") % number_text(self.previous_kg)

    def _plausible_weight(self) -> Decimal | None:
        try:
            weight = self._weight()
        except ValidationError:
            return None
        if not WEIGHT_RANGE[0] <= weight <= WEIGHT_RANGE[1]:
            return None
        return weight

    def _weight_warning(self, weight: Decimal | None, protocol: ProtocolRow | None) -> str:
        if weight is None:
            return ""
        limits = protocol.spec.alerts if protocol is not None else AlertThresholds()
        concerns = weight_concerns(weight, self.previous_kg, limits)
        if concerns:
            return self.tr("Check the weight (lb/kg?): %s") % concerns[0].message
        return ""

    def _plan_text(self, plan: DosePlan, protocol: ProtocolRow) -> str:
        spec = protocol.spec
        lines = [
            self.tr("Total %s mg over %d min") % (number_text(plan.total_mg), plan.duration_min),
            self.tr("Rate %s mg/h (%s mg/kg/h)")
            % (number_text(plan.rate_mg_h), number_text(plan.rate_mg_kg_h)),
            self.tr("Pump %s mL/h at %s mg/mL")
            % (number_text(plan.rate_ml_h), number_text(spec.concentration_mg_ml)),
            self.tr("Maximum %s mg") % number_text(plan.max_total_mg),
        ]
        return "\n".join(lines)

    def submit(self, submission: Submission) -> LoadedSession:
        protocol = self.selected_protocol()
        assert self.patient is not None
        assert protocol is not None
        payload = submission.payload
        assert isinstance(payload, p.SessionOpened)
        return self.ws.act(
            open_session,
            self.patient.id,
            protocol.id,
            self.chair.currentText().strip(),
            payload.weight_kg,
            submission.overrides,
        )
