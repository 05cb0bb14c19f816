"""The charting dialog pattern: fields, an editable time, messages as you type, Save on Enter.

A save that fails (locked database, full disk, unreachable server, a rule) keeps the dialog open
with everything typed and says what to do; saving again retries. A save that needs
confirmations or overrides asks for all of them in one dialog, then saves once more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import with_acknowledgement
from ketachart.domain.events import Override, validate_payload
from ketachart.errors import (
    AcknowledgementRequired,
    Approval,
    ApprovalRequired,
    FieldProblem,
    KetachartError,
    ValidationError,
)
from ketachart.services.actors import Actor
from ketachart.ui.acknowledge_dialog import AcknowledgeDialog
from ketachart.ui.approvals_dialog import AskApprovals, ask_approvals
from ketachart.ui.identity_strip import IdentityStrip, chart_patient
from ketachart.ui.timeline_rows import other_occurrence
from ketachart.ui.widgets import (
    FormScrollArea,
    ScreenFittedDialog,
    add_field_row,
    grow_to_fit,
    named_label,
)
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
UNEXPECTED = (
    "Unexpected error: nothing was saved and your entry is still here. Details are in the log."
)
# After the approvals are given, a save can still need new ones (the chart changed meanwhile,
# or a service that names one item at a time): ask again at most this many times.
ASK_AGAIN_AT_MOST = 2
MIN_WIDTH = 640  # wide enough that a field's error reads on one or two lines

R_co = TypeVar("R_co", covariant=True)


@dataclass(frozen=True)
class Submission:
    payload: p.Payload
    occurred_at: datetime | None
    overrides: tuple[Override, ...] = ()
    approver: Actor | None = None
    acknowledgement: p.AlertAcknowledgement | None = None
    """The nurse's answer to the alerts of the reading, once asked (already in `payload`)."""
    asked: tuple[Approval, ...] = ()
    """The items `overrides` answer, in the order asked (asked again with new ones)."""


def parse_int(text: str, field: str, label: str, *, required: bool = True) -> int | None:
    """A typed whole number (at most 6 digits), its length checked before it is read."""
    if len(text) > limits.NUMBER:
        raise ValidationError.single(field, f"{label} must be a whole number.")
    stripped = text.strip()
    if not stripped:
        if required:
            raise ValidationError.single(field, f"{label} is required.")
        return None
    if not stripped.removeprefix("-").isdecimal() or len(stripped) > 6:
        raise ValidationError.single(field, f"{label} must be a whole number.")
    return int(stripped)


def parse_decimal(text: str, field: str, label: str, *, required: bool = True) -> Decimal | None:
    """A typed number, its length checked before it is parsed (Decimal() of a pasted megabyte
    of digits is slow)."""
    if len(text) > limits.NUMBER:
        raise ValidationError.single(field, f"{label} must be a number.")
    stripped = text.strip().replace(",", ".")
    if not stripped:
        if required:
            raise ValidationError.single(field, f"{label} is required.")
        return None
    try:
        value = Decimal(stripped)
    except InvalidOperation:
        raise ValidationError.single(field, f"{label} must be a number.") from None
    if not value.is_finite():
        raise ValidationError.single(field, f"{label} must be a number.")
    return value


def to_qdatetime(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()))


def from_qdatetime(value: QDateTime, now: datetime | None = None) -> datetime:
    """The instant the edit shows. Qt reads a wall time that occurs twice (the hour repeated
    when clocks go back) as its first occurrence; given `now`, the later occurrence is taken
    unless it is still to come, as an entry cannot be in the future."""
    first = datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)
    if now is None:
        return first
    later = other_occurrence(first)
    return later if later is not None and first < later <= now else first


