"""The administrator's account dialogs: add a staff member, reset a password, change a role,
disable an account. Each OK is one action (one transaction, audited by the service); a
refusal keeps the dialog open with what was typed and the reason next to its field."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain.vocab import Role
from ketachart.errors import FieldProblem, ValidationError
from ketachart.services import staff
from ketachart.services.clinic_info import get_clinic
from ketachart.services.staff import StaffRow
from ketachart.services.users import check_new_user, new_password
from ketachart.ui.form_dialog import FormDialog
from ketachart.ui.widgets import EnumCombo, line_edit, plain_label
from ketachart.ui.workstation import Workstation

ROLE_LABELS = {Role.NURSE: "Nurse", Role.PHYSICIAN: "Physician", Role.ADMIN: "Administrator"}
HANDOVER = (
    "Shown only here: give it to the person yourself. They choose their own password when "
    "they next sign in."
)


def role_label(role: Role) -> str:
    return ROLE_LABELS[role]


def role_combo(current: Role | None = None) -> EnumCombo[Role]:
    placeholder = None if current is not None else "Choose a role…"
    return EnumCombo(
        list(Role), "Role", labels=ROLE_LABELS, placeholder=placeholder, current=current
    )


class TemporaryPasswordField(QWidget):
    """A temporary password, visible (the administrator reads it out or writes it down), with
    a Generate button that fills in a strong random one."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.edit = line_edit(self.tr("Temporary password"))
        self.edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.generate = QPushButton(self.tr("Generate"))
        self.generate.setToolTip(self.tr("Fill in a strong random password (Alt+G)"))
        self.generate.setShortcut("Alt+G")
        self.generate.clicked.connect(self.fill_generated)
        row.addWidget(self.edit, 1)
        row.addWidget(self.generate)
        layout.addLayout(row)
        layout.addWidget(plain_label(self.tr(HANDOVER), wrap=True))
        self.setFocusProxy(self.edit)

    def fill_generated(self) -> None:
        self.edit.setText(staff.new_temporary_password())
        self.edit.setFocus()

    def text(self) -> str:
        return self.edit.text()


class AddStaffDialog(FormDialog):
    """A new account: user name, full name, credentials, role and a temporary password."""

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent, self.tr("Add a staff member"), ok_text=self.tr("Add"))
        self.ws = ws
        self.result_value: StaffRow | None = None
        self.username: QLineEdit = line_edit(self.tr("User name"), placeholder="e.g. jsmith")
        self.display_name: QLineEdit = line_edit(self.tr("Full name"))
        self.credentials: QLineEdit = line_edit(
            self.tr("Credentials"), placeholder=self.tr("e.g. RN, MD (may be empty)")
        )
        self.role = role_combo()
        self.password = TemporaryPasswordField()
        self.add_field("username", self.tr("User name"), self.username)
        self.add_field("display_name", self.tr("Full name"), self.display_name, "name")
        self.add_field("credentials", self.tr("Credentials"), self.credentials)
        self.add_field("role", self.tr("Role"), self.role)
        self.add_field(
            "temporary_password", self.tr("Temporary password"), self.password, "password"
        )
        self.finish_form(self.username)

    def attempt(self) -> None:
        role = self.role.value()
        if role is None:
            raise ValidationError([*self._other_problems(), self._no_role()])
        self.result_value = self.ws.act(
            staff.add_staff, *self._typed(), role, new_password(self.password.text())
        )

    def _typed(self) -> tuple[str, str, str]:
        return (
            self.username.text().strip(),
            self.display_name.text().strip(),
            self.credentials.text().strip(),
        )

    def _no_role(self) -> FieldProblem:
        return FieldProblem("role", self.tr("Choose the account's role."))

    def _other_problems(self) -> tuple[FieldProblem, ...]:
        """With no role chosen yet, the service's own checks of the other fields, so that
        every problem shows at once."""
        username, display_name, credentials = self._typed()
        clinic_name = self.ws.query(get_clinic).name
        try:
            check_new_user(
                username,
                display_name,
                self.password.text(),
                credentials,
                clinic_name=clinic_name,
                password_field="temporary_password",
            )
        except ValidationError as error:
            return error.problems
        return ()


class ResetPasswordDialog(FormDialog):
    """A temporary password for someone who forgot theirs; it also unlocks the account."""

    def __init__(self, ws: Workstation, row: StaffRow, parent: QWidget | None = None) -> None:
        explanation = self.tr(
            "Give %s (%s) a temporary password. Their old password stops working, the "
            "account is unlocked, and they must choose a new password when they next sign in."
        ) % (row.display_name, row.username)
        super().__init__(
            parent, self.tr("Reset a password"), explanation, self.tr("Reset password")
        )
        self.ws, self.row = ws, row
        self.password = TemporaryPasswordField()
        self.add_field(
            "temporary_password", self.tr("Temporary password"), self.password, "password"
        )
        self.finish_form(self.password)

    def attempt(self) -> None:
        self.ws.act(staff.reset_password, self.row.id, new_password(self.password.text()))


class ChangeRoleDialog(FormDialog):
    """Another role for an account (what its holder may do from their next action on)."""

    def __init__(self, ws: Workstation, row: StaffRow, parent: QWidget | None = None) -> None:
        explanation = self.tr("Present role of %s (%s): %s.") % (
            row.display_name,
            row.username,
            role_label(row.role),
        )
        super().__init__(parent, self.tr("Change a role"), explanation, self.tr("Change role"))
        self.ws, self.row = ws, row
        self.role = role_combo(row.role)
        self.add_field("role", self.tr("New role"), self.role)
        self.finish_form(self.role)

    def attempt(self) -> None:
        role = self.role.value()
        if role is None or role is self.row.role:
            raise ValidationError.single(
                "role", self.tr("Choose a role other than the account's present one.")
            )
        self.ws.act(staff.change_role, self.row.id, role)


class DisableDialog(FormDialog):
    """'Disable this account?': the confirmation, and the action when confirmed."""

    def __init__(self, ws: Workstation, row: StaffRow, parent: QWidget | None = None) -> None:
        explanation = self.tr(
            "Disable the account of %s (%s)? They can no longer sign in. Nothing is deleted: "
            "their entries keep their name, and the account can be enabled again."
        ) % (row.display_name, row.username)
        super().__init__(parent, self.tr("Disable an account"), explanation, self.tr("Disable"))
        self.ws, self.row = ws, row
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setFocus()  # Enter alone does not disable anyone

    def attempt(self) -> None:
        self.ws.act(staff.disable, self.row.id)
