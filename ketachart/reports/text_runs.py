"""Which font prints each character of a line: the first face of the fallback chain that has
it, with marks, joiners and punctuation kept in the font of the character before them (so a
word is not cut into runs HarfBuzz would shape apart). A character no installed font has is
printed as a replacement mark and reported."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ketachart.reports.fonts import Face, chain, coverage, face_for

REPLACEMENT = "\ufffd"
"""The mark printed for a character no font has (Noto Sans has it)."""


@dataclass(frozen=True)
class FontRun:
    """Characters start..end of a line (logical order), printed in `face` at one level."""

    start: int
    end: int
    face: Face
    level: int


@dataclass(frozen=True)
class Chosen:
    text: str
    """The line, with each character no font has replaced by REPLACEMENT."""
    faces: tuple[Face, ...]
    missing: frozenset[str]


def choose_faces(text: str, bold: bool) -> Chosen:
    """A face for every character of `text`."""
    primary = chain(bold)[0]
    prefer = _preferred_cjk(text, bold)
    chars, faces, missing = list(text), [], set()
    previous: Face | None = None
    for i, char in enumerate(text):
        face = _keep_previous(char, previous) or face_for(char, bold, prefer)
        if face is None:
            missing.add(char)
            chars[i], face = REPLACEMENT, primary
        faces.append(face)
        previous = face
    return Chosen("".join(chars), tuple(faces), frozenset(missing))


def font_runs(faces: tuple[Face, ...], levels: tuple[int, ...]) -> list[FontRun]:
    """Maximal runs of one face at one embedding level."""
    runs: list[FontRun] = []
    start = 0
    for i in range(1, len(faces) + 1):
        if i == len(faces) or (faces[i], levels[i]) != (faces[start], levels[start]):
            runs.append(FontRun(start, i, faces[start], levels[start]))
            start = i
    return runs


def _keep_previous(char: str, previous: Face | None) -> Face | None:
    """The previous character's face for a mark, joiner or neutral it also has."""
    if previous is None or not _attaches(char):
        return None
    return previous if ord(char) in coverage(previous) or _invisible(char) else None


@lru_cache(maxsize=4096)
def _attaches(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "MZP" or category in ("Cf", "Nd", "Sm", "Sc")


def _invisible(char: str) -> bool:
    """Joiners, variation selectors and other format characters: HarfBuzz uses them and
    draws nothing."""
    return unicodedata.category(char) == "Cf" or "\ufe00" <= char <= "\ufe0f"


def _preferred_cjk(text: str, bold: bool) -> tuple[Face, ...]:
    """Japanese forms for a line with kana, Korean for one with hangul (Han characters are
    shared; the chain's default is Simplified Chinese)."""
    faces = {face.name: face for face in chain(bold)}
    suffix = "-Bold" if bold else ""
    if any("\u3040" <= c <= "\u30ff" for c in text):
        return (faces[f"NotoSansJP{suffix}"],)
    if any("\uac00" <= c <= "\ud7af" or "\u1100" <= c <= "\u11ff" for c in text):
        return (faces[f"NotoSansKR{suffix}"],)
    return ()
