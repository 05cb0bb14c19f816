"""What every page carries: the clinic, the patient's identifiers, the session, the draft
mark, and 'Page x of y' (known only once the last page is laid out)."""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from ketachart.reports.band_fit import ellipsized, fit_name, shrunk
from ketachart.reports.blocks import PageHeader
from ketachart.reports.fonts import BOLD, REGULAR
from ketachart.reports.shaping import text_width
from ketachart.reports.styles import (
    ACCENT,
    ALERT,
    BAND,
    CONTENT_WIDTH,
    DRAFT_WASH,
    HEADER_HEIGHT,
    INK,
    MARGIN_X,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
)
from ketachart.reports.text_draw import draw_text

DRAFT_MARK = "DRAFT — NOT SIGNED"
RIGHT = PAGE_WIDTH - MARGIN_X
FRAME_FORM = "ketachart-page-frame"
BAND_BOTTOM = PAGE_HEIGHT - HEADER_HEIGHT + 6
BAND_HEIGHT = 40.0
"""Fixed: a long name shrinks, then wraps, inside it; nothing is drawn below or over it."""
BAND_PAD = 6.0
NAME_SIZE, NAME_FLOOR = 10.0, 7.5
NAME_TOP, NAME_LEADING = 29.0, 11.0
"""Baseline of a name's first line above the band's bottom, and of its second below it:
the ascent and descent of Noto Sans (1.36 em) and Noto Sans CJK (1.45 em) fit between."""
FIELD_SIZE, FIELD_FLOOR = 8.5, 4.5
FIELD_GAP = 12.0
LABEL_SIZE = 6.5
LABEL_RATIO = LABEL_SIZE / 9
ZONE_RATIO = 7.5 / 8.5
KEY_GAP = 12.0
"""Between the footer's identity line and the clinic key at its right."""


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
        top = PAGE_HEIGHT - 30
        if self.header.draft:
            right_width = _draft_badge(canvas, top)
        else:
            canvas.setFont(BOLD, 8)
            canvas.setFillColor(ACCENT)
            canvas.drawRightString(RIGHT, top, self.header.status)
            right_width = canvas.stringWidth(self.header.status, BOLD, 8)
        canvas.setFont(BOLD, 9)
        canvas.setFillColor(INK)
        canvas.drawRightString(RIGHT, top - 12, self.title)
        room = CONTENT_WIDTH - max(right_width, canvas.stringWidth(self.title, BOLD, 9)) - 16
        canvas.setFillColor(ACCENT)
        size = shrunk(self.header.clinic_name, True, room, 11.5, 8) or 8
        draw_text(
            canvas, MARGIN_X, top, ellipsized(self.header.clinic_name, True, room, size), True, size
        )
        canvas.setFillColor(MUTED)
        address = ellipsized(self.header.clinic_address, False, room, 7.5)
        draw_text(canvas, MARGIN_X, top - 11, address, False, 7.5)

    def _patient_band(self, canvas: Canvas) -> None:
        canvas.setFillColor(BAND)
        canvas.setStrokeColor(RULE)
        canvas.rect(MARGIN_X, BAND_BOTTOM, CONTENT_WIDTH, BAND_HEIGHT, stroke=1, fill=1)
        self._name(canvas)
        self._identifiers(canvas)

    def _name(self, canvas: Canvas) -> None:
        x = MARGIN_X + BAND_PAD
        _label(canvas, x, BAND_BOTTOM + NAME_TOP, "Patient", LABEL_SIZE)
        x += canvas.stringWidth("PATIENT", REGULAR, LABEL_SIZE) + 5
        fitted = fit_name(self.header.patient_name, RIGHT - BAND_PAD - x, NAME_SIZE, NAME_FLOOR)
        canvas.setFillColor(INK)
        if len(fitted.lines) == 1:
            draw_text(canvas, x, BAND_BOTTOM + 24, fitted.lines[0], True, fitted.size)
            return
        for number, line in enumerate(fitted.lines):
            y = BAND_BOTTOM + NAME_TOP - number * NAME_LEADING
            draw_text(canvas, x, y, line, True, fitted.size)

    def _identifiers(self, canvas: Canvas) -> None:
        """DOB, MRN, session date and chair on the left, the time zone on the right, all
        at one size, the largest at which they all fit whole."""
        h = self.header
        fields = identity_fields(h)
        size = identifiers_size(fields, h.zone_label, CONTENT_WIDTH - 2 * BAND_PAD)
        x, y = MARGIN_X + BAND_PAD, BAND_BOTTOM + 6
        for label, value, bold in fields:
            x = _field(canvas, x, y, label, value, bold, size) + FIELD_GAP
        canvas.setFillColor(MUTED)
        zone_size = size * ZONE_RATIO
        zone_x = RIGHT - BAND_PAD - text_width(h.zone_label, False, zone_size)
        draw_text(canvas, zone_x, y, h.zone_label, False, zone_size)

    def _footer(self, canvas: Canvas) -> None:
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, 42, RIGHT, 42)
        canvas.setFont(REGULAR, 6.8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN_X, 30, self.header.footer)
        h = self.header
        key_width = text_width(h.clinic_key, False, 6.8)
        draw_text(canvas, RIGHT - key_width, 21, h.clinic_key, False, 6.8)
        identity = f"MRN {h.mrn} · {h.patient_name} · {h.clinic_name}"
        room = CONTENT_WIDTH - key_width - KEY_GAP
        draw_text(canvas, MARGIN_X, 21, ellipsized(identity, False, room, 6.8), False, 6.8)


