"""The look of the printed summary: page geometry, colours, type sizes, table styles."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import TableStyle

from ketachart.reports.blocks import Tone
from ketachart.reports.fonts import BOLD, REGULAR

PAGE_WIDTH, PAGE_HEIGHT = letter
MARGIN_X = 40.0
HEADER_HEIGHT = 92.0
"""From the top edge of the page to the top of the text frame."""
FOOTER_HEIGHT = 48.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#5b6570")
ACCENT = colors.HexColor("#24435f")
BAND = colors.HexColor("#e8eef4")
RULE = colors.HexColor("#b7c2cc")
ZEBRA = colors.HexColor("#f5f7f9")
ALERT = colors.HexColor("#b3261e")
DRAFT_WASH = colors.Color(0.70, 0.15, 0.12, alpha=0.10)

TONE_COLOURS = {Tone.NORMAL: INK, Tone.MUTED: MUTED, Tone.ALERT: ALERT}

TABLE_SIZE = 7.6
TABLE_LEADING = 9.4
CELL_PAD = 3.0

BODY = ParagraphStyle("body", fontName=REGULAR, fontSize=8.6, leading=11, textColor=INK)
CELL = ParagraphStyle(
    "cell",
    fontName=REGULAR,
    fontSize=TABLE_SIZE,
    leading=TABLE_LEADING,
    textColor=INK,
    splitLongWords=1,
)
HEAD_CELL = ParagraphStyle("head", parent=CELL, fontName=BOLD, textColor=colors.white)
LABEL = ParagraphStyle("label", parent=CELL, fontName=BOLD, textColor=MUTED)
SECTION = ParagraphStyle(
    "section",
    fontName=BOLD,
    fontSize=10.2,
    leading=13,
    textColor=ACCENT,
    spaceBefore=10,
    spaceAfter=5,
)
SUBTITLE = ParagraphStyle(
    "subtitle",
    fontName=BOLD,
    fontSize=8.2,
    leading=10.5,
    textColor=INK,
    spaceBefore=5,
    spaceAfter=2,
)


def data_table_style(rows: int) -> TableStyle:
    """Header row on dark ink, light zebra rows, hairline rules."""
    # Every whole-table command is applied cell by cell, so keep them few (FONT sets three).
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, TABLE_SIZE, TABLE_LEADING),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("FONT", (0, 0), (-1, 0), BOLD, TABLE_SIZE, TABLE_LEADING),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
    ]
    if rows > 1:
        commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]))
    return TableStyle(commands)


def facts_table_style(pairs: int) -> TableStyle:
    """Label and value columns side by side; labels bold and muted."""
    labels: list[tuple[object, ...]] = []
    for pair in range(pairs):
        labels.append(("FONTNAME", (2 * pair, 0), (2 * pair, -1), BOLD))
        labels.append(("TEXTCOLOR", (2 * pair, 0), (2 * pair, -1), MUTED))
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), REGULAR, TABLE_SIZE, TABLE_LEADING),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 1.8),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, BAND),
            *labels,
        ]
    )
