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
from ketachart.ui.widgets import add_row, named_label, plain_label

if TYPE_CHECKING:
    from ketachart.services.actors import Actor
    from ketachart.services.sign_in import SignedIn
    from ketachart.ui.workstation import Workstation


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
        self.signed_in: SignedIn | None = None
        """Who signed in, and whether they must change their password first."""
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

    def accept(self) -> None:
        if self.ws is None:
            self.message.setText(self.tr("Opening the database, one moment…"))
            return
        try:
            self.signed_in = self.ws.sign_in(self.username.text(), self.password.text())
        except KetachartError as error:
            self.message.setText(error.message)
            self.password.clear()
            self.password.setFocus()
            return
        self.actor = self.signed_in.actor
        super().accept()
