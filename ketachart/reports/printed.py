"""Reading back what a session summary PDF prints about its record (its session number, the
chain head at printing, each signature's content hash and covered entry), with pypdf."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from ketachart.services.printed_check import PrintedSummary

SESSION = re.compile(r"Session ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) ·")
HEAD = re.compile(
    r"(?:Chain head at printing|Current chain head \(unsigned\)) Entry (\d+) ([0-9a-f]{64})"
)
COVERED = re.compile(r"Covers entry (\d+) ([0-9a-f]{64})")
CONTENT_HASH = re.compile(r"Content hash ([0-9a-f]{64})")


def pdf_text(path: Path) -> str | None:
    """All the text of a PDF, whitespace runs as one space; None if it is not a readable PDF."""
    try:
        pages = [page.extract_text() for page in PdfReader(path).pages]
    except (PyPdfError, ValueError, KeyError, TypeError):
        return None
    return re.sub(r"\s+", " ", " ".join(pages))


def read_printed_summary(path: Path) -> PrintedSummary | None:
    """What the summary at `path` prints about its record; None for any other file."""
    text = pdf_text(path)
    session = SESSION.search(text) if text is not None else None
    head = HEAD.search(text) if text is not None else None
    if text is None or session is None or head is None:
        return None
    return PrintedSummary(
        session[1],
        (int(head[1]), head[2]),
        tuple((int(seq), digest) for seq, digest in COVERED.findall(text)),
        tuple(CONTENT_HASH.findall(text)),
    )
