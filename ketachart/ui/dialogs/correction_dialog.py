"""Correcting an entry: the original stays visible; a reason, then new values or 'entered in
error'. If someone else corrected it since the dialog opened, nothing is overwritten."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import with_acknowledgement
from ketachart.domain.describe import describe
from ketachart.domain.events import KIND_LABELS, EventRecord, validate_payload
from ketachart.domain.timeline import EffectiveEvent, SessionState, apply_corrections
from ketachart.errors import FieldProblem, ValidationError
from ketachart.services.corrections import correct_entry
from ketachart.services.sessions import load_session
from ketachart.ui.dialogs.payload_editor import PayloadEditor, editable
from ketachart.ui.forms import EntryDialog, Submission, from_qdatetime, to_qdatetime
from ketachart.ui.widgets import (
    DIALOG_STYLE,
    add_row,
    add_save_shortcut,
    info_label,
    line_edit,
    set_form_tab_order,
)
from ketachart.ui.workstation import Workstation

ROWS_PER_COLUMN = 6


def split_rows(form: QFormLayout, keep: int) -> QFormLayout:
    """A second form with the rows of `form` after the first `keep` (a long entry, such as
    vitals, in two columns so the dialog fits a small screen)."""
    second = QFormLayout()
    while form.rowCount() > keep:
        taken = form.takeRow(keep)
        label = taken.labelItem.widget() if taken.labelItem else None
        field = taken.fieldItem.widget() if taken.fieldItem else None
        if field is not None and label is not None:
            second.addRow(label, field)
        elif field is not None:
            second.addRow(field)
    return second


def entry_line(kind_label: str, at: datetime, payload: p.Payload) -> str:
    return f"{kind_label}, {at.astimezone().strftime('%Y-%m-%d %H:%M')}: {describe(payload)}"


class CorrectionDialog(EntryDialog[EventRecord]):
    def __init__(
        self,
        ws: Workstation,
        session_id: str,
        target: EventRecord,
        seen_version: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ws, "Correct an entry", parent, with_time=False)
        self.setWindowTitle(self.tr("Correct an entry"))
        self.setMinimumWidth(760)
        self.setStyleSheet(DIALOG_STYLE)
        self.session_id, self.target, self.seen_version = session_id, target, seen_version
        loaded = ws.query(load_session, session_id)
        current = next(e for e in apply_corrections(loaded.events) if e.record.id == target.id)
        self._show_original(current)
        self.reason = line_edit(self.tr("Reason for the correction"), max_len=limits.REASON)
        self.add_field("correction_reason", self.tr("Reason for the correction"), self.reason)
        self.editor: PayloadEditor | None = None
        self.editor = self._editor(loaded.state(until=current.occurred_at), current)
        add_save_shortcut(self)
        set_form_tab_order(self, self.buttons)
        self.reason.setFocus()

    def _show_original(self, current: EffectiveEvent) -> None:
        kind = self.tr(KIND_LABELS[self.target.kind])
        original = entry_line(kind, self.target.occurred_at, self.target.payload)
        add_row(self.form, self.tr("Original"), info_label(original))
        if current.corrections:
            now = (
                self.tr("Entered in error")
                if current.voided
                else entry_line(kind, current.occurred_at, current.payload)
            )
            add_row(self.form, self.tr("Now"), info_label(now))

    def _editor(self, state: SessionState, current: EffectiveEvent) -> PayloadEditor | None:
        self.voids = QRadioButton(self.tr("Entered in error (the entry no longer counts)"))
        self.replaces = QRadioButton(self.tr("Correct the values below"))
        group = QButtonGroup(self)
        column = QWidget()
        buttons = QVBoxLayout(column)
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.replaces, self.voids):
            group.addButton(button)
            buttons.addWidget(button)
            button.toggled.connect(self._on_mode_toggled)
        self.add_field("mode", self.tr("Correction"), column)
        payload = self.target.payload if current.voided else current.payload
        if not editable(payload):
            self.replaces.setEnabled(False)
            self.voids.setChecked(True)
            return None
        box = QGroupBox(self.tr("New values"))
        self.body.addWidget(box)  # in the scrolling form, above the message and buttons
        columns = QHBoxLayout(box)
        outer, self.form = self.form, QFormLayout()  # add_field() adds to self.form
        columns.addLayout(self.form)
        try:
            editor = self._new_values(state, current, payload)
            columns.addSpacing(24)
            columns.addLayout(split_rows(self.form, ROWS_PER_COLUMN))
            return editor
        finally:
            self.form = outer

    def _new_values(
        self, state: SessionState, current: EffectiveEvent, payload: p.Payload
    ) -> PayloadEditor:
        self.entry_time = QDateTimeEdit(to_qdatetime(current.occurred_at))
        self.entry_time.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.entry_time.setCalendarPopup(True)
        self.entry_time.setAccessibleName(self.tr("Time of the entry"))
        self.entry_time.dateTimeChanged.connect(lambda _v: self._touched.add("occurred_at"))
        self.add_field("occurred_at", self.tr("Time of the entry"), self.entry_time)
        editor = PayloadEditor(self, payload, state.weight_kg, state.concentration_mg_ml)
        editor.widgets.append(self.entry_time)
        self.replaces.setChecked(True)
        return editor

    def _on_mode_toggled(self, _checked: bool) -> None:
        if self.editor is not None:
            self.editor.set_enabled(self.replaces.isChecked())
        self.validate_live()

    def replacement(self) -> p.Payload | None:
        if self.editor is None or not self.replaces.isChecked():
            return None
        return self.editor.payload()

    def replacement_time(self) -> datetime | None:
        if self.editor is None or not self.replaces.isChecked():
            return None
        if "occurred_at" not in self._touched:
            return None
        return from_qdatetime(self.entry_time.dateTime())

    def build(self) -> p.Payload:
        return p.Correction(corrects=self.target.id, reason=self.reason.text().strip())

    def current_payload(self) -> p.Payload:
        """The correction, with the reason and the new values validated together."""
        problems: list[FieldProblem] = []
        try:
            replacement = self.replacement()
            if replacement is not None:
                validate_payload(replacement)
        except ValidationError as error:
            problems.extend(error.problems)
        correction = self.build()
        try:
            validate_payload(correction)
        except ValidationError as error:
            problems.extend(FieldProblem("correction_reason", q.message) for q in error.problems)
        if problems:
            raise ValidationError(problems)
        return correction

    def submit(self, submission: Submission) -> EventRecord:
        correction = submission.payload
        assert isinstance(correction, p.Correction)
        replacement = self.replacement()
        if replacement is not None and submission.acknowledgement is not None:
            replacement = with_acknowledgement(replacement, submission.acknowledgement)
        return self.ws.act(
            correct_entry,
            self.session_id,
            self.target.id,
            correction.reason,
            replacement,
            seen_version=self.seen_version,
            replacement_occurred_at=self.replacement_time(),
            overrides=submission.overrides,
            approver=submission.approver,
        )
