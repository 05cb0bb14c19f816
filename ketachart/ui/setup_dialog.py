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

from ketachart.errors import KetachartError, ValidationError
from ketachart.services import clinic
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
        """The whole setup is one action: nothing of it is kept if any part is refused."""
        self.ws.run(
            clinic.set_up_clinic,
            clinic.FirstRun(
                clinic.ClinicInfo(self.value("clinic_name"), self.address.toPlainText().strip()),
                self._account("admin"),
                self._account("physician"),
            ),
        )

    def _account(self, prefix: str) -> clinic.NewAccount:
        credentials = self.value("physician_credentials") if prefix == "physician" else ""
        return clinic.NewAccount(
            self.value(f"{prefix}_username"),
            self.value(f"{prefix}_name"),
            credentials,
            self.edits[f"{prefix}_password"].text(),
        )