Field = tuple[str, str, bool]


def identity_fields(header: PageHeader) -> tuple[Field, ...]:
    """The identifiers of the band's lower row: label, value, bold."""
    return (
        ("DOB", header.date_of_birth, False),
        ("MRN", header.mrn, True),
        ("Session", f"{header.session_date} · {header.chair}", False),
    )


def identifiers_size(fields: tuple[Field, ...], zone: str, width: float) -> float:
    """The largest size (half points, FIELD_SIZE down to FIELD_FLOOR) at which the fields and
    the time zone fit `width` side by side; the floor if nothing larger does."""
    size = FIELD_SIZE
    while size > FIELD_FLOOR and _identifiers_width(fields, zone, size) > width:
        size -= 0.5
    return size


def _identifiers_width(fields: tuple[Field, ...], zone: str, size: float) -> float:
    label_size = size * LABEL_RATIO
    widths = [
        text_width(label.upper(), False, label_size) + 4 + text_width(value, bold, size)
        for label, value, bold in fields
    ]
    return sum(widths) + FIELD_GAP * len(fields) + text_width(zone, False, size * ZONE_RATIO)


def _label(canvas: Canvas, x: float, y: float, label: str, size: float) -> float:
    canvas.setFont(REGULAR, size)
    canvas.setFillColor(MUTED)
    canvas.drawString(x, y, label.upper())
    return x + float(canvas.stringWidth(label.upper(), REGULAR, size))


def _field(
    canvas: Canvas, x: float, y: float, label: str, value: str, bold: bool, size: float
) -> float:
    """Draw 'LABEL value' and return where it ends."""
    x = _label(canvas, x, y + 0.5, label, size * LABEL_RATIO) + 4
    canvas.setFillColor(INK)
    return x + draw_text(canvas, x, y, value, bold, size)


def _draft_badge(canvas: Canvas, baseline: float) -> float:
    width = float(canvas.stringWidth(DRAFT_MARK, BOLD, 9)) + 14
    canvas.setStrokeColor(ALERT)
    canvas.setFillColor(colors.white)
    canvas.setLineWidth(1.2)
    canvas.roundRect(RIGHT - width, baseline - 4, width, 15, 2, stroke=1, fill=1)
    canvas.setFillColor(ALERT)
    canvas.setFont(BOLD, 9)
    canvas.drawRightString(RIGHT - 7, baseline, DRAFT_MARK)
    return width


def _draft_wash(canvas: Canvas) -> None:
    """A large translucent diagonal mark, so no page can pass for a signed record."""
    canvas.saveState()
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(35)
    canvas.setFillColor(DRAFT_WASH)
    canvas.setFont(BOLD, 54)
    canvas.drawCentredString(0, -18, DRAFT_MARK)
    canvas.restoreState()
