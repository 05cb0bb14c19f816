"""What the command line prints of stored text: control, format and other invisible characters
are shown escaped (\\x1b, \\u202e), so that a stored value can neither drive the terminal (ESC
sequences, BEL) nor reorder or hide what is printed beside it (bidi overrides, zero-width)."""

from __future__ import annotations

from ketachart.domain.checks import refused_character


def shown(text: object) -> str:
    """`text` as a terminal may print it: every refused character escaped."""
    value = str(text)
    if refused_character(value) is None:
        return value
    return "".join(_escaped(char) for char in value)


def _escaped(char: str) -> str:
    if refused_character(char) is None:
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
