"""Whose chart a dialog writes into: one strip for every entry dialog and for the prompts
they open (the abnormal-vitals acknowledgement), so a nurse never answers for the wrong
patient."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QWidget

from ketachart.services.patients import PatientRow
from ketachart.services.sessions import SessionView
from ketachart.ui.widgets import ElidedLabel, plain_label


class IdentityStrip(QFrame):
    """Whose chart an entry goes into: the name (cut with "…" when long, whole in the
    tooltip), date of birth and the full MRN, which is never cut."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("identityStrip")
        # The chart banner's colours: reads as "whose chart" rather than as a form field.
        self.setStyleSheet(
            "QFrame#identityStrip { background: #eef3f8; border-bottom: 1px solid #9aa9b8; }"
        )
        self.name = ElidedLabel("identityName")
        bold = self.name.font()
        bold.setBold(True)
        self.name.setFont(bold)
        self.born = plain_label(name="identityBorn")
        self.mrn = plain_label(name="identityMrn")
        self.mrn.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 4)
        row.addWidget(self.name, 1)
        row.addWidget(self.born)
        row.addWidget(self.mrn)
        self.hide()

    def show_patient(self, patient: PatientRow) -> None:
        self.name.set_full_text(patient.display_name)
        self.name.setAccessibleName(patient.display_name)
        self.born.setText(self.tr("DOB %s") % patient.date_of_birth.isoformat())
        self.mrn.setText(self.tr("MRN %s") % patient.mrn)
        self.show()


def chart_patient(widget: QWidget | None) -> PatientRow | None:
    """The patient of the chart a dialog is opened from (its parent, or the parent's
    parent...): the chart's rows are already read, so no query is needed."""
    while widget is not None:
        view = getattr(widget, "view", None)
        if isinstance(view, SessionView):
            return view.patient
        widget = widget.parentWidget()
    return None