class EntryDialog(ScreenFittedDialog, Generic[R_co]):
    """Base of every charting dialog. Subclasses add fields, `build()` and `submit()`; R_co is
    what `submit()` returns (the saved record), which `result_value` holds after a save."""

    def __init__(
        self, ws: Workstation, title: str, parent: QWidget | None = None, *, with_time: bool = True
    ) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle(title)
        self.setMinimumWidth(MIN_WIDTH)
        self.ask_approvals: AskApprovals = ask_approvals
        self._saved: R_co | None = None
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}
        self._touched: set[str] = set()
        self._time_edit: QDateTimeEdit | None = None
        self.acknowledge_prompt: AcknowledgeDialog | None = None
        """The abnormal-vitals prompt while it is open."""
        self._build_frame(with_time)
        self.patient = chart_patient(parent)
        """Whose chart the entry goes into (None: not opened from a chart)."""
        if self.patient is not None:
            self.identity.show_patient(self.patient)

    @property
    def result_value(self) -> R_co | None:
        """What the save returned; None until it saved."""
        return self._saved

    def saved(self) -> R_co:
        """What the save returned; an error if nothing was saved (for callers that know)."""
        if self._saved is None:
            raise RuntimeError(f"{type(self).__name__} has not saved anything")
        return self._saved

    def ask(self) -> R_co | None:
        """Run modally: what was saved, or None if the dialog was closed without saving."""
        return self._saved if self.exec() == QDialog.DialogCode.Accepted else None

    def _build_frame(self, with_time: bool) -> None:
        """Whose chart (fixed at the top), the form (scrolling when the screen is too
        small), then the message and Save/Cancel, fixed at the bottom: errors shown in the
        form never push the buttons off the screen."""
        layout = QVBoxLayout(self)
        self.identity = IdentityStrip()
        layout.addWidget(self.identity)
        content = QWidget()
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop)  # spare height goes below the form
        self.form = QFormLayout()
        self.body.addLayout(self.form)
        self.form_area = FormScrollArea(content)
        layout.addWidget(self.form_area, 1)
        if with_time:
            self._add_time_field()
        self.message = named_label("formMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _add_time_field(self) -> None:
        edit = QDateTimeEdit(to_qdatetime(self.ws.now()))
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.setCalendarPopup(True)
        edit.dateTimeChanged.connect(lambda _value: self._touched.add("occurred_at"))
        self._time_edit = edit
        self.add_field("occurred_at", self.tr("Time (change for a late entry)"), edit)

    def add_field(self, name: str, label: str, widget: QWidget) -> QWidget:
        """Add a labelled field with its own error line; live-validate when it changes."""
        error = add_field_row(self.form, label, widget)
        self._fields[name] = (widget, error)
        self._connect_change(name, widget)
        return widget

    def _connect_change(self, name: str, widget: QWidget) -> None:
        def changed(*_args: object) -> None:
            self._touched.add(name)
            self.validate_live()

        if isinstance(widget, (QLineEdit, QPlainTextEdit)):
            widget.textChanged.connect(changed)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(changed)
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(changed)

    def field(self, name: str) -> QWidget:
        return self._fields[name][0]

    def occurred_at(self) -> datetime | None:
        """None (meaning: now, to the microsecond) unless the nurse changed the time."""
        if self._time_edit is None or "occurred_at" not in self._touched:
            return None
        return from_qdatetime(self._time_edit.dateTime(), self.ws.now())

    def build(self) -> p.Payload:
        raise NotImplementedError

    def submit(self, submission: Submission) -> R_co:
        raise NotImplementedError

    def current_payload(self) -> p.Payload:
        """The payload the form describes, validated; raises ValidationError listing problems."""
        payload = self.build()
        validate_payload(payload)
        return payload

    def validate_live(self, *, all_fields: bool = False) -> p.Payload | None:
        try:
            payload = self.current_payload()
        except ValidationError as error:
            self._show_problems(error.problems, all_fields)
            return None
        self._show_problems((), all_fields)
        return payload

    def _show_problems(self, problems: tuple[FieldProblem, ...], all_fields: bool) -> None:
        by_field: dict[str, list[str]] = {}
        general: list[str] = []
        for problem in problems:
            name = self._matching_field(problem.field)
            if name is None:
                general.append(problem.message)
            elif all_fields or name in self._touched:
                by_field.setdefault(name, []).append(problem.message)
        for name, (_widget, label) in self._fields.items():
            label.setText(" ".join(by_field.get(name, [])))
            label.setVisible(name in by_field)
        self.message.setText(" ".join(general) if all_fields else "")
        self._grow_for_messages()

    def _grow_for_messages(self) -> None:
        """Grow (within the screen) for messages that appeared in the form: the scroll area
        learns that its form is taller, then the dialog grows; what does not fit scrolls."""
        content = self.form_area.widget()
        inner = content.layout() if content is not None else None
        if inner is not None:
            inner.activate()
        self.form_area.updateGeometry()
        grow_to_fit(self)

    def _matching_field(self, problem_field: str) -> str | None:
        for name in (problem_field, problem_field.split(".", maxsplit=1)[0]):
            if name in self._fields:
                return name
        return None

    def accept(self) -> None:
        payload = self.validate_live(all_fields=True)
        if payload is None:
            return
        self._submit_with_approvals(Submission(payload, self.occurred_at()))

    def _submit_with_approvals(self, submission: Submission) -> None:
        """Save; if that needs approvals, ask for all of them at once and save once more
        with them (each save is its own transaction)."""
        asks_left = 1 + ASK_AGAIN_AT_MOST
        while True:
            try:
                self._saved = self.submit(submission)
            except AcknowledgementRequired as needed:
                self._ask_acknowledgement(submission, needed)
                return
            except ApprovalRequired as needed:
                if not asks_left:
                    self._show_failure(f"Not saved: {needed.message}")
                    return
                asks_left -= 1
                approved = self._approved(submission, needed)
                if approved is None:
                    return
                submission = approved
            except ValidationError as error:
                self._show_problems(error.problems, all_fields=True)
                return
            except KetachartError as error:
                self._show_failure(error.message)
                return
            except Exception:
                log.exception("unexpected error while saving an entry")
                self._show_failure(UNEXPECTED)
                return
            else:
                super().accept()
                return

    def _ask_acknowledgement(self, submission: Submission, needed: AcknowledgementRequired) -> None:
        """Abnormal vitals: ask (without blocking) for the acknowledgement and the response,
        then save once more with them in the entry; cancel saves nothing."""
        given = submission.acknowledgement
        if given is not None and set(needed.codes) <= set(given.codes):
            self._show_failure(f"Not saved: {needed.message}")
            return
        self._show_failure(self.tr("Not saved yet: acknowledge the alerts these vitals raise."))
        prompt = AcknowledgeDialog(self, needed, self.patient)
        self.acknowledge_prompt = prompt

        def answered(result: int) -> None:
            self.acknowledge_prompt = None
            prompt.deleteLater()
            if result != QDialog.DialogCode.Accepted or prompt.answer is None:
                self._show_failure("Not saved: " + needed.message)
                return
            ack = prompt.answer
            payload = with_acknowledgement(submission.payload, ack)
            self._submit_with_approvals(replace(submission, payload=payload, acknowledgement=ack))

        prompt.finished.connect(answered)
        prompt.open()

    def _approved(self, submission: Submission, needed: ApprovalRequired) -> Submission | None:
        """The submission with the reasons and the approver of one approvals dialog; None
        (and a message) when the user cancels or nothing new was asked (the service refused
        what was given). When new items appear, every item is asked again, the reasons
        given so far filled in: one sign-in approves exactly the reasons saved, never a
        reason typed after it."""
        given = {o.code for o in submission.overrides}
        new = tuple(a for a in needed.needed if a.code not in given)
        if not new:
            self._show_failure(f"Not saved: {needed.message}")
            return None
        asked = (*submission.asked, *new)
        answer = self.ask_approvals(self, self.ws, asked, submission.overrides)
        if answer is None:
            self._show_failure("Not saved: " + " ".join(a.message for a in new))
            return None
        return replace(
            submission, overrides=answer.overrides, approver=answer.approver, asked=asked
        )

    def _show_failure(self, text: str) -> None:
        self.message.setText(text)
        self.message.setFocus(Qt.FocusReason.OtherFocusReason)
        self._grow_for_messages()
