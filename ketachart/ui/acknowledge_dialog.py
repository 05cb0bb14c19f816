"""Abnormal vitals on save: the nurse acknowledges the alerts the reading raises and says what
was done. The answer is saved inside the same entry (the write gate refuses the reading
without it), so this prompt only asks; it writes nothing itself."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QVBoxLayout,
    QWidget,
)

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.checks import Checks
from ketachart.domain.codes import ClinicalCode
from ketachart.domain.vocab import ALERT_RESPONSE_LABELS, AlertResponse
from ketachart.errors import AcknowledgementRequired, ValidationError
from ketachart.services.patients import PatientRow
from ketachart.ui.identity_strip import IdentityStrip
from ketachart.ui.widgets import add_save_shortcut, grow_to_fit, line_edit, named_label, plain_label

MIN_WIDTH = 640


class AcknowledgeDialog(QDialog):
    """The alerts in words, a choice of responses (several may apply), and a detail line
    (needed for "Other"). Opened with open(): it never blocks the workstation."""

    def __init__(
        self,
        parent: QWidget | None,
        needed: AcknowledgementRequired,
        patient: PatientRow | None = None,
    ) -> None:
        super().__init__(parent)
        self.needed = needed
        self.answer: p.AlertAcknowledgement | None = None
        self.setWindowTitle(self.tr("Abnormal vitals: acknowledge"))
        self.setMinimumWidth(MIN_WIDTH)
        layout = QVBoxLayout(self)
        self.identity = IdentityStrip()  # whose vitals these are: it covers the entry dialog
        layout.addWidget(self.identity)
        if patient is not None:
            self.identity.show_patient(patient)
        layout.addWidget(
            plain_label(
                self.tr("These vitals raise alerts. Acknowledge them and record what was done:"),
                wrap=True,
            )
        )
        self.alert_labels = [named_label("alertBanner", text) for text in needed.alerts]
        for label in self.alert_labels:
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addWidget(self._responses_box())
        self.detail = line_edit(
            self.tr("Response detail"),
            placeholder=self.tr("Detail (required for Other)"),
            max_len=limits.REASON,
        )
        layout.addWidget(self.detail)
        self.message = named_label("formMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(self.tr("Acknowledge and save"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        add_save_shortcut(self)

    def _responses_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Response taken"))
        grid = QGridLayout(box)
        self.responses: dict[AlertResponse, QCheckBox] = {}
        for index, response in enumerate(AlertResponse):
            check = QCheckBox(self.tr(ALERT_RESPONSE_LABELS[response]))
            self.responses[response] = check
            grid.addWidget(check, index // 2, index % 2)
        first = self.responses[AlertResponse.STIMULATED]
        first.setFocus(Qt.FocusReason.OtherFocusReason)
        return box

    def chosen(self) -> tuple[AlertResponse, ...]:
        return tuple(r for r, check in self.responses.items() if check.isChecked())

    def acknowledgement(self) -> p.AlertAcknowledgement:
        """What the form says, validated; raises ValidationError naming what is missing."""
        ack = p.AlertAcknowledgement(
            codes=tuple(ClinicalCode(c) for c in self.needed.codes),
            responses=self.chosen(),
            detail=self.detail.text().strip(),
        )
        checks = Checks()
        ack.check(checks)
        checks.done()
        return ack

    def accept(self) -> None:
        try:
            self.answer = self.acknowledgement()
        except ValidationError as error:
            self.message.setText(error.message)
            self.message.show()
            grow_to_fit(self)
            return
        super().accept()
