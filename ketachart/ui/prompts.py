"""Small modal questions: a reason for a confirmation, a physician's approval, a witness."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain.vocab import Role
from ketachart.errors import KetachartError
from ketachart.services.actors import Actor
from ketachart.services.users import authenticate
from ketachart.ui.workstation import Workstation


class ReasonDialog(QDialog):
    """Asks why; an empty reason is not accepted."""

    def __init__(self, parent: QWidget | None, question: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Reason needed"))
        layout = QVBoxLayout(self)
        label = QLabel(question)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Reason"))
        layout.addWidget(self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        if self.reason.text().strip():
            super().accept()


def ask_reason(parent: QWidget, question: str) -> str | None:
    dialog = ReasonDialog(parent, question)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        return dialog.reason.text().strip()
    return None


class CredentialsDialog(QDialog):
    """Another user signs in for one purpose (physician approval, witness)."""

    def __init__(
        self,
        parent: QWidget | None,
        ws: Workstation,
        title: str,
        explanation: str,
        purpose: str,
        roles: tuple[Role, ...],
    ) -> None:
        super().__init__(parent)
        self.ws, self.purpose, self.roles = ws, purpose, roles
        self.actor: Actor | None = None
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        label = QLabel(explanation)
        label.setWordWrap(True)
        layout.addWidget(label)
        form = QFormLayout()
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("formMessage")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            actor = authenticate(
                self.ws.db, self.username.text().strip(), self.password.text(), purpose=self.purpose
            )
        except KetachartError as error:
            self.message.setText(error.message)
            self.password.clear()
            return
        if actor.role not in self.roles:
            self.message.setText(
                self.tr("This needs a %s.") % " or ".join(r.value for r in self.roles)
            )
            return
        self.actor = actor
        super().accept()


def ask_physician_approval(parent: QWidget, ws: Workstation, reason: str) -> Actor | None:
    dialog = CredentialsDialog(
        parent,
        ws,
        "Physician override",
        reason + "\n\nA physician signs in to approve.",
        "override",
        (Role.PHYSICIAN,),
    )
    return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask_witness(parent: QWidget, ws: Workstation) -> Actor | None:
    dialog = CredentialsDialog(
        parent,
        ws,
        "Witness",
        "A second nurse or physician witnesses the waste and signs in here.",
        "witness",
        (Role.NURSE, Role.PHYSICIAN),
    )
    return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
