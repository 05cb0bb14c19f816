"""Collecting validation problems, so a form can show every wrong field at once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ketachart.errors import FieldProblem, ValidationError

MAX_TEXT = 4000
Number = int | Decimal


class Checks:
    """Accumulates field problems; `done()` raises them together."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append(FieldProblem(field, message))

    def in_range(
        self, field: str, label: str, value: Number | None, low: Number, high: Number, unit: str
    ) -> None:
        """A required number inside [low, high]."""
        if value is None:
            self.fail(field, f"{label} is required ({low}-{high} {unit}).")
        elif isinstance(value, Decimal) and not value.is_finite():
            self.fail(field, f"{label} must be a number ({low}-{high} {unit}).")
        elif not low <= value <= high:
            self.fail(
                field, f"{label} {value} {unit} is not plausible: allowed {low}-{high} {unit}."
            )

    def optional_range(
        self, field: str, label: str, value: Number | None, low: Number, high: Number, unit: str
    ) -> None:
        if value is not None:
            self.in_range(field, label, value, low, high, unit)

    def decimal_places(self, field: str, label: str, value: Decimal | None, places: int) -> None:
        if value is None or not value.is_finite():
            return
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.fail(field, f"{label} allows at most {places} decimal places.")

    def text(
        self, field: str, label: str, value: str, *, required: bool = False, max_len: int = MAX_TEXT
    ) -> None:
        if required and not value.strip():
            self.fail(field, f"{label} is required.")
        if len(value) > max_len:
            self.fail(field, f"{label} is too long ({len(value)} characters, at most {max_len}).")
        if "\x00" in value:
            self.fail(field, f"{label} contains a control character.")
        if any("\ud800" <= c <= "\udfff" for c in value):
            # a lone surrogate cannot be encoded as UTF-8: hashing and storing would fail
            self.fail(field, f"{label} contains an invalid character.")

    def not_after(self, field: str, label: str, value: date, limit: date) -> None:
        if value > limit:
            self.fail(field, f"{label} cannot be in the future.")

    def done(self) -> None:
        if self.problems:
            raise ValidationError(self.problems)
