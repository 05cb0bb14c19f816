"""The session summary on screen: the report model that the PDF prints (reports.summary_model),
laid out as HTML in a read-only text browser. Every word comes from the model; only the
look is decided here. Corrected originals are struck through (<s>), as on paper."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QByteArray, QUrl
from PySide6.QtGui import QColor, QImage, QPainter, QTextDocument, QTextOption
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QTextBrowser, QWidget
from reportlab.graphics import renderSVG

from ketachart.reports.blocks import (
    Block,
    Cell,
    FactsBlock,
    PageHeader,
    Section,
    Span,
    SummaryReport,
    TableBlock,
    TextBlock,
    Tone,
    VitalsChartBlock,
)
from ketachart.reports.fonts import register_fonts
from ketachart.reports.page_frame import DRAFT_MARK
from ketachart.reports.styles import ACCENT, BAND, INK, MUTED, RULE, TONE_COLOURS
from ketachart.reports.vitals_chart import HEIGHT as CHART_HEIGHT
from ketachart.reports.vitals_chart import vitals_drawing
from ketachart.ui.theme import OK_GREEN

CHART_URL = "summary-chart:%d"
CHART_DRAWING_WIDTH = 440.0
"""Points: narrower than on paper, so that its labels stay readable when shown wide."""
CHART_SHOWN_WIDTH = 760
CHART_PIXEL_SCALE = 3.0


def _hex(colour: object) -> str:
    return "#" + str(colour.hexval())[2:]  # type: ignore[attr-defined]


ACCENT_HEX, BAND_HEX, INK_HEX, MUTED_HEX, RULE_HEX = map(_hex, (ACCENT, BAND, INK, MUTED, RULE))
TONE_HEX = {tone: _hex(colour) for tone, colour in TONE_COLOURS.items()}


@dataclass(frozen=True)
class SummaryHtml:
    html: str
    charts: tuple[VitalsChartBlock, ...]
    """The charts the HTML shows as images `summary-chart:0`, `summary-chart:1`, …"""


def summary_html(report: SummaryReport) -> SummaryHtml:
    charts: list[VitalsChartBlock] = []
    parts = [_header(report.title, report.header)]
    for section in report.sections:
        parts.append(_section(section, charts))
    parts.append(f'<hr><p style="color:{MUTED_HEX}">{escape(report.header.footer)}</p>')
    body = "\n".join(parts)
    return SummaryHtml(f'<html><body style="color:{INK_HEX}">{body}</body></html>', tuple(charts))


def _header(title: str, h: PageHeader) -> str:
    if h.draft:
        status = (
            f'<span style="color:{TONE_HEX[Tone.ALERT]}; font-weight:700">{DRAFT_MARK}</span>'
            f" · {escape(h.status)}"
        )
    else:
        status = f'<span style="color:{OK_GREEN}; font-weight:700">{escape(h.status)}</span>'
    address = f"<br>{text_html(h.clinic_address)}" if h.clinic_address else ""
    band = "".join(
        f'<td><span style="color:{MUTED_HEX}">{label}</span> {value}</td>'
        for label, value in (
            ("Patient", f"<b>{text_html(h.patient_name)}</b>"),
            ("DOB", escape(h.date_of_birth)),
            ("MRN", f"<b>{text_html(h.mrn)}</b>"),
            ("Session", f"{escape(h.session_date)} · {text_html(h.chair)}"),
        )
    )
    return (
        f'<p><span style="font-size:x-large; font-weight:700; color:{ACCENT_HEX}">'
        f"{text_html(h.clinic_name)}</span>"
        f'<span style="color:{MUTED_HEX}">{address}</span></p>'
        f"<p><b>{escape(title)}</b><br>{status}</p>"
        f'<table width="100%" cellspacing="0" cellpadding="6" bgcolor="{BAND_HEX}" '
        f'style="border: 1px solid {RULE_HEX}"><tr>{band}</tr></table>'
        f'<p style="color:{MUTED_HEX}">{escape(h.zone_label)}</p>'
    )


def _section(section: Section, charts: list[VitalsChartBlock]) -> str:
    heading = f'<h3 style="color:{ACCENT_HEX}">{section.number}. {escape(section.title)}</h3>'
    return heading + "".join(_block(block, charts) for block in section.blocks)


def _block(block: Block, charts: list[VitalsChartBlock]) -> str:
    if isinstance(block, TableBlock):
        return _table(block)
    if isinstance(block, FactsBlock):
        return _facts(block)
    if isinstance(block, TextBlock):
        return f"<p>{cell_html(block.text)}</p>"
    charts.append(block)
    url = CHART_URL % (len(charts) - 1)
    height = round(CHART_SHOWN_WIDTH * CHART_HEIGHT / CHART_DRAWING_WIDTH)
    return (
        f'<p><img src="{url}" width="{CHART_SHOWN_WIDTH}" height="{height}" '
        f'alt="Vitals trend chart"></p>'
    )


def _subtitle(title: str) -> str:
    return f"<p><b>{escape(title)}</b></p>" if title else ""


def _table(block: TableBlock) -> str:
    if not block.rows:
        return _subtitle(block.title) + f'<p style="color:{MUTED_HEX}">{escape(block.empty)}</p>'
    total = sum(block.weights)
    head = "".join(
        f'<th width="{round(100 * weight / total)}%" bgcolor="{ACCENT_HEX}" align="left">'
        f'<span style="color:white">{escape(text)}</span></th>'
        for text, weight in zip(block.header, block.weights, strict=True)
    )
    rows = "".join(
        "<tr>" + "".join(f"<td>{cell_html(cell)}</td>" for cell in row) + "</tr>"
        for row in block.rows
    )
    return (
        _subtitle(block.title) + f'<table width="100%" border="1" cellspacing="0" cellpadding="4" '
        f'style="border-collapse: collapse; border-color: {RULE_HEX}">'
        f"<thead><tr>{head}</tr></thead>{rows}</table>"
    )


def _facts(block: FactsBlock) -> str:
    rows = []
    for start in range(0, len(block.facts), block.columns):
        pairs = block.facts[start : start + block.columns]
        cells = "".join(
            f'<td><span style="color:{MUTED_HEX}; font-weight:700">{escape(label)}</span></td>'
            f"<td>{cell_html(value)}</td>"
            for label, value in pairs
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        _subtitle(block.title) + f'<table cellspacing="0" cellpadding="3">{"".join(rows)}</table>'
    )


def cell_html(cell: Cell) -> str:
    """A cell's text, escaped, its line breaks kept; struck, bold and toned runs marked."""
    spans = (Span(cell),) if isinstance(cell, str) else cell
    return "".join(_span_html(span) for span in spans)


