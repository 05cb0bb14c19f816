"""The lock screen: nothing clinical is visible; the same user or another one signs in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ketachart.errors import KetachartError
from ketachart.services.actors import Actor
from ketachart.ui.icons import IconName, IconText
from ketachart.ui.widgets import add_row, named_label, plain_label
from ketachart.ui.workstation import Workstation


class LockScreen(QWidget):
    unlocked = Signal(object)

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
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
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
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
        try:
            actor: Actor = self.ws.sign_in(
                self.username.text(), self.password.text(), purpose="unlock"
            ).actor
        except KetachartError as error:
            self.message.setText(error.message)
            self.password.clear()
            return
        self.unlocked.emit(actor)
