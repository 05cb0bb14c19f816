"""IV start (site, gauge, attempts) and IV removed (catheter intact, site OK)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QWidget

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord
from ketachart.domain.vocab import IV_GAUGES
from ketachart.ui.dialogs.base import SessionDialog
from ketachart.ui.forms import Submission
from ketachart.ui.widgets import ChoiceCombo, editable_combo
from ketachart.ui.workstation import Workstation

COMMON_SITES = (
    "Left forearm",
    "Right forearm",
    "Left antecubital",
    "Right antecubital",
    "Left hand (dorsal)",
    "Right hand (dorsal)",
    "Left wrist",
    "Right wrist",
)
DEFAULT_GAUGE = 22


class IvStartDialog(SessionDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "IV start", parent)
        self.site = editable_combo(COMMON_SITES, self.tr("IV site"), max_len=limits.LABEL)
        self.site.setPlaceholderText(self.tr("Choose or type the site"))
        line = self.site.lineEdit()
        if line is not None:
            line.setPlaceholderText(self.tr("Choose or type the site"))
        self.add_field("site", self.tr("IV site"), self.site)
        self.gauge = ChoiceCombo([(f"{g} G", g) for g in IV_GAUGES], self.tr("Catheter gauge"))
        self.gauge.set_value(DEFAULT_GAUGE)
        self.add_field("gauge", self.tr("Gauge"), self.gauge)
        self.attempts = self.text_field("attempts", "Attempts", "1", max_len=limits.NUMBER)
        self.site.editTextChanged.connect(lambda _text: self._on_site_edited())
        self.finish_form(self.site)

    def _on_site_edited(self) -> None:
        self._touched.add("site")
        self.validate_live()

    def build(self) -> p.Payload:
        values = self.values()
        gauge = self.gauge.value()
        assert isinstance(gauge, int)
        payload = p.IvStart(
            site=self.site.currentText().strip(),
            gauge=gauge,
            attempts=values.integer("attempts", "Attempts"),
        )
        return values.done(payload)

    def submit(self, submission: Submission) -> EventRecord:
        return self.chart_submission(submission)


class IvRemovedDialog(SessionDialog):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, session_id, "IV removed", parent)
        self.catheter_intact = self._checkbox("catheter_intact", "Catheter", "Catheter intact")
        self.site_ok = self._checkbox("site_ok", "Site", "Site OK (no swelling, bleeding, redness)")
        self.note = self.text_field(
            "note", "Note (required if not intact or site not OK)", max_len=limits.REASON
        )
        self.finish_form(self.catheter_intact)

    def _checkbox(self, name: str, label: str, text: str) -> QCheckBox:
        box = QCheckBox(self.tr(text))
        box.setChecked(True)
        box.setAccessibleName(self.tr(text))
        self.add_field(name, self.tr(label), box)
        box.toggled.connect(self._on_box_toggled)
        return box

    def _on_box_toggled(self, _checked: bool) -> None:
        self._touched.add("note")  # the note becomes required: say so now, not at Save
        self.validate_live()

    def build(self) -> p.Payload:
        return p.IvRemoved(
            catheter_intact=self.catheter_intact.isChecked(),
            site_ok=self.site_ok.isChecked(),
            note=self.note.text().strip(),
        )

    def submit(self, submission: Submission) -> EventRecord:
        return self.chart_submission(submission)
