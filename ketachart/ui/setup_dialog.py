"""First run: the clinic's name and address, the first admin and the first physician."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain.vocab import Role
from ketachart.errors import KetachartError, ValidationError
from ketachart.services import clinic, protocols, users
from ketachart.ui.login import password_edit
from ketachart.ui.widgets import add_row, named_label, plain_label
from ketachart.ui.workstation import Workstation


class SetupDialog(QDialog):
    """First run: the clinic's name and address, the first admin and the first physician."""

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle(self.tr("Set up ketachart for your clinic"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        self.address = QPlainTextEdit()
        self.address.setFixedHeight(80)
        add_row(form, self.tr("Clinic name"), self._edit("clinic_name"))
        add_row(form, self.tr("Clinic address"), self.address)
        for prefix, label in (("admin", "Administrator"), ("physician", "Physician")):
            heading = plain_label(self.tr(label))
            bold = heading.font()
            bold.setBold(True)
            heading.setFont(bold)
            form.addRow(heading)
            add_row(form, self.tr("User name"), self._edit(f"{prefix}_username"))
            add_row(form, self.tr("Full name"), self._edit(f"{prefix}_name"))
            if prefix == "physician":
                add_row(form, self.tr("Credentials (e.g. MD)"), self._edit("physician_credentials"))
            add_row(
                form,
                self.tr("Password (8+ characters)"),
                self._edit(f"{prefix}_password", secret=True),
            )
        layout.addLayout(form)
        self.message = named_label("formMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def _edit(self, name: str, *, secret: bool = False) -> QLineEdit:
        edit = password_edit() if secret else QLineEdit()
        edit.setAccessibleName(name)
        self.edits[name] = edit
        return edit

    def value(self, name: str) -> str:
        return self.edits[name].text().strip()

    def accept(self) -> None:
        try:
            self._create_clinic()
        except ValidationError as error:
            self.message.setText(" ".join(p.message for p in error.problems))
            return
        except KetachartError as error:
            self.message.setText(error.message)
            return
        super().accept()

    def _create_clinic(self) -> None:
        with self.ws.db.transaction() as tx:
            clinic.set_clinic(
                tx,
                None,
                clinic.ClinicInfo(self.value("clinic_name"), self.address.toPlainText().strip()),
            )
            admin = users.create_user(
                tx,
                None,
                self.value("admin_username"),
                self.value("admin_name"),
                "",
                Role.ADMIN,
                self.edits["admin_password"].text(),
            )
            users.create_user(
                tx,
                admin,
                self.value("physician_username"),
                self.value("physician_name"),
                self.value("physician_credentials"),
                Role.PHYSICIAN,
                self.edits["physician_password"].text(),
            )
            protocols.install_example_protocols(tx)
