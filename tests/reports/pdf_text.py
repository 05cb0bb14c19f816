"""Reading an exported PDF back with poppler's pdftotext: the text of each page, and the
boxes of its words and lines (`-bbox-layout`), in points from the top left corner."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""pdftotext wraps right-to-left text it reorders in embedding marks; they are not text."""
XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, slack: float = 0.25) -> bool:
        return (
            self.x0 < other.x1 - slack
            and other.x0 < self.x1 - slack
            and self.y0 < other.y1 - slack
            and other.y0 < self.y1 - slack
        )


def page_texts(path: Path) -> list[str]:
    """Each page's text, bidi marks dropped and whitespace runs as one space."""
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    pages = done.stdout.split("\f")[:-1]
    return [" ".join(BIDI_MARKS.sub("", page).split()) for page in pages]


def page_boxes(path: Path) -> list[tuple[list[Box], list[Box]]]:
    """For each page, its words and its lines, with their boxes."""
    done = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    root = ElementTree.fromstring(done.stdout)
    return [
        (_boxes(page, "word"), [_line(line) for line in page.iter(f"{XHTML}line")])
        for page in root.iter(f"{XHTML}page")
    ]


def _boxes(element: ElementTree.Element, tag: str) -> list[Box]:
    return [_box(found, found.text or "") for found in element.iter(f"{XHTML}{tag}")]


def _line(line: ElementTree.Element) -> Box:
    words = " ".join(word.text or "" for word in line.iter(f"{XHTML}word"))
    return _box(line, BIDI_MARKS.sub("", words))


def _box(element: ElementTree.Element, text: str) -> Box:
    number = [float(element.attrib[k]) for k in ("xMin", "yMin", "xMax", "yMax")]
    return Box(BIDI_MARKS.sub("", text), *number)
