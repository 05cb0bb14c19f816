"""Fitting text into the fixed boxes of the page frame: a name shrinks to a floor size, then
takes two lines; a row of identifiers shrinks until it fits whole; text that is not identity
(the clinic's name, the footer's copy of the name) ends in an ellipsis when it must."""

from __future__ import annotations

from dataclasses import dataclass

from ketachart.reports.blocks import Span
from ketachart.reports.script_text import break_lines
from ketachart.reports.shaping import text_width

ELLIPSIS = "…"


@dataclass(frozen=True)
class Fitted:
    size: float
    lines: tuple[str, ...]


def fit_name(name: str, width: float, size: float, floor: float) -> Fitted:
    """`name` in bold on one line at the largest size from `size` down to `floor` (half
    points) that fits `width`; else on two lines at `floor`, the second cut with an ellipsis
    only if even two lines cannot hold it."""
    one_line = shrunk(name, True, width, size, floor)
    if one_line is not None:
        return Fitted(one_line, (name,))
    rows = break_lines((Span(name, bold=True),), width, floor)
    lines = ["".join(piece.text for piece in row) for row in rows]
    if len(lines) > 2:
        lines = [lines[0], ellipsized(" ".join(lines[1:]), True, width, floor)]
    return Fitted(floor, tuple(lines))


def shrunk(text: str, bold: bool, width: float, size: float, floor: float) -> float | None:
    """The largest size from `size` down to `floor`, in half points, at which `text` fits
    `width`; None if it does not fit even at `floor`."""
    steps = round((size - floor) * 2)
    for step in range(steps + 1):
        candidate = size - step / 2
        if text_width(text, bold, candidate) <= width:
            return candidate
    return None


def ellipsized(text: str, bold: bool, width: float, size: float) -> str:
    """`text`, or as much of its start as fits `width` with an ellipsis after it."""
    if text_width(text, bold, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest start that fits with the ellipsis
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + ELLIPSIS, bold, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS
