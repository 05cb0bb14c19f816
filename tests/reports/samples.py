"""Render the sample session summaries in docs/samples: `python -m tests.reports.samples`.

A typical signed session with an addendum (every page), a long 4-hour session (first two
pages and the last), and the typical session of a patient named in Chinese and of one named
in Arabic (first page), as PDFs and as 80 dpi PNGs made with pdftoppm (poppler-utils). The
clinic is in Portland, Oregon, so times print in Pacific time. Prints each file's size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ketachart.clock import ManualClock
from ketachart.reports.export import export_session_pdf
from ketachart.storage.database import open_database
from tests.reports import charted
from tests.support import Clinic, make_clinic

START = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
ZONE = "America/Los_Angeles"
DPI = 80


def render(name: str, chart: Callable[[Clinic], str], folder: Path, scratch: Path) -> int:
    """Chart a session on a fresh database and export its summary to folder/name.pdf."""
    clock = ManualClock(START)
    db = open_database(f"sqlite:///{scratch / name}.sqlite", clock)
    clinic = make_clinic(db, clock)
    charted.set_clinic(clinic)
    session_id = chart(clinic)
    result = export_session_pdf(db, clinic.physician, session_id, folder / f"{name}.pdf")
    db.dispose()
    return result.pages


def to_png(pdf: Path, first: int, last: int) -> None:
    """Pages first..last as pdf-N.png (pdftoppm pads N to the page count's width)."""
    prefix = pdf.with_suffix("")
    command = ["pdftoppm", "-png", "-r", str(DPI), "-f", str(first), "-l", str(last)]
    subprocess.run([*command, str(pdf), str(prefix)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/samples"))
    parser.add_argument("--entries", type=int, default=150, help="entries of the long session")
    args = parser.parse_args()
    os.environ["TZ"] = ZONE
    time.tzset()
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("session-summary-*"):
        old.unlink()
    with tempfile.TemporaryDirectory() as scratch:
        signed = render("session-summary-signed", charted.typical_session, args.out, Path(scratch))
        long_pages = render(
            "session-summary-long",
            lambda clinic: charted.long_session(clinic, args.entries),
            args.out,
            Path(scratch),
        )
        for name, (family, given) in NAMED.items():
            render(name, _named(family, given), args.out, Path(scratch))
            to_png(args.out / f"{name}.pdf", 1, 1)
    to_png(args.out / "session-summary-signed.pdf", 1, signed)
    to_png(args.out / "session-summary-long.pdf", 1, 2)
    to_png(args.out / "session-summary-long.pdf", long_pages, long_pages)
    print(f"Samples in {args.out}: signed {signed} pages, long {long_pages} pages.")
    for pdf in sorted(args.out.glob("*.pdf")):
        print(f"  {pdf.name}: {pdf.stat().st_size / 1024:.0f} KiB")


NAMED = {
    "session-summary-chinese": ("王", "小明"),
    "session-summary-arabic": ("الحسيني", "محمد"),
}


def _named(family: str, given: str) -> Callable[[Clinic], str]:
    def chart(clinic: Clinic) -> str:
        charted.renamed(clinic, family, given)
        return charted.typical_session(clinic)

    return chart


if __name__ == "__main__":
    main()
