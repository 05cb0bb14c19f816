"""Another user signs in for one purpose: a physician approving overrides, a witness."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import limits
from ketachart.domain.vocab import Role
from ketachart.errors import KetachartError, PermissionDenied
from ketachart.services.actors import Actor
from ketachart.ui.widgets import (
    add_row,
    grow_to_fit,
    line_edit,
    named_label,
    plain_label,
    secret_edit,
)
from ketachart.ui.workstation import Workstation


class WrongRole(PermissionDenied):
    """The user name and password are right, but this user may not do what is asked."""


def signed_in(
    ws: Workstation, username: str, password: str, purpose: str, roles: tuple[Role, ...]
) -> Actor:
    """The user another person signs in as for one purpose (override, witness), checked and
    audited; AuthenticationFailed for a wrong name or password, WrongRole for the wrong role."""
    actor = ws.sign_in(username, password, purpose=purpose).actor
    if actor.role not in roles:
        needed = " or ".join(r.value for r in roles)
        raise WrongRole(
            QCoreApplication.translate("CredentialsDialog", "This needs a %s.") % needed
        )
    return actor


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
        label = plain_label(explanation, wrap=True)
        layout.addWidget(label)
        form = QFormLayout()
        self.username = line_edit("User name", max_len=limits.USERNAME)
        self.password = secret_edit("Password")
        add_row(form, self.tr("User name"), self.username)
        add_row(form, self.tr("Password"), self.password)
        layout.addLayout(form)
        self.message = named_label("formMessage")
        self.message.setWordWrap(True)  # a refusal wraps: it never widens the dialog
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            actor = signed_in(
                self.ws, self.username.text(), self.password.text(), self.purpose, self.roles
            )
        except WrongRole as error:
            self.message.setText(error.message)
            grow_to_fit(self)
            return
        except KetachartError as error:
            self.message.setText(error.message)
            grow_to_fit(self)
            self.password.clear()
            return
        self.actor = actor
        super().accept()


def ask_witness(parent: QWidget, ws: Workstation, witnessed: str) -> Actor | None:
    """A second nurse or physician signs in to witness `witnessed` (the amounts, in words):
    the record is fixed before they are asked, so they sign for what they read."""
    explanation = QCoreApplication.translate(
        "CredentialsDialog",
        "A second nurse or physician witnesses the waste and signs in here.\n\nWitnessed: %s",
    )
    dialog = CredentialsDialog(
        parent,
        ws,
        "Witness",
        explanation % witnessed,
        "witness",
        (Role.NURSE, Role.PHYSICIAN),
    )
    return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
