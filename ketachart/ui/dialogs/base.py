"""What every dialog charting into one session shares: the loaded session, Ctrl+Enter, tab order."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord, validate_payload
from ketachart.domain.timeline import SessionState
from ketachart.errors import FieldProblem, ValidationError
from ketachart.services.charting import chart
from ketachart.services.sessions import LoadedSession, load_session
from ketachart.ui.dialogs.vitals_dialog import LABELS as VITALS_LABELS
from ketachart.ui.forms import EntryDialog, Submission, parse_decimal, parse_int
from ketachart.ui.widgets import (
    DIALOG_STYLE,
    add_row,
    add_save_shortcut,
    fit_to_screen,
    info_label,
    line_edit,
    set_form_tab_order,
)
from ketachart.ui.workstation import Workstation


class FormValues:
    """Reads typed numbers, collecting every unreadable one, so all problems show at once."""

    def __init__(self, dialog: EntryDialog[object]) -> None:
        self.dialog = dialog
        self.problems: list[FieldProblem] = []
        self.skip: set[str] = set()

    def _text(self, name: str) -> str:
        edit = self.dialog.field(name)
        assert isinstance(edit, QLineEdit)
        return edit.text()

    def decimal(self, name: str, label: str) -> Decimal:
        """A required number; 0 stands in for an unreadable one (its problem is recorded)."""
        return self.optional_decimal(name, label, required=True) or Decimal(0)

    def optional_decimal(self, name: str, label: str, *, required: bool = False) -> Decimal | None:
        try:
            return parse_decimal(self._text(name), name, label, required=required)
        except ValidationError as error:
            self.problems.extend(error.problems)
            return None

    def integer(self, name: str, label: str) -> int:
        return self.optional_integer(name, label, required=True) or 0

    def optional_integer(self, name: str, label: str, *, required: bool = False) -> int | None:
        try:
            return parse_int(self._text(name), name, label, required=required)
        except ValidationError as error:
            self.problems.extend(error.problems)
            return None

    def vitals(self) -> p.Vitals:
        """The vitals fields (as VitalsFields adds them), every unreadable one reported."""

        def number(name: str) -> int:
            return self.integer(name, VITALS_LABELS[name].split(" (")[0])

        def score(name: str) -> int | None:
            return self.optional_integer(name, VITALS_LABELS[name].split(" (")[0])

        systolic = number("systolic")
        if any(problem.field == "systolic" for problem in self.problems):
            self.skip.add("diastolic")  # "lower than systolic" would compare with a stand-in
        return p.Vitals(
            systolic=systolic,
            diastolic=number("diastolic"),
            heart_rate=number("heart_rate"),
            resp_rate=number("resp_rate"),
            spo2=number("spo2"),
            temperature_c=self.optional_decimal("temperature_c", "Temperature"),
            moaas=score("moaas"),
            pain=score("pain"),
            cadss6=score("cadss6"),
        )

    def done(self, payload: p.Payload) -> p.Payload:
        """The payload, or every problem: unreadable fields first, then the core's for the rest."""
        if not self.problems:
            return payload
        failed = {problem.field for problem in self.problems} | self.skip
        others: tuple[FieldProblem, ...] = ()
        try:
            validate_payload(payload)
        except ValidationError as error:
            others = tuple(q for q in error.problems if q.field not in failed)
        raise ValidationError([*self.problems, *others])


class SessionDialog(EntryDialog[EventRecord]):
    """An entry dialog for one session; `state` is the session as it was when opened."""

    def __init__(
        self,
        ws: Workstation,
        session_id: str,
        title: str,
        parent: QWidget | None = None,
        *,
        with_time: bool = True,
    ) -> None:
        super().__init__(ws, title, parent, with_time=with_time)
        self.setWindowTitle(self.tr(title))
        self.session_id = session_id
        self.session: LoadedSession = ws.query(load_session, session_id)
        self.setMinimumWidth(760)
        self.setStyleSheet(DIALOG_STYLE)
        self.columns = self._split_columns()
        if with_time:
            self.field("occurred_at").setAccessibleName(self.tr("Time of the entry"))
        add_save_shortcut(self)

    def _split_columns(self) -> tuple[QVBoxLayout, QVBoxLayout]:
        """Two columns side by side: the form on the left, an empty one on the right, so a
        long dialog can stay within the height of a bedside screen."""
        main = self.body
        index = main.indexOf(self.form)
        main.takeAt(index)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addLayout(self.form)
        row = QHBoxLayout()
        row.addLayout(left)
        row.addSpacing(24)  # not setSpacing(): the forms inside would inherit it as row spacing
        row.addLayout(right)
        main.insertLayout(index, row)
        return left, right

    @property
    def state(self) -> SessionState:
        return self.session.state()

    def reload(self) -> None:
        self.session = self.ws.query(load_session, self.session_id)

    def text_field(
        self, name: str, label: str, text: str = "", placeholder: str = "", *, max_len: int
    ) -> QLineEdit:
        """A one-line field holding at most `max_len` characters (domain.limits)."""
        edit = line_edit(self.tr(label), text, placeholder, max_len=max_len)
        self.add_field(name, self.tr(label), edit)
        return edit

    def info_row(self, label: str) -> QLabel:
        info = info_label()
        info.setAccessibleName(self.tr(label))
        add_row(self.form, self.tr(label), info)
        return info

    @contextmanager
    def section(self, title: str | None, column: int = 0) -> Iterator[QWidget]:
        """Fields added inside the block go below the previous ones in `column` (0: left,
        1: right), in a group titled `title` (None: no group, just more rows)."""
        box = QGroupBox(self.tr(title)) if title else QWidget()
        inner = QFormLayout(box)
        if title is None:
            inner.setContentsMargins(0, 0, 0, 0)
        self.columns[column].addWidget(box)
        outer, self.form = self.form, inner  # add_field() adds to self.form
        try:
            yield box
        finally:
            self.form = outer

    def values(self) -> FormValues:
        return FormValues(self)

    def finish_form(self, first: QWidget | None = None) -> None:
        """Call at the end of the subclass constructor: tab order, first focus, sizes."""
        for column in self.columns:
            column.addStretch(1)
        set_form_tab_order(self, self.buttons)
        if first is not None:
            first.setFocus()
        fit_to_screen(self)

    def chart_submission(self, submission: Submission) -> EventRecord:
        return self.ws.act(
            chart,
            self.session_id,
            submission.payload,
            occurred_at=submission.occurred_at,
            overrides=submission.overrides,
            approver=submission.approver,
        )
