"""The PDF's vitals chart is the chart screen's trend (domain.trend.session_trend), drawn on
paper: read back from the real PDF, it names the rescue medicine and the side effect at their
times and hatches the pause across the strips, as the screen does."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from ketachart.domain.trend import MarkKind, session_trend
from ketachart.reports.blocks import VitalsChartBlock
from ketachart.reports.export import export_session_pdf, operator_view
from ketachart.reports.summary_model import build_summary
from tests.reports import charted
from tests.reports.pdf_text import Box, page_boxes, page_texts
from tests.support import Clinic

CLOCK = re.compile(r"^\d\d:\d\d$")


def test_the_report_chart_is_the_screen_trend(sqlite_clinic: Clinic) -> None:
    session_id = charted.typical_session(sqlite_clinic)
    now = sqlite_clinic.clock.now()
    with sqlite_clinic.db.reading() as tx:
        view = operator_view(tx, session_id)
    report = build_summary(view, charted.CLINIC, now)
    blocks = [b for s in report.sections for b in s.blocks]
    chart = next(b for b in blocks if isinstance(b, VitalsChartBlock))

    assert chart.trend == session_trend(view.model(now))
    assert len(chart.trend.pauses) == 1
    assert {m.kind for m in chart.trend.marks} == {MarkKind.RESCUE, MarkKind.SIDE_EFFECT}
    assert [at for at, _ in chart.ticks] == sorted(at for at, _ in chart.ticks)


def test_the_printed_chart_marks_medicines_and_hatches_the_pause(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    session_id = charted.typical_session(sqlite_clinic)
    pdf = tmp_path / "summary.pdf"
    export_session_pdf(sqlite_clinic.db, sqlite_clinic.physician, session_id, pdf)
    page = next(i for i, text in enumerate(page_texts(pdf)) if "4. Vitals" in text)
    words, _ = page_boxes(pdf)[page]
    legend = next(w for w in words if w.text == "Paused")
    ticks = [w for w in words if CLOCK.match(w.text) and w.y0 > legend.y1 and w.x0 > 40]
    axis = [t for t in ticks if abs(t.y0 - ticks[0].y0) < 1]
    assert len(axis) >= 4
    inside = [w for w in words if legend.y1 < w.y0 < axis[0].y0]
    assert {"Nausea", "Ondansetron"} <= {w.text for w in inside}  # named on the rate strip

    pause = _x_at(axis, "14:36")  # paused 14:35-14:37
    clear = _x_at(axis, "14:28")
    column = _grey_column(pdf, page, legend.y1 + 8, axis[0].y0 - 2)
    assert column(pause) > column(clear) + 20


def _x_at(axis: list[Box], clock: str) -> float:
    """The page x of a clock time, from two of the axis's labels (centred on their time)."""
    first, last = axis[0], axis[-1]
    minutes = [_minutes(first.text), _minutes(last.text)]
    xs = [(first.x0 + first.x1) / 2, (last.x0 + last.x1) / 2]
    share = (_minutes(clock) - minutes[0]) / (minutes[1] - minutes[0])
    return xs[0] + share * (xs[1] - xs[0])


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _grey_column(pdf: Path, page: int, top: float, bottom: float) -> Callable[[float], int]:
    """Counts, for a page x, the pixels darker than the grid and shading between `top` and
    `bottom` (points from the top) on the page rendered at 144 dpi."""
    scale = 2
    out = pdf.parent / "page"
    subprocess.run(
        [
            "pdftoppm",
            "-gray",
            "-r",
            "144",
            "-f",
            str(page + 1),
            "-l",
            str(page + 1),
            str(pdf),
            str(out),
        ],
        check=True,
    )
    image = next(pdf.parent.glob("page*.pgm")).read_bytes()
    header = image.split(b"\n", 3)
    width, _ = (int(v) for v in header[1].split())
    pixels = header[3]

    def count(x: float) -> int:
        column = int(x * scale)
        rows = range(int(top * scale), int(bottom * scale))
        return sum(1 for row in rows if pixels[row * width + column] < 215)

    return count
