"""Logging in. The login window is light: it is the first thing on screen, so it is built from
the few Qt classes a bare window uses, before the database layer, the rest of the screens and
Qt's enum namespace are loaded (`Qt.*`: some 20 ms, which setting a label's text format
costs); the database is attached while the user types, and the labels turn plain text then."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

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
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        self.layout_.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        self.message.setWordWrap(True)
        self.layout_.addWidget(self.message)
        self.demo = QLabel()
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
        self._plain_text_labels()
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
        from ketachart.ui.widgets import grow_to_fit

        self.message.setText(text)
        grow_to_fit(self)

    def accept(self) -> None:
        """Sign in; with a temporary password, a new one is chosen first (nothing else
        opens until it is)."""
        if self.ws is None:
            self.message.setText(self.tr("Opening the database, one moment…"))
            return
        from ketachart.errors import KetachartError
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

    def _plain_text_labels(self) -> None:
        """Every label of the window shows its text exactly as given, as widgets.plain_label
        makes them. Done here, before the window shows anything but its own words (the
        labels stay empty until then), rather than while it is built: see the module."""
        from PySide6.QtCore import Qt

        for label in self.findChildren(QLabel):
            label.setTextFormat(Qt.TextFormat.PlainText)
