"""Editing any entry's values generically: one input per field, pre-filled, read back into a
payload of the same kind. Used by the correction dialog."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.dose import rate_mg_h, rate_mg_kg_h
from ketachart.errors import FieldProblem
from ketachart.ui.dialogs.base import FormValues
from ketachart.ui.dialogs.vitals_dialog import VitalsFields
from ketachart.ui.forms import EntryDialog
from ketachart.ui.widgets import EnumCombo, enum_label, line_edit, multiline_edit, number_text

Reader = Callable[[FormValues], Any]

# Not typed by the nurse: derived from other values, or stamped by the core.
KEPT = frozenset(
    {"dose_mg_h", "dose_mg_kg_h", "side_effect_id", "witness_user_id", "witness_name", "score_kind"}
)
LABELS = {
    "weight_kg": "Weight (kg)",
    "site": "IV site",
    "concentration_mg_ml": "Concentration (mg/mL)",
    "bag_volume_ml": "Bag volume (mL)",
    "rate_ml_h": "Pump rate (mL/h)",
    "kind": "Side effect",
    "text": "Note",
    "pump_volume_ml": "Volume infused (mL)",
    "catheter_intact": "Catheter intact",
    "site_ok": "Site OK",
    "lot": "Vial lot",
    "expiry": "Vial expiry (YYYY-MM-DD)",
    "container_ml": "Vial size (mL)",
    "drawn_mg": "Drawn (mg)",
    "administered_mg": "Administered (mg)",
    "wasted_mg": "Wasted (mg)",
    "phone": "Escort phone",
}


def label_of(name: str) -> str:
    return LABELS.get(name) or enum_label(name)


def plain_label(name: str) -> str:
    """The label without its unit, as messages name the value: 'Pump rate'."""
    return label_of(name).split(" (")[0]


def editable(payload: p.Payload) -> bool:
    """Whether every typed field of this kind of entry has an input here."""
    if isinstance(payload, p.Vitals):
        return True
    hints = typing.get_type_hints(type(payload))
    names = [f.name for f in dataclasses.fields(_dataclass(payload))]
    return all(name in KEPT or _supported(hints[name]) for name in names)


def _supported(tp: Any) -> bool:
    if tp in (Decimal, int, str, bool, date, p.Vitals, dict[str, int]):
        return True
    return isinstance(tp, type) and issubclass(tp, StrEnum)


class PayloadEditor:
    """Inputs for `payload`'s fields in `dialog`, pre-filled with its values."""

    def __init__(
        self,
        dialog: EntryDialog[object],
        payload: p.Payload,
        weight_kg: Decimal,
        concentration_mg_ml: Decimal | None,
    ) -> None:
        self.dialog = dialog
        self.original = payload
        self.weight_kg = weight_kg
        self.concentration_mg_ml = concentration_mg_ml
        self.widgets: list[QWidget] = []
        self.readers: dict[str, Reader] = {}
        if isinstance(payload, p.Vitals):
            self.readers = {"*": self._vitals_input(payload)}
            return
        hints = typing.get_type_hints(type(payload))
        for f in dataclasses.fields(_dataclass(payload)):
            if f.name not in KEPT:
                self.readers[f.name] = self._input(f.name, hints[f.name], getattr(payload, f.name))

    def payload(self) -> p.Payload:
        """The edited entry; raises ValidationError listing unreadable and implausible values."""
        values = FormValues(self.dialog)
        read = {name: reader(values) for name, reader in self.readers.items()}
        if "*" in read:
            return values.done(read["*"])
        edited = dataclasses.replace(_dataclass(self.original), **read)
        return values.done(self._with_dose(edited))

    def set_enabled(self, enabled: bool) -> None:
        for widget in self.widgets:
            widget.setEnabled(enabled)

    def _add(self, name: str, widget: QWidget) -> None:
        self.dialog.add_field(name, self.dialog.tr(label_of(name)), widget)
        self.widgets.append(widget)

    def _input(self, name: str, tp: Any, value: Any) -> Reader:
        if tp is p.Vitals:
            return self._vitals_input(value)
        if tp == dict[str, int]:
            return self._score_input(value)
        if isinstance(tp, type) and issubclass(tp, StrEnum):
            label = self.dialog.tr(label_of(name))
            combo: EnumCombo[Any] = EnumCombo(list(tp), label, current=value)
            self._add(name, combo)
            return lambda _values: combo.value()
        if tp is bool:
            box = QCheckBox(self.dialog.tr(label_of(name)))
            box.setChecked(bool(value))
            self._add(name, box)
            return lambda _values: box.isChecked()
        return self._text_input(name, tp, value)

    def _text_input(self, name: str, tp: Any, value: Any) -> Reader:
        if name == "text":
            note = multiline_edit(self.dialog.tr(label_of(name)), str(value), max_len=limits.NOTE)
            self._add(name, note)
            return lambda _values: note.toPlainText().strip()
        shown = number_text(value) if isinstance(value, Decimal) else str(value)
        # Numbers and dates are capped at a number's length; other texts at the longest any
        # payload text may be (the payload's own check names the field's limit as it is typed).
        widest = limits.NUMBER if tp in (Decimal, int, date) else limits.NOTE
        edit = line_edit(self.dialog.tr(label_of(name)), shown, max_len=widest)
        self._add(name, edit)
        if tp is Decimal:
            return lambda values: values.decimal(name, plain_label(name))
        if tp is int:
            return lambda values: values.integer(name, plain_label(name))
        if tp is date:
            return lambda values: _read_date(values, edit, name)
        return lambda _values: edit.text().strip()

    def _vitals_input(self, vitals: p.Vitals) -> Reader:
        fields = VitalsFields(self.dialog)
        for name, edit in fields.edits.items():
            value = getattr(vitals, name)
            edit.setText("" if value is None else str(value))
            self.widgets.append(edit)
        # the acknowledgement stays with the reading; new alerts the gate asks about anew
        return lambda values: dataclasses.replace(
            values.vitals(), acknowledgement=vitals.acknowledgement
        )

    def _score_input(self, items: dict[str, int]) -> Reader:
        names = []
        for key, points in items.items():
            name = f"score.{key}"
            edit = line_edit(self.dialog.tr(enum_label(key)), str(points), max_len=limits.NUMBER)
            self.dialog.add_field(name, self.dialog.tr("Score: %s (0-2)") % enum_label(key), edit)
            self.widgets.append(edit)
            names.append((key, name))
        return lambda values: {key: values.integer(name, enum_label(key)) for key, name in names}

    def _with_dose(self, payload: p.Payload) -> p.Payload:
        """A rate entry's mg/h and mg/kg/h follow its (corrected) rate."""
        if isinstance(payload, p.InfusionStart):
            concentration: Decimal | None = payload.concentration_mg_ml
        elif isinstance(payload, p.RateChange):
            concentration = self.concentration_mg_ml
        else:
            return payload
        rate = payload.rate_ml_h
        if concentration is None or concentration <= 0 or rate <= 0 or self.weight_kg <= 0:
            return payload
        return dataclasses.replace(
            payload,
            dose_mg_h=rate_mg_h(rate, concentration),
            dose_mg_kg_h=rate_mg_kg_h(rate, concentration, self.weight_kg),
        )


def _dataclass(payload: p.Payload) -> Any:
    """Payload types are all dataclasses; the base class does not say so to the type checker."""
    plain: Any = payload
    return plain


def _read_date(values: FormValues, edit: QLineEdit, name: str) -> date:
    try:
        return date.fromisoformat(edit.text().strip())
    except ValueError:
        message = f"{plain_label(name)} must be a date like 2027-06-30."
        values.problems.append(FieldProblem(name, message))
        return date.min
