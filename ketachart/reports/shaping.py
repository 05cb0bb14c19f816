"""One line of text in any script, laid out for drawing: the bidi algorithm orders it
(python-bidi), the fallback chain picks a font for each character, and HarfBuzz shapes each
run (joins Arabic, places Hebrew points, reorders Devanagari).

Text that Noto Sans prints as it is (Latin, Greek, Cyrillic without combining marks) skips
all of that: it is one run of characters, as reportlab draws any string.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import uharfbuzz as hb
from reportlab.pdfbase.pdfmetrics import stringWidth

from ketachart.reports.bidi_order import bidi_line
from ketachart.reports.fonts import Face, chain, coverage, loaded
from ketachart.reports.glyph_fonts import GlyphFont
from ketachart.reports.text_runs import FontRun, choose_faces, font_runs

Position = tuple[float, float]


@dataclass(frozen=True)
class Glyphs:
    """A run drawn in one font, `x` points from the start of the line."""

    font: str
    codes: str
    """One character code a glyph (see glyph_fonts)."""
    x: float
    width: float
    positions: tuple[Position, ...] | None = None
    """Each glyph's place from `x` when shaping moved it; None: one after the other."""
    actual: str | None = None
    """The run's text, when its glyphs are reordered (PDF /ActualText, for extraction)."""


@dataclass(frozen=True)
class Line:
    runs: tuple[Glyphs, ...]
    width: float
    size: float
    missing: frozenset[str] = frozenset()
    """Characters no installed font has, printed as a replacement mark."""


def lay_out(text: str, bold: bool, size: float) -> Line:
    """`text` (one line, logical order) laid out at `size` points."""
    if is_plain(text, bold):
        name = chain(bold)[0].name
        width = float(stringWidth(text, name, size))
        return Line((Glyphs(name, text, 0.0, width),), width, size)
    return _shaped_line(text, bold, size)


def text_width(text: str, bold: bool, size: float) -> float:
    return lay_out(text, bold, size).width


def is_plain(text: str, bold: bool) -> bool:
    """Whether the primary font prints `text` as it is: one run, nothing to shape or order."""
    if text.isascii():
        return text.isprintable()
    return set(text) <= _plain_characters(bold)


@cache
def _plain_characters(bold: bool) -> frozenset[str]:
    """What the primary font prints with no shaping: its characters less marks, format
    characters and right-to-left ones."""
    chars = (chr(code) for code in coverage(chain(bold)[0]))
    return frozenset(c for c in chars if c.isprintable() and _unshaped(c))


def _unshaped(char: str) -> bool:
    return unicodedata.category(char)[0] != "M" and unicodedata.bidirectional(char) in (
        "L",
        "EN",
        "ES",
        "ET",
        "CS",
        "ON",
        "WS",
    )


@lru_cache(maxsize=8192)
def _shaped_line(text: str, bold: bool, size: float) -> Line:
    chosen = choose_faces(text.replace("\t", " "), bold)
    bidi = bidi_line(chosen.text)
    runs, x = [], 0.0
    for run in _visual_order(font_runs(chosen.faces, bidi.levels), bidi.visual):
        glyphs = _shape(chosen.text, run, size, x)
        runs.append(glyphs)
        x += glyphs.width
    return Line(tuple(runs), x, size, chosen.missing)


def _visual_order(runs: list[FontRun], visual: tuple[int, ...]) -> list[FontRun]:
    """Runs left to right: each run's characters are together in the visual order (one face,
    one level), so a run sits where its first-shown character does."""
    place = {index: position for position, index in enumerate(visual)}

    def where(run: FontRun) -> float:
        shown = [place[i] for i in range(run.start, run.end) if i in place]
        return min(shown) if shown else run.start - 0.5

    return sorted(runs, key=where)


def _shape(text: str, run: FontRun, size: float, x: float) -> Glyphs:
    font, hb_font = _fonts(run.face)
    buffer = hb.Buffer()
    buffer.add_str(text, item_offset=run.start, item_length=run.end - run.start)
    buffer.direction = "rtl" if run.level % 2 else "ltr"
    buffer.cluster_level = hb.BufferClusterLevel.MONOTONE_CHARACTERS
    buffer.guess_segment_properties()
    hb.shape(hb_font, buffer, {})
    return _glyphs(text, run, buffer, font, hb_font, size, x)


def _glyphs(
    text: str,
    run: FontRun,
    buffer: hb.Buffer,
    font: GlyphFont,
    hb_font: hb.Font,
    size: float,
    x: float,
) -> Glyphs:
    """Codes and positions of the shaped glyphs. A cluster (characters shaped together)
    reads back through one of its glyphs; right to left, reversed, because a reader of the
    PDF reverses right-to-left text it finds in visual order."""
    infos, places = buffer.glyph_infos, buffer.glyph_positions
    rtl = bool(run.level % 2)
    ends = _cluster_ends([info.cluster for info in infos], run.end)
    scale, per_mille = size / hb_font.face.upem, 1000 / hb_font.face.upem
    codes, positions, pen, moved, spoken = [], [], 0, False, set()
    for info, place in zip(infos, places, strict=True):
        cluster = info.cluster
        said = text[cluster : ends[cluster]] if cluster not in spoken else ""
        spoken.add(cluster)
        natural = hb_font.get_glyph_h_advance(info.codepoint)
        code = font.code_for(info.codepoint, _read_back(said, rtl), natural * per_mille)
        codes.append(chr(code))
        positions.append(((pen + place.x_offset) * scale, place.y_offset * scale))
        moved = moved or place.x_offset or place.y_offset or place.x_advance != natural
        pen += place.x_advance
    reordered = not rtl and len(infos) > len(ends)
    return Glyphs(
        run.face.name,
        "".join(codes),
        x,
        pen * scale,
        tuple(positions) if moved else None,
        text[run.start : run.end] if reordered else None,
    )


def _read_back(said: str, rtl: bool) -> str:
    """A right-to-left ligature (lam-alef) reads back reversed, as its letters would if drawn
    one by one in visual order; a letter composed with its marks reads back as typed."""
    if rtl and not any(unicodedata.combining(c) for c in said):
        return said[::-1]
    return said


def _cluster_ends(clusters: list[int], end: int) -> dict[int, int]:
    """Where the characters of each cluster end (clusters are character indexes)."""
    starts = sorted(set(clusters))
    return dict(zip(starts, [*starts[1:], end], strict=True))


@cache
def _fonts(face: Face) -> tuple[GlyphFont, hb.Font]:
    font = loaded(face)
    if font is None:  # coverage() found the file, so it is there unless it just went
        raise FileNotFoundError(f"report font {face.file.filename} could not be loaded")
    return font, hb.Font(font.hbFace)
