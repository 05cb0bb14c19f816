"""Vitals: type '120/80 72 16 98' in the quick line and press Enter, or fill each field."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QLineEdit, QWidget

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.events import EventRecord
from ketachart.services.charting import chart
from ketachart.ui.forms import EntryDialog, Submission, parse_decimal, parse_int
from ketachart.ui.widgets import insert_row, line_edit
from ketachart.ui.workstation import Workstation

QUICK_ORDER = ("systolic", "diastolic", "heart_rate", "resp_rate", "spo2", "moaas", "pain")
LABELS = {
    "systolic": "Systolic BP (mmHg)",
    "diastolic": "Diastolic BP (mmHg)",
    "heart_rate": "Heart rate (/min)",
    "resp_rate": "Respiratory rate (/min)",
    "spo2": "SpO2 (%)",
    "temperature_c": "Temperature (°C, optional)",
    "moaas": "MOAA/S 0-5 (optional)",
    "pain": "Pain 0-10 (optional)",
    "cadss6": "CADSS-6 0-24 (optional)",
}
REQUIRED = ("systolic", "diastolic", "heart_rate", "resp_rate", "spo2")


def split_quick_entry(text: str) -> list[str]:
    """'120/80 72 16 98 4' -> ['120', '80', '72', '16', '98', '4']."""
    return [part for part in re.split(r"[\s/]+", text.strip()) if part]


class VitalsFields:
    """The vitals inputs, shared by the vitals and recovery-check dialogs."""

    def __init__(self, dialog: EntryDialog[object]) -> None:
        self.edits: dict[str, QLineEdit] = {}
        for name, label in LABELS.items():
            edit = line_edit(label, max_len=limits.NUMBER)
            self.edits[name] = edit
            dialog.add_field(name, dialog.tr(label), edit)

    def fill(self, values: list[str]) -> None:
        for name, value in zip(QUICK_ORDER, values, strict=False):
            self.edits[name].setText(value)

    def vitals(self) -> p.Vitals:
        ints = {
            name: parse_int(
                self.edits[name].text(),
                name,
                LABELS[name].split(" (")[0],
                required=name in REQUIRED,
            )
            for name in (
                "systolic",
                "diastolic",
                "heart_rate",
                "resp_rate",
                "spo2",
                "moaas",
                "pain",
                "cadss6",
            )
        }
        temperature = parse_decimal(
            self.edits["temperature_c"].text(), "temperature_c", "Temperature", required=False
        )
        return p.Vitals(
            systolic=ints["systolic"] or 0,
            diastolic=ints["diastolic"] or 0,
            heart_rate=ints["heart_rate"] or 0,
            resp_rate=ints["resp_rate"] or 0,
            spo2=ints["spo2"] or 0,
            temperature_c=temperature,
            moaas=ints["moaas"],
            pain=ints["pain"],
            cadss6=ints["cadss6"],
        )


class VitalsDialog(EntryDialog[EventRecord]):
    def __init__(self, ws: Workstation, session_id: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, "Vitals", parent)
        self.session_id = session_id
        self.quick = line_edit(
            "Quick entry", placeholder="120/80 72 16 98 [MOAA/S] [pain]", max_len=limits.QUICK_ENTRY
        )
        insert_row(self.form, 0, self.tr("Quick entry"), self.quick)
        self.fields = VitalsFields(self)
        self.quick.textChanged.connect(self._on_quick_text_changed)
        self.quick.setFocus()

    def _on_quick_text_changed(self, text: str) -> None:
        self.fields.fill(split_quick_entry(text))

    def build(self) -> p.Payload:
        return self.fields.vitals()

    def submit(self, submission: Submission) -> EventRecord:
        return self.ws.act(
            chart, self.session_id, submission.payload, occurred_at=submission.occurred_at
        )
