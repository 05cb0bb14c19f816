"""A flowable for text in any script (a table cell, a note): styled spans broken into lines
that fit the width, each line drawn through the shaping layout (bidi order, font fallback,
HarfBuzz). reportlab's Paragraph draws each run in one font, and cannot reorder right-to-left
text without rlbidi, which is not on PyPI; this is only used where Paragraph cannot print."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable

from ketachart.reports.blocks import Span
from ketachart.reports.shaping import lay_out, text_width
from ketachart.reports.styles import MUTED, TONE_COLOURS
from ketachart.reports.text_draw import draw_line

# Spaces, one CJK character (a line may break after any), or a run of anything else.
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
TOKENS = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")


@dataclass(frozen=True)
class Piece:
    text: str
    span: Span


Row = tuple[Piece, ...]


class ScriptText(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """`spans` at `size` points, `leading` apart, wrapped to the width it is given."""

    def __init__(
        self, spans: tuple[Span, ...], size: float, leading: float, *, muted: bool = False
    ) -> None:
        super().__init__()
        self.spans, self.size, self.leading, self.muted = spans, size, leading, muted
        self.rows: list[Row] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.rows = break_lines(self.spans, available_width, self.size)
        self.width, self.height = available_width, self.leading * len(self.rows)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        rows = break_lines(self.spans, available_width, self.size)
        fit = int(available_height // self.leading)
        if fit < 1 or fit >= len(rows):
            return []
        return [self._part(rows[:fit]), self._part(rows[fit:])]

    def _part(self, rows: list[Row]) -> ScriptText:
        """The rows as spans again, a newline between rows (so they break the same way)."""
        spans: list[Span] = []
        for number, row in enumerate(rows):
            if number:
                spans.append(Span("\n"))
            spans.extend(replace(piece.span, text=piece.text) for piece in _merged(row))
        return ScriptText(tuple(spans), self.size, self.leading, muted=self.muted)

    def draw(self) -> None:
        for number, row in enumerate(self.rows):
            baseline = self.height - self.size - number * self.leading
            x = 0.0
            for piece in _merged(row):
                x += self._piece(piece, x, baseline)

    def _piece(self, piece: Piece, x: float, baseline: float) -> float:
        line = lay_out(piece.text, piece.span.bold, self.size)
        canvas, colour = self.canv, self._colour(piece.span)
        canvas.setFillColor(colour)
        draw_line(canvas, x, baseline, line)
        if piece.span.struck:
            canvas.setStrokeColor(colour)
            canvas.setLineWidth(0.5)
            middle = baseline + self.size * 0.3
            canvas.line(x, middle, x + line.width, middle)
        return line.width

    def _colour(self, span: Span) -> Color:
        return MUTED if self.muted else TONE_COLOURS[span.tone]


def break_lines(spans: tuple[Span, ...], width: float, size: float) -> list[Row]:
    """Pieces of the spans, line by line: breaks at spaces, between CJK characters, at each
    newline; a word wider than the line breaks between its characters."""
    rows: list[list[Piece]] = [[]]
    used = 0.0
    for piece in _pieces(spans):
        if piece.text == "\n":
            rows.append([])
            used = 0.0
            continue
        for part in _fitting(piece, width, size):
            wide = text_width(part.text, part.span.bold, size)
            if part.text.isspace() and not rows[-1]:
                continue
            if used + wide > width and rows[-1]:
                rows.append([])
                used = 0.0
                if part.text.isspace():
                    continue
            rows[-1].append(part)
            used += wide
    return [_trimmed(row) for row in rows]


def _pieces(spans: tuple[Span, ...]) -> list[Piece]:
    pieces: list[Piece] = []
    for span in spans:
        for number, line in enumerate(span.text.split("\n")):
            if number:
                pieces.append(Piece("\n", span))
            pieces.extend(Piece(token, span) for token in TOKENS.findall(line))
    return pieces


def _fitting(piece: Piece, width: float, size: float) -> list[Piece]:
    """The piece, or its characters grouped into parts no wider than the line (a mark stays
    with the letter before it)."""
    if text_width(piece.text, piece.span.bold, size) <= width:
        return [piece]
    parts: list[str] = []
    for char in piece.text:
        candidate = parts[-1] + char if parts else char
        bold = piece.span.bold
        if parts and (unicodedata.combining(char) or text_width(candidate, bold, size) <= width):
            parts[-1] = candidate
        else:
            parts.append(char)
    return [Piece(part, piece.span) for part in parts]


def _trimmed(row: list[Piece]) -> Row:
    while row and row[-1].text.isspace():
        row.pop()
    return tuple(row)


def _merged(row: Row) -> list[Piece]:
    """Neighbouring pieces of one span as one piece, so bidi orders a span's words."""
    merged: list[Piece] = []
    for piece in row:
        if merged and merged[-1].span is piece.span:
            merged[-1] = Piece(merged[-1].text + piece.text, piece.span)
        else:
            merged.append(piece)
    return merged
