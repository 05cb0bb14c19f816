"""The TrueType font every report uses. The built-in PDF fonts cannot print names such as
'Łukasiewicz' or symbols such as '≥', so a Unicode TTF ships inside the package."""

from __future__ import annotations

from importlib import resources

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


def register_fonts() -> None:
    """Register the report fonts with reportlab (its registry is process-wide; idempotent)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in _FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(_load(name, filename))
    # Paragraph markup (<b>) looks fonts up by family, so map the family's styles.
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)


def _load(name: str, filename: str) -> TTFont:
    resource = resources.files("ketachart").joinpath("resources", "fonts", filename)
    # TTFont reads the whole file here, so a temporary copy (zipped install) may go after.
    with resources.as_file(resource) as path:
        return TTFont(name, str(path))