_COLLAPSED = re.compile(r"[^\S ]|  |^ | $")
"""Whitespace that HTML would collapse or drop: anything but single spaces between words."""


def text_html(text: str) -> str:
    """Text that shows exactly as typed: escaped (a typed '<b>' is not markup), and its tabs,
    runs of spaces and line breaks kept where it has any."""
    escaped = escape(text).replace("\n", "<br>")
    if _COLLAPSED.search(text):
        return f'<span style="white-space:pre-wrap">{escaped}</span>'
    return escaped


def _span_html(span: Span) -> str:
    text = text_html(span.text)
    if span.struck:
        text = f"<s>{text}</s>"
    if span.bold:
        text = f"<b>{text}</b>"
    if span.tone is not Tone.NORMAL:
        text = f'<span style="color:{TONE_HEX[span.tone]}">{text}</span>'
    return text


def chart_image(block: VitalsChartBlock) -> QImage:
    """The same vector chart the PDF draws, as a sharp picture for the screen."""
    register_fonts()
    # Qt's SVG renderer would paint reportlab's clip rectangle black (no clipPath support)
    # and reads reportlab's 'fill: None' on line series as the default black fill.
    svg = renderSVG.drawToString(vitals_drawing(block, CHART_DRAWING_WIDTH), useClip=True)
    svg = svg.replace("fill: None;", "fill: none;")
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = renderer.defaultSize() * CHART_PIXEL_SCALE
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    return image


class SummaryBrowser(QTextBrowser):
    """The summary, read-only; long hashes wrap anywhere rather than widen the page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setOpenLinks(False)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setAccessibleName("Session summary")
        self.charts: tuple[VitalsChartBlock, ...] = ()

    def show_report(self, report: SummaryReport) -> None:
        shown = summary_html(report)
        document = self.document()
        for number, chart in enumerate(shown.charts):
            document.addResource(
                QTextDocument.ResourceType.ImageResource,
                QUrl(CHART_URL % number),
                chart_image(chart),
            )
        self.charts = shown.charts
        self.setHtml(shown.html)

    def show_nothing(self, text: str) -> None:
        self.charts = ()
        self.setHtml(f'<p style="color:{MUTED_HEX}">{escape(text)}</p>')
