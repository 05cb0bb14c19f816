"""Laying the session summary out as a PDF with reportlab platypus: a document template whose
page template draws the header and footer, and a story of headings, tables and the chart."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table
from reportlab.platypus.flowables import Spacer

from ketachart.reports.blocks import (
    Block,
    Cell,
    FactsBlock,
    Section,
    Span,
    SummaryReport,
    TableBlock,
    TextBlock,
    Tone,
    VitalsChartBlock,
)
from ketachart.reports.fonts import BOLD, REGULAR, register_fonts
from ketachart.reports.headings import Heading
from ketachart.reports.keep_headings import KeptTable, LeadTable, keep_headings
from ketachart.reports.page_frame import NumberedCanvas, PageDecor
from ketachart.reports.script_text import ScriptText
from ketachart.reports.shaping import is_plain
from ketachart.reports.styles import (
    BODY,
    CELL,
    CELL_PAD,
    CONTENT_WIDTH,
    FOOTER_HEIGHT,
    HEAD_CELL,
    HEADER_HEIGHT,
    LABEL,
    MARGIN_X,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SECTION,
    SUBTITLE,
    TABLE_SIZE,
    TONE_COLOURS,
    data_table_style,
    facts_table_style,
)
from ketachart.reports.text_draw import noting_unprintable
from ketachart.reports.vitals_chart import vitals_drawing

# A row taller than this may split across pages (a very long note), so nothing is cut off.
SPLIT_ROW_MIN_HEIGHT = 30
ASCII_WIDEST_EM = 0.99
"""The widest printable ASCII glyph of Noto Sans (bold: "m", 0.982), in ems."""
FACT_LABEL_WIDTH = 102.0
"""Points; wide enough for labels such as 'Last discharge score' on one line."""


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int
    unprintable: tuple[str, ...] = ()
    """Characters no installed font has, printed as a replacement mark (sorted)."""


def render_summary_pdf(report: SummaryReport, *, invariant: bool = False) -> RenderedPdf:
    """The summary as PDF bytes. `invariant` makes the bytes identical between runs."""
    register_fonts()
    buffer = io.BytesIO()
    doc = _document(buffer, report, invariant)
    with _binary_streams(), noting_unprintable() as unprintable:
        doc.build(story(report), canvasmaker=NumberedCanvas)
    return RenderedPdf(buffer.getvalue(), doc.page, tuple(sorted(unprintable)))


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Write compressed streams as binary, not also ASCII85-encoded: reportlab does that
    encoding in pure Python (a fifth of the build time here) and it makes the file bigger.
    reportlab reads the switch from its global settings only, so set it and put it back."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def _document(buffer: io.BytesIO, report: SummaryReport, invariant: bool) -> BaseDocTemplate:
    header = report.header
    doc = BaseDocTemplate(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        title=f"{report.title}: {header.patient_name}, {header.session_date}",
        author=header.clinic_name,
        subject="Session summary",
        creator="ketachart",
        invariant=int(invariant),
    )
    decor = PageDecor(header, report.title)
    template = PageTemplate("summary", [_frame()], onPage=decor, onPageEnd=decor.on_page_end)
    doc.addPageTemplates([template])
    return doc


def _frame() -> Frame:
    """The text area between the header band and the footer."""
    height = PAGE_HEIGHT - HEADER_HEIGHT - FOOTER_HEIGHT - 12
    no_padding = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
    return Frame(MARGIN_X, FOOTER_HEIGHT + 6, CONTENT_WIDTH, height, **no_padding)


def story(report: SummaryReport) -> list[Flowable]:
    # The title, patient and clinic are in every page's header; the story starts with §1.
    register_fonts()  # Paragraphs look their fonts up as they are made
    flowables: list[Flowable] = []
    for section in report.sections:
        flowables.extend(_section(section))
    return keep_headings(flowables)


def _section(section: Section) -> list[Flowable]:
    heading = Heading(f"{section.number}. {section.title}", SECTION, rule=True)
    flowables: list[Flowable] = [heading]
    for block in section.blocks:
        flowables.extend(_block(block))
    return flowables


def _block(block: Block) -> list[Flowable]:
    if isinstance(block, TableBlock):
        return _table_block(block)
    if isinstance(block, FactsBlock):
        return _facts_block(block)
    if isinstance(block, TextBlock):
        return [Spacer(1, 3), _text(_spans(block.text), BODY)]
    assert isinstance(block, VitalsChartBlock)
    return [vitals_drawing(block, CONTENT_WIDTH), Spacer(1, 4)]


def _table_block(block: TableBlock) -> list[Flowable]:
    title = _subtitle(block.title)
    if not block.rows:
        return [*title, _text((Span(block.empty),), BODY, muted=True)]
    widths = _widths(block.weights)
    header = [_head_cell(text, width) for text, width in zip(block.header, widths, strict=True)]
    body = [
        [_cell(value, width) for value, width in zip(row, widths, strict=True)]
        for row in block.rows
    ]
    table = LeadTable(
        [header, *body],
        colWidths=widths,
        repeatRows=1,
        splitInRow=SPLIT_ROW_MIN_HEIGHT,
        style=data_table_style(len(body) + 1),
        hAlign="LEFT",
    )
    table.lead = Table([header, body[0]], colWidths=widths, style=data_table_style(2))
    return [*title, table, Spacer(1, 3)]


def _facts_block(block: FactsBlock) -> list[Flowable]:
    title = _subtitle(block.title)
    per_row = block.columns
    value_width = CONTENT_WIDTH / per_row - FACT_LABEL_WIDTH
    label_width = FACT_LABEL_WIDTH
    rows: list[list[object]] = []
    for start in range(0, len(block.facts), per_row):
        row: list[object] = []
        for label, value in block.facts[start : start + per_row]:
            row += [_label_cell(label, label_width), _cell(value, value_width)]
        rows.append(row + ["", ""] * (per_row - len(row) // 2))
    widths = [label_width, value_width] * per_row
    table = Table(
        rows,
        colWidths=widths,
        style=facts_table_style(per_row),
        hAlign="LEFT",
        splitInRow=SPLIT_ROW_MIN_HEIGHT,
    )
    # Label/value lists are short: keep each on one page rather than strand a last row.
    return [*title, KeptTable(table), Spacer(1, 3)]


def _subtitle(text: str) -> list[Flowable]:
    return [Heading(text, SUBTITLE)] if text else []


def _widths(weights: tuple[float, ...]) -> list[float]:
    total = sum(weights)
    return [CONTENT_WIDTH * w / total for w in weights]


def _cell(value: Cell, width: float) -> object:
    """Unstyled text as plain, pre-wrapped lines (several times faster to lay out than a
    Paragraph, which matters in a 1000-row vitals table); styled text as a Paragraph."""
    text = _plain(value)
    if text is not None and prints_plain(text):
        if _fits(text, width, REGULAR):
            return text
        lines = simpleSplit(text, REGULAR, TABLE_SIZE, width - 2 * CELL_PAD)
        if _fits("\n".join(lines), width, REGULAR):
            return "\n".join(lines)
    # Styled, a word too long for the column (a Paragraph breaks long words), or a script
    # Noto Sans alone cannot print.
    return _text(_spans(value), CELL)


def _text(spans: tuple[Span, ...], style: ParagraphStyle, muted: bool = False) -> Flowable:
    """A Paragraph for text Noto Sans prints as it is; else the script-aware flowable."""
    if all(prints_plain(span.text) for span in spans):
        return Paragraph(_markup(spans, muted), style)
    return ScriptText(spans, style.fontSize, style.leading, muted=muted)


def prints_plain(text: str) -> bool:
    """Whether every line of `text` is plain text for the primary font (see shaping)."""
    return all(is_plain(line, bold=False) for line in text.split("\n"))


def _head_cell(text: str, width: float) -> object:
    return text if _fits(text, width, BOLD) else Paragraph(escape(text), HEAD_CELL)


def _label_cell(text: str, width: float) -> object:
    return text if _fits(text, width, BOLD) else Paragraph(escape(text), LABEL)


def _plain(value: Cell) -> str | None:
    """The text of a cell that needs no styling, else None."""
    if isinstance(value, str):
        return value
    if all(not s.struck and not s.bold and s.tone is Tone.NORMAL for s in value):
        return "".join(s.text for s in value)
    return None


def _spans(value: Cell) -> tuple[Span, ...]:
    return (Span(value),) if isinstance(value, str) else value


def _fits(text: str, width: float, font: str) -> bool:
    room = width - 2 * CELL_PAD
    if text.isascii() and len(text) * TABLE_SIZE * ASCII_WIDEST_EM <= room:
        return True  # fits even if every glyph were the widest: no need to measure
    return all(_line_width(line, font) <= room for line in text.split("\n"))


@lru_cache(maxsize=8192)
def _line_width(line: str, font: str) -> float:
    """Measured once per text: names, phases and units repeat down every column."""
    return float(stringWidth(line, font, TABLE_SIZE))


def _markup(spans: tuple[Span, ...], muted: bool = False) -> str:
    """Paragraph markup for styled spans; user text is escaped so '<' or '&' print as typed."""
    parts = []
    for span in spans:
        text = escape(span.text).replace("\n", "<br/>")
        if span.struck:
            text = f"<strike>{text}</strike>"
        if span.bold:
            text = f"<b>{text}</b>"
        colour = MUTED if muted else TONE_COLOURS[span.tone]
        parts.append(f'<font color="#{colour.hexval()[2:]}">{text}</font>')
    return "".join(parts)
