"""What every page carries: the clinic, the patient's identifiers, the session, the draft
mark, and 'Page x of y' (known only once the last page is laid out)."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from ketachart.reports.blocks import PageHeader
from ketachart.reports.fonts import BOLD, REGULAR
from ketachart.reports.styles import (
    ACCENT,
    ALERT,
    BAND,
    DRAFT_WASH,
    INK,
    MARGIN_X,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
)

DRAFT_MARK = "DRAFT — NOT SIGNED"
RIGHT = PAGE_WIDTH - MARGIN_X
FRAME_FORM = "ketachart-page-frame"


class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
    """A canvas that keeps each finished page and writes 'Page x of y' on all of them when
    the document is saved, when the page count is known (one layout pass, not two)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._finished_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._finished_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._finished_pages)
        for number, page in enumerate(self._finished_pages, start=1):
            self.__dict__.update(page)
            self._draw_page_number(number, total)
            super().showPage()
        super().save()

    def _draw_page_number(self, number: int, total: int) -> None:
        self.setFont(BOLD, 8)
        self.setFillColor(INK)
        self.drawRightString(RIGHT, 30, f"Page {number} of {total}")


class PageDecor:
    """Draws the header band, footer and draft mark; a PageTemplate's onPage callback."""

    def __init__(self, header: PageHeader, title: str) -> None:
        self.header = header
        self.title = title

    def __call__(self, canvas: Canvas, doc: Any) -> None:
        # Every page carries the same frame: draw it once as a PDF form, place it on each.
        if not canvas.hasForm(FRAME_FORM):
            canvas.beginForm(FRAME_FORM)
            self._draw(canvas)
            canvas.endForm()
        canvas.doForm(FRAME_FORM)

    def on_page_end(self, canvas: Canvas, doc: Any) -> None:
        """Over the finished page, a draft gets its pale diagonal mark (translucent: drawn
        over the tables, which would hide it, and outside the form, which cannot carry
        transparency in reportlab)."""
        if self.header.draft:
            _draft_wash(canvas)

    def _draw(self, canvas: Canvas) -> None:
        canvas.saveState()
        self._clinic_line(canvas)
        self._patient_band(canvas)
        self._footer(canvas)
        canvas.restoreState()

    def _clinic_line(self, canvas: Canvas) -> None:
        top = PAGE_HEIGHT - 34
        canvas.setFillColor(ACCENT)
        canvas.setFont(BOLD, 11.5)
        canvas.drawString(MARGIN_X, top, self.header.clinic_name)
        canvas.setFillColor(MUTED)
        canvas.setFont(REGULAR, 7.5)
        canvas.drawString(MARGIN_X, top - 11, self.header.clinic_address)
        if self.header.draft:
            _draft_badge(canvas, top)
        else:
            canvas.setFont(BOLD, 8)
            canvas.setFillColor(ACCENT)
            canvas.drawRightString(RIGHT, top, self.header.status)
        canvas.setFont(BOLD, 9)
        canvas.setFillColor(INK)
        canvas.drawRightString(RIGHT, top - 15, self.title)

    def _patient_band(self, canvas: Canvas) -> None:
        h = self.header
        bottom, height = PAGE_HEIGHT - 78, 24
        canvas.setFillColor(BAND)
        canvas.setStrokeColor(RULE)
        canvas.rect(MARGIN_X, bottom, PAGE_WIDTH - 2 * MARGIN_X, height, stroke=1, fill=1)
        y = bottom + 8.5
        x = _field(canvas, MARGIN_X + 6, y, "Patient", h.patient_name, bold=True)
        x = _field(canvas, x + 12, y, "DOB", h.date_of_birth)
        x = _field(canvas, x + 12, y, "MRN", h.mrn, bold=True)
        x = _field(canvas, x + 12, y, "Session", f"{h.session_date} · {h.chair}")
        canvas.setFont(REGULAR, 7)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(RIGHT - 6, y, h.zone_label)

    def _footer(self, canvas: Canvas) -> None:
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, 42, RIGHT, 42)
        canvas.setFont(REGULAR, 6.8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN_X, 30, self.header.footer)
        identity = f"{self.header.patient_name} · MRN {self.header.mrn}"
        canvas.drawString(MARGIN_X, 21, f"{identity} · {self.header.clinic_name}")


def _field(canvas: Canvas, x: float, y: float, label: str, value: str, bold: bool = False) -> float:
    """Draw 'LABEL value' and return where the next field may start."""
    canvas.setFont(REGULAR, 6.5)
    canvas.setFillColor(MUTED)
    canvas.drawString(x, y + 0.5, label.upper())
    x += canvas.stringWidth(label.upper(), REGULAR, 6.5) + 4
    font = BOLD if bold else REGULAR
    canvas.setFont(font, 9)
    canvas.setFillColor(INK)
    canvas.drawString(x, y, value)
    return x + float(canvas.stringWidth(value, font, 9))


def _draft_badge(canvas: Canvas, baseline: float) -> None:
    width = canvas.stringWidth(DRAFT_MARK, BOLD, 9) + 14
    canvas.setStrokeColor(ALERT)
    canvas.setFillColor(colors.white)
    canvas.setLineWidth(1.2)
    canvas.roundRect(RIGHT - width, baseline - 4, width, 15, 2, stroke=1, fill=1)
    canvas.setFillColor(ALERT)
    canvas.setFont(BOLD, 9)
    canvas.drawRightString(RIGHT - 7, baseline, DRAFT_MARK)


def _draft_wash(canvas: Canvas) -> None:
    """A large translucent diagonal mark, so no page can pass for a signed record."""
    canvas.saveState()
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(35)
    canvas.setFillColor(DRAFT_WASH)
    canvas.setFont(BOLD, 54)
    canvas.drawCentredString(0, -18, DRAFT_MARK)
    canvas.restoreState()
