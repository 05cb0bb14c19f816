"""Logging in. The login window is light: it opens before the database layer is imported, so
it is on screen at once; the database is attached while the user types."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ketachart.errors import KetachartError
from ketachart.ui.widgets import add_row, grow_to_fit, named_label, plain_label

if TYPE_CHECKING:
    from ketachart.services.actors import Actor
    from ketachart.ui.password_dialog import ChangePasswordDialog
    from ketachart.ui.workstation import Workstation

SIGNED_OUT = (
    "Signed out: a new password must be chosen before you start. Sign in again with the "
    "temporary password to choose it."
)


def password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class LoginDialog(QDialog):
    """User name and password. On a demo database it lists the demo accounts. It may be shown
    before the database is open (`ws` None): logging in then waits until `attach(ws)`."""

    def __init__(
        self,
        ws: Workstation | None,
        parent: QWidget | None = None,
        *,
        title: str = "Log in to ketachart",
        username: str = "",
    ) -> None:
        super().__init__(parent)
        self.ws: Workstation | None = None
        self.actor: Actor | None = None
        self.password_change: ChangePasswordDialog | None = None
        """The "Choose a new password" dialog while it is open (a temporary password)."""
        self.setWindowTitle(self.tr(title))
        self.layout_ = QVBoxLayout(self)
        form = QFormLayout()
        self.username = QLineEdit(username)
        self.password = password_edit()
        add_row(form, self.tr("User name"), self.username)
        add_row(form, self.tr("Password"), self.password)
        self.layout_.addLayout(form)
        self.message = named_label("formMessage")
        self.message.setWordWrap(True)
        self.layout_.addWidget(self.message)
        self.demo = plain_label()
        self.demo.setStyleSheet("font-family: monospace;")
        self.demo.hide()
        self.layout_.addWidget(self.demo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.layout_.addWidget(self.buttons)
        (self.password if username else self.username).setFocus()
        if ws is not None:
            self.attach(ws)

    def attach(self, ws: Workstation) -> None:
        """The database is open: logging in can happen; demo accounts are listed."""
        self.ws = ws
        if ws.demo_accounts:
            lines = [self.tr("Demo accounts (synthetic data):")]
            lines += [
                f"  {name:<10} {password:<16} {role}" for name, password, role in ws.demo_accounts
            ]
            self.demo.setText("\n".join(lines))
            self.demo.show()

    def show_message(self, text: str) -> None:
        """A refusal, in full: the dialog grows (within the screen) for its lines."""
        self.message.setText(text)
        grow_to_fit(self)

    def accept(self) -> None:
        """Sign in; with a temporary password, a new one is chosen first (nothing else
        opens until it is)."""
        if self.ws is None:
            self.message.setText(self.tr("Opening the database, one moment…"))
            return
        from ketachart.ui.password_dialog import continue_signed_in

        password = self.password.text()
        try:
            signed = self.ws.sign_in(self.username.text(), password)
        except KetachartError as error:
            self.show_message(error.message)
            self.password.clear()
            self.password.setFocus()
            return
        self.password_change = continue_signed_in(
            self, self.ws, signed, password, self._signed_in, self._signed_out
        )

    def _signed_in(self, actor: Actor) -> None:
        self.actor, self.password_change = actor, None
        super().accept()

    def _signed_out(self) -> None:
        """The new password was not chosen: nobody is signed in."""
        self.password_change = None
        self.show_message(self.tr(SIGNED_OUT))
        self.password.clear()
        self.password.setFocus()
