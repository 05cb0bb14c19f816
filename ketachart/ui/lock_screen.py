"""The lock screen: nothing clinical is visible; the same user or another one signs in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QPushButton, QVBoxLayout, QWidget

from ketachart.domain import limits
from ketachart.errors import KetachartError
from ketachart.services.actors import Actor
from ketachart.ui.icons import IconName, IconText
from ketachart.ui.login import SIGNED_OUT
from ketachart.ui.password_dialog import ChangePasswordDialog, continue_signed_in
from ketachart.ui.widgets import add_row, line_edit, named_label, plain_label, secret_edit
from ketachart.ui.workstation import Workstation


class LockScreen(QWidget):
    unlocked = Signal(object)

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.password_change: ChangePasswordDialog | None = None
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = IconText(
            IconName.LOCK, self.tr("Locked after inactivity"), object_name="headerName", size=32
        )
        layout.addWidget(title)
        layout.addWidget(
            plain_label(
                self.tr(
                    "Sign in to continue. Another user may sign in; the "
                    "previous user's unsaved entry is then discarded."
                )
            )
        )
        form = QFormLayout()
        self.username = line_edit("User name", max_len=limits.USERNAME)
        self.password = secret_edit("Password")
        add_row(form, self.tr("User name"), self.username)
        add_row(form, self.tr("Password"), self.password)
        layout.addLayout(form)
        self.message = named_label("formMessage")
        layout.addWidget(self.message)
        button = QPushButton(self.tr("Unlock"))
        button.setDefault(True)
        button.clicked.connect(self.try_unlock)
        self.password.returnPressed.connect(self.try_unlock)
        layout.addWidget(button)

    def prepare(self, username: str) -> None:
        self.username.setText(username)
        self.password.clear()
        self.message.clear()
        self.password.setFocus()

    def try_unlock(self) -> None:
        """Sign in; with a temporary password, a new one is chosen before anything shows."""
        password = self.password.text()
        try:
            signed = self.ws.sign_in(self.username.text(), password, purpose="unlock")
        except KetachartError as error:
            self.message.setText(error.message)
            self.password.clear()
            return
        self.password_change = continue_signed_in(
            self, self.ws, signed, password, self._unlocked, self._signed_out
        )

    def _unlocked(self, actor: Actor) -> None:
        self.password_change = None
        self.unlocked.emit(actor)

    def _signed_out(self) -> None:
        self.password_change = None
        self.message.setText(self.tr(SIGNED_OUT))
        self.password.clear()
