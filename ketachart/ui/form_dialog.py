"""A dialog whose OK does one thing: fields with their own error line, a message above the
buttons, and nothing closed until it worked.

The account dialogs (add a staff member, reset a password, change a role, choose a new
password) share it: each names its fields and says what OK does (`attempt`). A refused value
is shown under its field (the service's ValidationError names the field), any other refusal
above the buttons; what was typed stays, so the user corrects it and presses OK again.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketachart.errors import FieldProblem, KetachartError, ValidationError
from ketachart.ui.widgets import (
    FormScrollArea,
    ScreenFittedDialog,
    add_field_row,
    grow_to_fit,
    named_label,
    plain_label,
    set_form_tab_order,
)

log = logging.getLogger(__name__)
UNEXPECTED = "Unexpected error: nothing was changed. Details are in the log."
MIN_WIDTH = 640


class FormDialog(ScreenFittedDialog):
    """An explanation, a form, a message line and OK/Cancel; OK runs `attempt()`."""

    def __init__(
        self, parent: QWidget | None, title: str, explanation: str = "", ok_text: str = ""
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(MIN_WIDTH)
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}
        self._aliases: dict[str, str] = {}
        layout = QVBoxLayout(self)
        self.explanation = plain_label(explanation, wrap=True)
        self.explanation.setVisible(bool(explanation))
        layout.addWidget(self.explanation)
        content = QWidget()
        self.form = QFormLayout(content)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form_area = FormScrollArea(content)
        layout.addWidget(self.form_area, 1)
        self.message = named_label("formMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        if ok_text:
            self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    @property
    def ok_button(self) -> QPushButton:
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert button is not None
        return button

    def add_field(self, name: str, label: str, widget: QWidget, *aliases: str) -> QWidget:
        """A labelled field with its own error line; `name` (or any of `aliases`) is the
        field a service's ValidationError names for it."""
        self._fields[name] = (widget, add_field_row(self.form, label, widget))
        self._aliases |= {alias: name for alias in aliases}
        return widget

    def field_error(self, name: str) -> str:
        """The error shown under a field ('' when none)."""
        label = self._fields[name][1]
        return label.text() if label.isVisibleTo(self) else ""

    def finish_form(self, first: QWidget) -> None:
        """Call at the end of the subclass constructor: tab order and first focus."""
        set_form_tab_order(self, self.buttons)
        first.setFocus()

    def attempt(self) -> None:
        """Do what OK means; raise a KetachartError to keep the dialog open with its message."""
        raise NotImplementedError

    def accept(self) -> None:
        try:
            self.attempt()
        except ValidationError as error:
            self.show_problems(error.problems)
            return
        except KetachartError as error:
            self.show_problems((), error.message)
            return
        except Exception:
            log.exception("unexpected error in %s", type(self).__name__)
            self.show_problems((), UNEXPECTED)
            return
        super().accept()

    def show_problems(self, problems: tuple[FieldProblem, ...], message: str = "") -> None:
        """Each problem under its field (the first field focused), the others and `message`
        above the buttons."""
        by_field: dict[str, list[str]] = {}
        general = [message] if message else []
        for problem in problems:
            name = self._aliases.get(problem.field, problem.field)
            if name in self._fields:
                by_field.setdefault(name, []).append(problem.message)
            else:
                general.append(problem.message)
        for name, (_widget, label) in self._fields.items():
            label.setText(" ".join(by_field.get(name, [])))
            label.setVisible(name in by_field)
        self.message.setText(" ".join(general))
        self.message.setVisible(bool(general))
        first = next((name for name in self._fields if name in by_field), None)
        if first is not None:
            self._fields[first][0].setFocus()
        self._grow_for_messages()

    def _grow_for_messages(self) -> None:
        """Grow (within the screen) for the messages that appeared: the scroll area learns
        that its form is taller, then the dialog grows; what does not fit scrolls."""
        content = self.form_area.widget()
        inner = content.layout() if content is not None else None
        if inner is not None:
            inner.activate()
        self.form_area.updateGeometry()
        grow_to_fit(self)
