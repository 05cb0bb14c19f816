"""First run: the clinic's name and address, the first admin, the first physician and the
clinic key's passphrase.

Every problem is shown next to its field, saying which account it is about ("Administrator:
...", "Confirm password: does not match"), before anything is written. Cancel leaves the
database as it was and quits the first run.

The clinic key (services.keys) is made from the passphrase before the setup's transaction
(slow: the busy cursor shows), this workstation records it, and the window then shows its
fingerprint for the administrator to write down.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import limits
from ketachart.domain.passwords import MIN_PASSWORD_LENGTH
from ketachart.errors import KetachartError, ValidationError
from ketachart.services import clinic, keys, users
from ketachart.ui.clinic_key import busy_cursor, record_clinic_key_quietly
from ketachart.ui.widgets import (
    FormScrollArea,
    ScreenFittedDialog,
    add_field_row,
    line_edit,
    multiline_edit,
    named_label,
    plain_label,
    secret_edit,
)
from ketachart.ui.workstation import Workstation

ACCOUNTS = (("admin", "Administrator"), ("physician", "Physician"))
# The services' field names for an account, and the setup window's field for each.
ACCOUNT_FIELDS = {"username": "username", "display_name": "name", "password": "password"}
ADDRESS_LINES = 3
SETUP_LIMITS = {
    "clinic_name": limits.CLINIC_NAME,
    **{f"{prefix}_username": limits.USERNAME for prefix, _title in ACCOUNTS},
    **{f"{prefix}_name": limits.PERSON_NAME for prefix, _title in ACCOUNTS},
    "physician_credentials": limits.CODE,
}
"""The longest each one-line field may hold: the limits the services check."""
KEY_EXPLANATION = (
    "The administrator keeps this passphrase and types it to add or change accounts; it "
    "cannot be recovered, so write it down and keep it somewhere safe."
)
FINGERPRINT_NOTE = (
    "Write the fingerprint down with the passphrase. The staff screen shows it and every PDF "
    "prints it: if it ever differs, the clinic key was replaced."
)


class SetupDialog(ScreenFittedDialog):
    """First run: the clinic's name and address, the first admin and the first physician."""

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle(self.tr("Set up ketachart for your clinic"))
        self.setMinimumWidth(640)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        content = QWidget()
        self.form = QFormLayout(content)
        self._add_clinic_fields()
        for prefix, title in ACCOUNTS:
            self._add_account_fields(prefix, self.tr(title))
        self._add_key_fields()
        self.form_area = FormScrollArea(content)
        layout.addWidget(self.form_area, 1)
        self.done_panel = self._done_panel()
        self.done_panel.hide()
        layout.addWidget(self.done_panel, 1)
        self.message = named_label("formMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _add_clinic_fields(self) -> None:
        self._add_row("clinic_name", self.tr("Clinic name"), self._edit("clinic_name"))
        self.address = multiline_edit(self.tr("Clinic address"), max_len=limits.ADDRESS)
        self.address.setMinimumHeight(0)
        lines = self.address.fontMetrics().lineSpacing() * ADDRESS_LINES
        self.address.setFixedHeight(lines + 16)
        self._add_row("clinic_address", self.tr("Clinic address"), self.address)

    def _add_account_fields(self, prefix: str, title: str) -> None:
        self.form.addRow(bold_label(title))
        self._add_row(f"{prefix}_username", self.tr("User name"), self._edit(f"{prefix}_username"))
        self._add_row(f"{prefix}_name", self.tr("Full name"), self._edit(f"{prefix}_name"))
        if prefix == "physician":
            credentials = self._edit("physician_credentials")
            self._add_row("physician_credentials", self.tr("Credentials (e.g. MD)"), credentials)
        password = self._edit(f"{prefix}_password", secret=True)
        label = self.tr("Password (%d+ characters)") % MIN_PASSWORD_LENGTH
        self._add_row(f"{prefix}_password", label, password)
        confirm = self._edit(f"{prefix}_confirm", secret=True)
        self._add_row(f"{prefix}_confirm", self.tr("Confirm password"), confirm)

    def _add_key_fields(self) -> None:
        self.form.addRow(bold_label(self.tr("Clinic key")))
        self.form.addRow(plain_label(self.tr(KEY_EXPLANATION), wrap=True))
        label = self.tr("Clinic key passphrase (%d+ characters)") % keys.MIN_PASSPHRASE
        self._add_row("clinic_passphrase", label, self._edit("clinic_passphrase", secret=True))
        repeat = self._edit("clinic_passphrase_confirm", secret=True)
        self._add_row("clinic_passphrase_confirm", self.tr("Repeat the passphrase"), repeat)

    def _done_panel(self) -> QWidget:
        """What the window shows once the clinic is set up: the clinic key's fingerprint."""
        panel = QWidget()
        box = QVBoxLayout(panel)
        box.addWidget(bold_label(self.tr("The clinic is set up.")))
        box.addWidget(plain_label(self.tr("Clinic key fingerprint:")))
        self.fingerprint = plain_label()
        self.fingerprint.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.fingerprint)
        box.addWidget(plain_label(self.tr(FINGERPRINT_NOTE), wrap=True))
        box.addStretch(1)
        return panel

    def _add_row(self, name: str, label: str, widget: QWidget) -> None:
        """A field with its own error line under it."""
        self.errors[name] = add_field_row(self.form, label, widget)

    def _edit(self, name: str, *, secret: bool = False) -> QLineEdit:
        edit = secret_edit(name) if secret else line_edit(name, max_len=SETUP_LIMITS[name])
        self.edits[name] = edit
        return edit

    def value(self, name: str) -> str:
        return self.edits[name].text().strip()

    @property
    def set_up(self) -> bool:
        """The clinic was created: the window shows the fingerprint, and closes either way."""
        return self.done_panel.isVisibleTo(self)

    def accept(self) -> None:
        if self.set_up:
            super().accept()
            return
        problems = self.problems()
        self._show_problems(problems)
        if problems:
            return
        try:
            self._create_clinic()
        except ValidationError as error:
            self.message.setText(" ".join(p.message for p in error.problems))
            return
        except KetachartError as error:
            self.message.setText(error.message)
            return
        self.show_fingerprint()

    def reject(self) -> None:
        """Once the clinic exists, closing the window goes on to the sign-in, as OK does."""
        if self.set_up:
            super().accept()
        else:
            super().reject()

    def show_fingerprint(self) -> None:
        """The clinic is set up: the clinic key's fingerprint for the administrator to write
        down, and one button on to the sign-in."""
        self.fingerprint.setText(self.ws.query(keys.clinic_fingerprint) or "")
        self.form_area.hide()
        self.done_panel.show()
        self.message.setText("")
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Ok)  # nothing to cancel
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(self.tr("Continue to sign in"))
            ok.setFocus()

    def problems(self) -> dict[str, str]:
        """Each field's problem (field name -> message saying which field it is about)."""
        found: dict[str, str] = {}
        try:
            clinic.check_clinic_info(self._clinic_info())
        except ValidationError as error:
            for problem in error.problems:
                found.setdefault(f"clinic_{problem.field}", problem.message)
        for prefix, title in ACCOUNTS:
            found |= self._account_problems(prefix, self.tr(title))
        found |= self._key_problems()
        admin, physician = self.value("admin_username"), self.value("physician_username")
        if admin and admin == physician and "physician_username" not in found:
            found["physician_username"] = self.tr(
                "Physician: the user name must differ from the administrator's."
            )
        return found

    def _account_problems(self, prefix: str, title: str) -> dict[str, str]:
        found: dict[str, str] = {}
        password = self.edits[f"{prefix}_password"].text()
        try:
            users.check_new_user(
                self.value(f"{prefix}_username"),
                self.value(f"{prefix}_name"),
                password,
                clinic_name=self.value("clinic_name"),
            )
        except ValidationError as error:
            for problem in error.problems:
                field = f"{prefix}_{ACCOUNT_FIELDS.get(problem.field, problem.field)}"
                found.setdefault(field, f"{title}: {problem.message}")
        if password and self.edits[f"{prefix}_confirm"].text() != password:
            found[f"{prefix}_confirm"] = self.tr(
                "%s: Confirm password does not match the password above."
            ) % (title)
        return found

    def _key_problems(self) -> dict[str, str]:
        passphrase = self.edits["clinic_passphrase"].text()
        problem = keys.check_passphrase(passphrase)
        if problem is not None:
            return {"clinic_passphrase": problem}
        if self.edits["clinic_passphrase_confirm"].text() != passphrase:
            return {
                "clinic_passphrase_confirm": self.tr(
                    "Repeat the passphrase: it does not match the passphrase above."
                )
            }
        return {}

    def _show_problems(self, problems: dict[str, str]) -> None:
        """Each problem under its field; the first one also above the buttons, with focus
        on its field."""
        for name, label in self.errors.items():
            label.setText(problems.get(name, ""))
            label.setVisible(name in problems)
        ordered = [name for name in self.errors if name in problems]
        if not ordered:
            self.message.setText("")
            return
        text = self.tr("Nothing was saved. %s") % problems[ordered[0]]
        if len(ordered) > 1:
            text += " " + self.tr("(%d more problems are shown next to their fields.)") % (
                len(ordered) - 1
            )
        self.message.setText(text)
        first: QWidget = self.edits.get(ordered[0]) or self.address
        first.setFocus()
        self.form_area.reveal(first.parentWidget() or first)  # with its error line under it

    def _clinic_info(self) -> clinic.ClinicInfo:
        return clinic.ClinicInfo(self.value("clinic_name"), self.address.toPlainText().strip())

    def _create_clinic(self) -> None:
        """The whole setup is one action: nothing of it is kept if any part is refused. The
        clinic key is made first, with no transaction open; this workstation records it."""
        with busy_cursor():
            clinic_key = keys.new_clinic_key(self.edits["clinic_passphrase"].text())
            self.ws.run(
                clinic.set_up_clinic,
                clinic.FirstRun(
                    self._clinic_info(),
                    self._account("admin"),
                    self._account("physician"),
                    clinic_key,
                ),
            )
        record_clinic_key_quietly(self.ws.db)

    def _account(self, prefix: str) -> clinic.NewAccount:
        credentials = self.value("physician_credentials") if prefix == "physician" else ""
        return clinic.NewAccount(
            self.value(f"{prefix}_username"),
            self.value(f"{prefix}_name"),
            credentials,
            self.edits[f"{prefix}_password"].text(),
        )


def bold_label(text: str) -> QLabel:
    heading = plain_label(text)
    bold = heading.font()
    bold.setBold(True)
    heading.setFont(bold)
    return heading
