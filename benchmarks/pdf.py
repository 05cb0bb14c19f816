"""PDF export speed, printed, never asserted: `python -m benchmarks.pdf`.

The session summary of a typical session (~60 entries) and of a long one (~1000 entries) is
built from an already loaded chart view (the report model and the PDF; no database work),
and compared with a bare reportlab document: one plain table (8 columns, repeated header)
with as many body rows as all the summary's tables together, built in the same run. The
ratio is to the bare table set in the same embedded TrueType font (the summary must embed
one to print names such as 'Łukasiewicz': Noto Sans, the first face of its fallback chain);
the ratio to the bare table in the built-in Helvetica is shown as well. Runs of the subject
and both baselines are interleaved so the noise of a shared machine hits all of them; the
figures are medians. Target: at most 2x.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from ketachart.clock import ManualClock
from ketachart.reports.export import operator_view
from ketachart.reports.fonts import REGULAR, register_fonts
from ketachart.reports.summary_model import build_summary
from ketachart.reports.summary_pdf import render_summary_pdf
from ketachart.services.clinic import ClinicInfo
from ketachart.services.sessions import SessionView
from ketachart.storage.database import open_database
from tests.reports import charted
from tests.support import make_clinic

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
SIZES = (("typical", 60), ("long", 1000))
QUICK_SIZES = (("typical", 30), ("long", 120))
TARGET = 2.0
SAMPLE_SECONDS = 0.25
COLUMNS = 8


@dataclass(frozen=True)
class Case:
    name: str
    view: SessionView
    clinic: ClinicInfo
    now: datetime
    rows: int


def chart_case(name: str, entries: int, folder: Path) -> Case:
    """Chart a session through the services (not timed) and load its view."""
    clock = ManualClock(START)
    db = open_database(f"sqlite:///{folder}/{name}.sqlite", clock)
    clinic = make_clinic(db, clock)
    charted.set_clinic(clinic)
    session_id = charted.long_session(clinic, entries)
    with db.reading() as tx:
        view = operator_view(tx, session_id)
    db.dispose()
    rows = build_summary(view, charted.CLINIC, clock.now()).table_rows
    return Case(name, view, charted.CLINIC, clock.now(), rows)


def export_summary(case: Case) -> int:
    """The timed subject: report model and PDF, as an export builds them."""
    return len(render_summary_pdf(build_summary(case.view, case.clinic, case.now)).data)


def bare_document(rows: int, font: str) -> int:
    """The baseline: one plain reportlab table with a repeated header and `rows` rows."""
    buffer = io.BytesIO()
    data = [[f"head {c}" for c in range(COLUMNS)]]
    data += [[f"r{r} c{c}" for c in range(COLUMNS)] for r in range(rows)]
    style = TableStyle(
        [("FONT", (0, 0), (-1, -1), font, 8), ("GRID", (0, 0), (-1, -1), 0.25, "grey")]
    )
    SimpleDocTemplate(buffer, pagesize=letter).build([Table(data, repeatRows=1, style=style)])
    return len(buffer.getvalue())


def seconds(task: Callable[[], int], repeat: int) -> float:
    """Mean seconds of `repeat` back-to-back runs (one sample)."""
    started = time.perf_counter()
    for _ in range(repeat):
        task()
    return (time.perf_counter() - started) / repeat


def measure(case: Case, runs: int) -> tuple[float, float, float]:
    """Median seconds of the subject and of the two baselines, samples interleaved. A sample
    of a short document repeats it to about SAMPLE_SECONDS, so timer and scheduler noise
    of a shared machine weigh less."""
    tasks: tuple[Callable[[], int], ...] = (
        lambda: export_summary(case),
        lambda: bare_document(case.rows, REGULAR),
        lambda: bare_document(case.rows, "Helvetica"),
    )
    warm = [seconds(task, 1) for task in tasks]  # also registers fonts, imports modules
    repeats = [max(1, round(SAMPLE_SECONDS / w)) for w in warm]
    times: list[list[float]] = [[] for _ in tasks]
    for _ in range(runs):
        for task, repeat, taken in zip(tasks, repeats, times, strict=True):
            taken.append(seconds(task, repeat))
    subject, same_font, helvetica = (statistics.median(t) for t in times)
    return subject, same_font, helvetica


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (default 7)")
    parser.add_argument("--quick", action="store_true", help="small sessions, one run (smoke)")
    args = parser.parse_args(argv)
    sizes, runs = (QUICK_SIZES, 1) if args.quick else (SIZES, args.runs)
    register_fonts()
    with tempfile.TemporaryDirectory() as folder:
        cases = [chart_case(name, entries, Path(folder)) for name, entries in sizes]
    print(f"PDF export vs a bare reportlab table of the same rows; medians of {runs} runs")
    for case in cases:
        print(report_line(case, *measure(case, runs)))
    return 0


def report_line(case: Case, subject: float, same_font: float, helvetica: float) -> str:
    ratio = subject / same_font
    verdict = "ok" if ratio <= TARGET else f"above the {TARGET:.0f}x target"
    return (
        f"  {case.name:<8} {len(case.view.events):>5} entries, {case.rows:>5} table rows: "
        f"export {subject * 1000:6.1f} ms; bare table {same_font * 1000:6.1f} ms "
        f"(Noto Sans), {helvetica * 1000:6.1f} ms (Helvetica); ratio {ratio:.2f}x ({verdict}), "
        f"{subject / helvetica:.2f}x to Helvetica"
    )


if __name__ == "__main__":
    sys.exit(main())
