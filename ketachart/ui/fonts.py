"""Fonts for every script a patient's name may be written in, on screen.

A name the screen cannot draw shows as boxes, and a nurse then cannot check the patient's
identity against the wristband. The application font is a list of families, tried in order
for each character: the workstation's own font first, then Noto for Latin, Greek and Cyrillic
(Noto Sans), Chinese, Japanese and Korean (Noto Sans CJK), Arabic, Hebrew and Devanagari, then
DejaVu Sans for symbols. `make run` installs them (fonts-noto-core, fonts-noto-cjk: see
scripts/install-system-packages). Where a machine has no CJK font, the TrueType Noto Sans SC
that the report already depends on (the Python package justmytype-intl-cjk) is registered with
Qt; where it has no DejaVu Sans, the copy inside this package is.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase

from ketachart.reports.font_files import FontFile, cjk, dejavu

SCRIPT_FAMILIES = (
    "Noto Sans",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "DejaVu Sans",
)
"""After the workstation's own font, in this order (CJK before the scripts Noto Sans lacks:
none of them overlap)."""

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC")
FALLBACK_FILES: tuple[tuple[tuple[str, ...], tuple[FontFile, ...]], ...] = (
    (CJK_FAMILIES, (cjk("notosanssc/NotoSansSC[wght].ttf"),)),
    (("DejaVu Sans",), (dejavu("DejaVuSans.ttf"), dejavu("DejaVuSans-Bold.ttf"))),
)


def register_fallback_fonts(installed: set[str] | None = None) -> list[str]:
    """Register, for this run, the font files of the families the system lacks (`installed`:
    the families known now, if already read); returns the families added (none on a machine
    set up by `make run`)."""
    if installed is None:
        installed = set(QFontDatabase.families())
    added: list[str] = []
    for families, files in FALLBACK_FILES:
        if installed.intersection(families):
            continue
        for path in _paths(files):
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id >= 0:
                added.extend(QFontDatabase.applicationFontFamilies(font_id))
    return added


def _paths(files: Iterable[FontFile]) -> list[Path]:
    return [path for path in (f.path() for f in files) if path is not None]


def with_script_families(font: QFont) -> QFont:
    """`font`, followed by every installed family of SCRIPT_FAMILIES: Qt draws each character
    from the first family in the list that has it."""
    installed = set(QFontDatabase.families())
    installed.update(register_fallback_fonts(installed))
    first = font.family()
    rest = [f for f in SCRIPT_FAMILIES if f in installed and f != first]
    result = QFont(font)
    result.setFamilies([first, *rest])
    return result
