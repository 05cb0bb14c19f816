"""Drawing laid-out lines (see shaping) on a reportlab canvas, and noting for the export
which characters were printed as replacement marks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from reportlab.pdfgen.canvas import Canvas

from ketachart.reports.shaping import Glyphs, Line, lay_out

_unprintable: ContextVar[set[str] | None] = ContextVar("unprintable", default=None)


@contextmanager
def noting_unprintable() -> Iterator[set[str]]:
    """Collect the characters every line drawn meanwhile printed as a replacement mark."""
    found: set[str] = set()
    token = _unprintable.set(found)
    try:
        yield found
    finally:
        _unprintable.reset(token)


def draw_text(canvas: Canvas, x: float, y: float, text: str, bold: bool, size: float) -> float:
    """Draw one line of `text` with its baseline at `y`, starting at `x`; return its width.
    The caller sets the fill colour."""
    line = lay_out(text, bold, size)
    draw_line(canvas, x, y, line)
    return line.width


def draw_line(canvas: Canvas, x: float, y: float, line: Line) -> None:
    found = _unprintable.get()
    if found is not None and line.missing:
        found.update(line.missing)
    for run in line.runs:
        _draw_run(canvas, x + run.x, y, run, line.size)


def _draw_run(canvas: Canvas, x: float, y: float, run: Glyphs, size: float) -> None:
    if run.actual is not None:
        text = run.actual.encode("utf-16-be").hex().upper()
        canvas._code.append(f"/Span <</ActualText <FEFF{text}>>> BDC")
    if run.positions is None:
        canvas.setFont(run.font, size)
        canvas.drawString(x, y, run.codes)
    else:
        words = canvas.beginText()
        words.setFont(run.font, size)
        for code, (dx, dy) in zip(run.codes, run.positions, strict=True):
            words.setTextOrigin(x + dx, y + dy)
            words.textOut(code)
        canvas.drawText(words)
    if run.actual is not None:
        canvas._code.append("EMC")
