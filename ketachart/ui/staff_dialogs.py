"""The administrator's account dialogs: add a staff member, reset a password, change a role,
disable or enable an account. Each OK is one action (one transaction, audited by the service);
a refusal keeps the dialog open with what was typed and the reason next to its field.

Each of these changes is certified by the clinic key (services.keys), so each dialog asks for
the clinic key passphrase (ui.clinic_key): a wrong one is said on its field, the rest of what
was typed stays. A clinic with no clinic key yet (upgraded from before the keys) is not asked."""

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

from ketachart.domain import limits
from ketachart.domain.passwords import password_problems
from ketachart.domain.vocab import Role
from ketachart.errors import FieldProblem, ValidationError
from ketachart.services import staff
from ketachart.services.clinic_info import get_clinic
from ketachart.services.keys import UnlockedClinicKey
from ketachart.services.staff import StaffRow
from ketachart.services.users import check_new_user, new_password
from ketachart.ui.clinic_key import (
    FIELD,
    NO_PASSPHRASE,
    PASSPHRASE_LABEL,
    ClinicPassphraseField,
    busy_cursor,
    clinic_has_key,
    open_clinic_key,
)
from ketachart.ui.form_dialog import FormDialog
from ketachart.ui.widgets import EnumCombo, line_edit, plain_label, set_form_tab_order
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
        self.edit = line_edit(self.tr("Temporary password"), max_len=limits.PASSWORD)
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


class CertifiedChangeDialog(FormDialog):
    """A change to an account that the clinic key certifies: the last field asks for the
    clinic key passphrase. OK checks the other fields first (quick), then opens the key
    (slow, no transaction open), then makes the change with it (`change`)."""

    ws: Workstation

    def add_passphrase_field(self) -> None:
        """Call after the dialog's own fields (none for a clinic without a clinic key)."""
        self.passphrase = ClinicPassphraseField()
        self.keyed = clinic_has_key(self.ws)
        if self.keyed:
            self.add_field(FIELD, self.tr(PASSPHRASE_LABEL), self.passphrase)

    def problems_before_key(self) -> tuple[FieldProblem, ...]:
        """What is wrong with the other fields, found before the slow opening of the key."""
        return ()

    def change(self, clinic_key: UnlockedClinicKey | None) -> None:
        """The change itself, as one action through the workstation."""
        raise NotImplementedError

    def attempt(self) -> None:
        problems = list(self.problems_before_key())
        typed = self.passphrase.text()
        if self.keyed and not typed:
            problems.append(FieldProblem(FIELD, self.tr(NO_PASSPHRASE)))
        if problems:
            raise ValidationError(problems)
        self.change(self._opened_key(typed) if self.keyed else None)

    def _opened_key(self, typed: str) -> UnlockedClinicKey:
        try:
            return open_clinic_key(self.ws, typed)
        except ValidationError:
            self.passphrase.edit.clear()  # typed again, as a wrong password is
            raise


class AddStaffDialog(CertifiedChangeDialog):
    """A new account: user name, full name, credentials, role and a temporary password."""

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent, self.tr("Add a staff member"), ok_text=self.tr("Add"))
        self.ws = ws
        self.result_value: StaffRow | None = None
        self.username: QLineEdit = line_edit(
            self.tr("User name"), placeholder="e.g. jsmith", max_len=limits.USERNAME
        )
        self.display_name: QLineEdit = line_edit(self.tr("Full name"), max_len=limits.PERSON_NAME)
        self.credentials: QLineEdit = line_edit(
            self.tr("Credentials"),
            placeholder=self.tr("e.g. RN, MD (may be empty)"),
            max_len=limits.CODE,
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
        self.add_passphrase_field()
        self.finish_form(self.username)

    def problems_before_key(self) -> tuple[FieldProblem, ...]:
        """Every problem of the other fields at once (the service checks them again)."""
        if self.role.value() is None:
            return (*self._other_problems(), self._no_role())
        return self._other_problems()

    def change(self, clinic_key: UnlockedClinicKey | None) -> None:
        role = self.role.value()
        assert role is not None  # problems_before_key
        with busy_cursor():
            password = new_password(self.password.text())
        self.result_value = self.ws.act(
            staff.add_staff, *self._typed(), role, password, clinic_key=clinic_key
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
        """The service's own checks of the typed fields, so that every problem shows at once
        (and before the slow opening of the clinic key)."""
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


class ResetPasswordDialog(CertifiedChangeDialog):
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
        self.add_passphrase_field()
        self.finish_form(self.password)

    def problems_before_key(self) -> tuple[FieldProblem, ...]:
        """The password policy the service applies, checked before the clinic key opens."""
        problems = password_problems(
            self.password.text(),
            username=self.row.username,
            display_name=self.row.display_name,
            clinic_name=self.ws.query(get_clinic).name,
        )
        return (FieldProblem("temporary_password", " ".join(problems)),) if problems else ()

    def change(self, clinic_key: UnlockedClinicKey | None) -> None:
        with busy_cursor():
            password = new_password(self.password.text())
        self.ws.act(staff.reset_password, self.row.id, password, clinic_key=clinic_key)


class ChangeRoleDialog(CertifiedChangeDialog):
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
        self.add_passphrase_field()
        self.finish_form(self.role)

    def problems_before_key(self) -> tuple[FieldProblem, ...]:
        role = self.role.value()
        if role is None or role is self.row.role:
            message = self.tr("Choose a role other than the account's present one.")
            return (FieldProblem("role", message),)
        return ()

    def change(self, clinic_key: UnlockedClinicKey | None) -> None:
        role = self.role.value()
        assert role is not None  # problems_before_key
        self.ws.act(staff.change_role, self.row.id, role, clinic_key=clinic_key)


class DisableDialog(CertifiedChangeDialog):
    """'Disable this account?': the confirmation, and the action when confirmed."""

    def __init__(self, ws: Workstation, row: StaffRow, parent: QWidget | None = None) -> None:
        explanation = self.tr(
            "Disable the account of %s (%s)? They can no longer sign in. Nothing is deleted: "
            "their entries keep their name, and the account can be enabled again."
        ) % (row.display_name, row.username)
        super().__init__(parent, self.tr("Disable an account"), explanation, self.tr("Disable"))
        self.ws, self.row = ws, row
        self.add_passphrase_field()
        set_form_tab_order(self, self.buttons)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if self.keyed:
            self.passphrase.setFocus()  # Enter with nothing typed disables no one
        elif cancel is not None:
            cancel.setFocus()  # Enter alone does not disable anyone

    def change(self, clinic_key: UnlockedClinicKey | None) -> None:
        self.ws.act(staff.disable, self.row.id, clinic_key=clinic_key)


class EnableDialog(CertifiedChangeDialog):
    """A disabled account may sign in again: the clinic key certifies that too, so enabling
    asks for its passphrase (and says what it does)."""

    def __init__(self, ws: Workstation, row: StaffRow, parent: QWidget | None = None) -> None:
        explanation = self.tr(
            "Enable the account of %s (%s)? They can sign in again with their password."
        ) % (row.display_name, row.username)
        super().__init__(parent, self.tr("Enable an account"), explanation, self.tr("Enable"))
        self.ws, self.row = ws, row
        self.add_passphrase_field()
        self.finish_form(self.passphrase if self.keyed else self.ok_button)

    def change(self, clinic_key: UnlockedClinicKey | None) -> None:
        self.ws.act(staff.enable, self.row.id, clinic_key=clinic_key)
