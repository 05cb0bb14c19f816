"""A reportlab TrueType font that can draw shaped glyphs and still read back as the text.

reportlab draws characters, not glyphs. A shaped glyph with no character of its own (an
Arabic letter's joined form, a lam-alef ligature, a Devanagari conjunct) is drawn through a
private-use character code allocated here, and the PDF's ToUnicode table maps that code back
to the characters the glyph stands for, so that copying, searching and `pdftotext` read the
name as it was typed. reportlab writes the ToUnicode table itself; this class rewrites it for
the subsets that hold such codes (and for characters beyond U+FFFF, which it writes wrongly).
"""

from __future__ import annotations

import threading
from typing import Any

from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

PRIVATE_RANGES = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD))


class GlyphFont(TTFont):  # type: ignore[misc]  # reportlab has no type hints
    """A TrueType font with codes for shaped glyphs; see the module's text."""

    def __init__(self, name: str, file: Any) -> None:
        super().__init__(name, file)
        self.stands_for: dict[int, str] = {}
        """Allocated code: the text its glyph reads back as."""
        self._codes: dict[tuple[int, str], int] = {}
        self._free = _private_codes(set(self.face.charToGlyph))
        self._lock = threading.Lock()

    def code_for(self, glyph: int, text: str, advance: float) -> int:
        """A character code that draws `glyph` (of width `advance`, in 1/1000 em) and reads
        back as `text`: the glyph's own character where that is the text, else a private
        code allocated once for this glyph and text."""
        if len(text) == 1 and self.face.charToGlyph.get(ord(text)) == glyph:
            return ord(text)
        with self._lock:
            code = self._codes.get((glyph, text))
            if code is None:
                code = next(self._free)
                self.face.charToGlyph[code] = glyph
                self.face.charWidths[code] = advance
                self.stands_for[code] = text
                self._codes[glyph, text] = code
        return code

    def addObjects(self, doc: Any) -> None:  # noqa: N802 - reportlab's name
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state else []
        super().addObjects(doc)
        for number, subset in enumerate(subsets):
            if any(code in self.stands_for or code > 0xFFFF for code in subset):
                base = b"".join((SUBSETN(number), b"+", self.face.name, self.face.subfontNameX))
                name = base.decode("pdfdoc")
                stream = doc.idToObject["toUnicodeCMap:" + name]
                texts = [self.stands_for.get(code, chr(code)) for code in subset]
                stream.content = to_unicode_cmap(name, texts)


def _private_codes(taken: set[int]) -> Any:
    for first, last in PRIVATE_RANGES:
        for code in range(first, last + 1):
            if code not in taken:
                yield code
    raise RuntimeError("no private-use code left for shaped glyphs")


def to_unicode_cmap(name: str, texts: list[str]) -> str:
    """A ToUnicode CMap (PDF 1.7, 9.10.3) mapping one-byte code i to texts[i], written in
    UTF-16BE as the format requires (so characters beyond U+FFFF are surrogate pairs)."""
    pairs = [
        f"<{i:02X}> <{text.encode('utf-16-be').hex().upper()}>" for i, text in enumerate(texts)
    ]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            f"/CIDSystemInfo << /Registry ({name}) /Ordering ({name}) /Supplement 0 >> def",
            f"/CMapName /{name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(texts) - 1:02X}>",
            "endcodespacerange",
            f"{len(texts)} beginbfchar",
            *pairs,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )
