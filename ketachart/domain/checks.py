"""Collecting validation problems, so a form can show every wrong field at once."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

from ketachart.domain import limits
from ketachart.errors import FieldProblem, ValidationError

Number = int | Decimal
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})
"""Control, format (zero-width, bidi overrides), private-use, surrogate and line/paragraph
separator characters: invisible or look-alike in a name, an MRN or a note."""
MULTILINE_ALLOWED = frozenset("\n\t")
"""What a multi-line free-text field may hold of those: an ordinary new line and tab."""
JOINERS = frozenset("\u200c\u200d")
"""Zero-width non-joiner and joiner: part of the spelling of Persian, Kurdish and some Indic
names when they stand between two letters (the contextual rule IDNA uses); refused elsewhere."""


def nfc(text: str, max_len: int | None = None) -> str:
    """The composed (NFC) form of typed text, so that 'é' typed as one character or as 'e'
    and a combining accent is the same name, and finds the same patient. Given the field's
    `max_len`, a longer text is returned as it came: it is refused by its length, and is not
    worth normalising first (a pasted 100 MB note)."""
    if max_len is not None and len(text) > max_len:
        return text
    return unicodedata.normalize("NFC", text)


def too_long(label: str, value: str, max_len: int) -> str | None:
    """Why `value` is refused by its length alone (None: it fits). Checked before anything
    reads the text character by character, so a huge paste is refused at once."""
    if len(value) <= max_len:
        return None
    return f"{label} is too long ({len(value)} characters, at most {max_len})."


def refused_character(value: str, *, multiline: bool = False) -> str | None:
    """The first invisible, format or control character in `value`, or None."""
    for index, char in enumerate(value):
        if multiline and char in MULTILINE_ALLOWED:
            continue
        if char in JOINERS and _between_letters(value, index):
            continue
        if unicodedata.category(char) in REFUSED_CATEGORIES:
            return char
    return None


def _between_letters(value: str, index: int) -> bool:
    """Whether the character at `index` has a letter (or a combining mark) on both sides."""
    if index == 0 or index == len(value) - 1:
        return False
    return all(unicodedata.category(c)[0] in "LM" for c in (value[index - 1], value[index + 1]))


def describe_character(char: str) -> str:
    """'an invisible character (U+200B ZERO WIDTH SPACE)': how a message names a character
    nobody can see."""
    kinds = {"\n": "a line break", "\r": "a line break", "\t": "a tab"}
    category = unicodedata.category(char)
    kind = kinds.get(char) or {"Cc": "a control character", "Cs": "an invalid character"}.get(
        category, "an invisible character"
    )
    name = unicodedata.name(char, "")
    return f"{kind} (U+{ord(char):04X}{' ' + name if name else ''})"


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
        self,
        field: str,
        label: str,
        value: str,
        *,
        required: bool = False,
        max_len: int = limits.NOTE,
        multiline: bool = False,
    ) -> None:
        """Typed text: not too long (checked first, and alone: a text over its limit is not
        read further), present if required, and without invisible, format or control
        characters (a multi-line field may hold new lines and tabs). A lone surrogate
        (category Cs) could not even be stored as UTF-8."""
        long = too_long(label, value, max_len)
        if long is not None:
            self.fail(field, long)
            return
        if required and not value.strip():
            self.fail(field, f"{label} is required.")
        refused = refused_character(value, multiline=multiline)
        if refused is not None:
            self.fail(
                field,
                f"{label} contains {describe_character(refused)}: type it again without it.",
            )

    def not_after(self, field: str, label: str, value: date, limit: date) -> None:
        if value > limit:
            self.fail(field, f"{label} cannot be in the future.")

    def done(self) -> None:
        if self.problems:
            raise ValidationError(self.problems)
