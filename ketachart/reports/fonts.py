"""The report fonts: a fallback chain of Noto faces, one a script, registered with reportlab
when first needed and embedded as subsets (only the glyphs a document uses).

`face_for(character, bold)` names the first face of the chain that has the character; None
means no installed font has it (an emoji, say), and the text prints a replacement mark there.
A font that is not installed is skipped (and logged, without any text): its characters then
print as that mark and the export names them, rather than the export failing.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from functools import cache

import uharfbuzz as hb
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics

from ketachart.errors import KetachartError
from ketachart.reports.font_files import INSTALL_HINT, FontFile, cjk, dejavu, noto
from ketachart.reports.glyph_fonts import GlyphFont

log = logging.getLogger(__name__)

REGULAR = "NotoSans"
BOLD = "NotoSans-Bold"
REGULAR_WEIGHT, BOLD_WEIGHT = 400, 700


@dataclass(frozen=True)
class Face:
    """One font of the chain: its reportlab name, its file and, for a variable font, the
    weight it is instanced at."""

    name: str
    file: FontFile
    weight: int


def _chain(style: str, weight: int) -> tuple[Face, ...]:
    suffix = "-Bold" if weight == BOLD_WEIGHT else "-Regular"
    scripts = ("", "Arabic", "Hebrew", "Devanagari")
    statics = [
        Face(f"NotoSans{s}{style}", noto(f"NotoSans{s}{suffix}.ttf"), weight) for s in scripts
    ]
    # Symbols before CJK, which has some too: a '≥' should not load a 10 MB font.
    symbols = Face(f"DejaVuSans{style}", dejavu(f"DejaVuSans{style}.ttf"), weight)
    # Chinese first for Han; a line with kana or hangul prefers JP or KR (see text_runs).
    regions = ("SC", "TC", "JP", "KR")
    variable = [
        Face(f"NotoSans{r}{style}", cjk(f"notosans{r.lower()}/NotoSans{r}[wght].ttf"), weight)
        for r in regions
    ]
    return (*statics, symbols, *variable)


REGULAR_CHAIN = _chain("", REGULAR_WEIGHT)
BOLD_CHAIN = _chain("-Bold", BOLD_WEIGHT)
PRIMARY = {REGULAR: REGULAR_CHAIN[0], BOLD: BOLD_CHAIN[0]}
_lock = threading.RLock()


def register_fonts() -> None:
    """Register the two primary faces, which every report uses, and the family mapping that
    Paragraph markup (<b>) needs. Other faces register when a character first needs them."""
    for face in (REGULAR_CHAIN[0], BOLD_CHAIN[0]):
        if loaded(face) is None:
            raise FontsMissing(face)
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)


class FontsMissing(KetachartError):
    """The primary report font is not installed: no report can be printed."""

    def __init__(self, face: Face) -> None:
        super().__init__(
            f"The report font {face.file.filename} is not installed (it comes from "
            f"{face.file.source}); {INSTALL_HINT}."
        )


def chain(bold: bool) -> tuple[Face, ...]:
    return BOLD_CHAIN if bold else REGULAR_CHAIN


def loaded(face: Face) -> GlyphFont | None:
    """The face registered with reportlab, registering it first; None if not installed."""
    with _lock:
        font = _load(face)
        if font is not None and face.name not in _registered:
            pdfmetrics.registerFont(font)
            _registered.add(face.name)
    return font


_registered: set[str] = set()


@cache
def _load(face: Face) -> GlyphFont | None:
    path = face.file.path()
    if path is None:
        log.warning("Report font not installed: %s (from %s)", face.file.filename, face.file.source)
        return None
    if not face.file.variable:
        return GlyphFont(face.name, str(path))
    return GlyphFont(face.name, io.BytesIO(instance(str(path), face.weight)))


def instance(path: str, weight: int) -> bytes:
    """A static TrueType font at `weight` from a variable one, all glyphs kept (HarfBuzz's
    instancer; a CJK font takes about 0.3 s). reportlab reads only the default outlines,
    which are Thin in these fonts."""
    face = hb.Face(hb.Blob.from_file_path(path))
    request = hb.SubsetInput()
    request.keep_everything()
    request.pin_axis_location(face, "wght", weight)
    subset = hb.subset(face, request)
    if subset is None:
        raise ValueError(f"HarfBuzz could not instance {path}")
    return bytes(subset.blob.data)


@cache
def coverage(face: Face) -> frozenset[int]:
    """The characters a face has (empty when it is not installed); read without registering
    it, so a CJK font is only instanced once a name needs it."""
    path = face.file.path()
    if path is None:
        return frozenset()
    return frozenset(hb.Face(hb.Blob.from_file_path(str(path))).unicodes)


def face_for(character: str, bold: bool, prefer: tuple[Face, ...] = ()) -> Face | None:
    """The first face of `prefer`, then of the chain, that has `character`."""
    code = ord(character)
    for face in (*prefer, *chain(bold)):
        if code in coverage(face):
            return face
    return None
