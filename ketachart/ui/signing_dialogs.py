"""Asking for the password again to sign, and for an addendum's text.

Each dialog does its work itself when OK is pressed (`attempt`): a wrong password or a refusal
keeps it open with the message, so nothing is signed or saved until it works. A signature
refused because the chart changed since the screen showed it (ChartChangedSinceReview) closes
the dialog instead and hands the refusal to the screen (`chart_changed`): typing the password
again cannot help, the signer must first review the new entries. The screens open
these with `open()`, never `exec()`: no nested event loop, and the inactivity lock can hide
them like any entry dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import limits
from ketachart.domain.reviewed import ChartChangedSinceReview
from ketachart.errors import KetachartError
from ketachart.ui.icons import IconName, IconText
from ketachart.ui.widgets import (
    add_save_shortcut,
    grow_to_fit,
    multiline_edit,
    plain_label,
    secret_edit,
)

log = logging.getLogger(__name__)
UNEXPECTED = "Unexpected error: nothing was saved or signed. Details are in the log."

Attempt = Callable[[str], object]


class AttemptDialog(QDialog):
    """An explanation, one input, a message line and OK/Cancel; OK runs `attempt`."""

    missing_text = "This cannot be empty."
    chart_changed = Signal(ChartChangedSinceReview)
    """The attempt was refused because the chart changed since it was shown; the dialog has
    closed (rejected) and the screen shows the new entries."""

    def __init__(
        self, parent: QWidget | None, title: str, explanation: str, ok_text: str, attempt: Attempt
    ) -> None:
        super().__init__(parent)
        self.attempt = attempt
        self.result_value: object = None
        self.setWindowTitle(title)
        self.setMinimumWidth(640)
        layout = QVBoxLayout(self)
        self.explanation = plain_label(explanation, wrap=True)
        layout.addWidget(self.explanation)
        layout.addWidget(self.make_input())
        self.message = IconText(IconName.WARNING, object_name="formMessage", wrap=True)
        self.message.hide()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def make_input(self) -> QWidget:
        raise NotImplementedError

    def value(self) -> str:
        raise NotImplementedError

    def after_failure(self) -> None:
        """Called when `attempt` refused the value (a password is cleared for the next try)."""

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        grow_to_fit(self)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        grow_to_fit(self)  # wrapped explanations need more height than Qt first gives

    def accept(self) -> None:
        value = self.value()
        if not value.strip():
            self.show_message(self.missing_text)
            return
        try:
            self.result_value = self.attempt(value)
        except ChartChangedSinceReview as changed:
            self.reject()
            self.chart_changed.emit(changed)
            return
        except KetachartError as error:
            self.show_message(error.message)
            self.after_failure()
            return
        except Exception:
            log.exception("unexpected error in %s", type(self).__name__)
            self.show_message(UNEXPECTED)
            return
        super().accept()


class PasswordDialog(AttemptDialog):
    """'Type your password to sign': the signer's own password, asked again."""

    missing_text = "Type your password to sign."

    def make_input(self) -> QWidget:
        self.password = secret_edit("Your password")
        self.password.setPlaceholderText("Your password")
        return self.password

    def value(self) -> str:
        return self.password.text()

    def after_failure(self) -> None:
        self.password.clear()
        self.password.setFocus()


class AddendumDialog(AttemptDialog):
    """The text of an addendum: later information for a discharged or signed session."""

    missing_text = "Type the addendum first."

    def __init__(
        self, parent: QWidget | None, title: str, explanation: str, attempt: Attempt
    ) -> None:
        super().__init__(parent, title, explanation, "Save addendum", attempt)
        add_save_shortcut(self)

    def make_input(self) -> QWidget:
        self.text: QPlainTextEdit = multiline_edit("Addendum", max_len=limits.NOTE)
        self.text.setMinimumHeight(160)
        return self.text

    def value(self) -> str:
        return self.text.toPlainText().strip()
