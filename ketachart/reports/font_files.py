"""Where each report font file is found on a clinic machine, and what installs it.

- Noto Sans (Latin with Vietnamese, Greek, Cyrillic), Noto Sans Arabic, Hebrew and Devanagari:
  static TrueType files from Debian's `fonts-noto-core` (scripts/install-system-packages).
- Noto Sans SC, TC, JP and KR: Google Fonts' TrueType-outline variable fonts, shipped by the
  PyPI package `justmytype-intl-cjk` (pinned in constraints.txt). Debian's `fonts-noto-cjk`
  has CFF outlines, which reportlab cannot embed. The package is only a carrier of the files:
  they are found through its installed metadata, and its code is never imported.
- DejaVu Sans, inside this package: symbols Noto Sans lacks (≥, ✓, ✗, ⚠).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

DEBIAN_NOTO = Path("/usr/share/fonts/truetype/noto")
CJK_DISTRIBUTION = "justmytype-intl-cjk"
CJK_FOLDER = "justmytype_intl_cjk/fonts/ofl"


@dataclass(frozen=True)
class FontFile:
    """One font file: its file name, and where it comes from (for messages)."""

    filename: str
    source: str
    variable: bool = False
    """A variable font: its default instance is Thin, so it is instanced at a weight."""

    def path(self) -> Path | None:
        """Where the file is on this machine, or None if it is not installed."""
        if self.source == DEJAVU_SOURCE:
            return _bundled(self.filename)
        if self.source == CJK_SOURCE:
            return _in_distribution(CJK_DISTRIBUTION, f"{CJK_FOLDER}/{self.filename}")
        found = DEBIAN_NOTO / self.filename
        return found if found.is_file() else None


NOTO_SOURCE = "the Debian package fonts-noto-core"
CJK_SOURCE = f"the Python package {CJK_DISTRIBUTION}"
DEJAVU_SOURCE = "ketachart itself"
INSTALL_HINT = "install ketachart with `make run` (README, Set-up) to install the fonts"


def noto(filename: str) -> FontFile:
    return FontFile(filename, NOTO_SOURCE)


def cjk(filename: str) -> FontFile:
    return FontFile(filename, CJK_SOURCE, variable=True)


def dejavu(filename: str) -> FontFile:
    return FontFile(filename, DEJAVU_SOURCE)


def _bundled(filename: str) -> Path | None:
    resource = resources.files("ketachart").joinpath("resources", "fonts", filename)
    # An installed package (not zipped) is a folder on disk, which reportlab reads directly.
    path = Path(str(resource))
    return path if path.is_file() else None


def _in_distribution(name: str, relative: str) -> Path | None:
    # Imported here: importlib.metadata costs ~25 ms, and the login window (which registers
    # fallback fonts) only needs it on a machine without a system CJK font.
    from importlib import metadata

    try:
        distribution = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    path = Path(str(distribution.locate_file(relative)))
    return path if path.is_file() else None
