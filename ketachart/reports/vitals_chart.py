"""The vitals trend chart: BP and HR above, SpO2 below, against local clock time, with the
baseline as dashed lines and the infusion shaded. Vector graphics (reportlab.graphics), drawn
from plain shapes: a few hundred nodes where the chart widgets made thousands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportlab.graphics.shapes import Drawing, Line, Path, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from ketachart.reports.blocks import ChartPoint, VitalsChartBlock
from ketachart.reports.fonts import REGULAR
from ketachart.reports.styles import BAND, INK, MUTED, RULE

SYSTOLIC = colors.HexColor("#b3261e")
DIASTOLIC = colors.HexColor("#e07b39")
HEART_RATE = colors.HexColor("#2a6fb0")
SPO2 = colors.HexColor("#2e8b57")
INFUSION = colors.HexColor("#f3ecd9")
HEIGHT = 232.0
LEFT = 30.0
MARKERS_UP_TO = 60
"""Above this many readings, markers would blot the lines out."""
LABEL_SIZE = 6.5

Value = Callable[[ChartPoint], int]


@dataclass(frozen=True)
class Panel:
    """A plotting area and the values its edges stand for."""

    x: float
    y: float
    width: float
    height: float
    low: int
    high: int
    step: int
    span: float
    """Minutes across the full width."""

    def px(self, minute: float) -> float:
        return self.x + self.width * minute / self.span

    def py(self, value: float) -> float:
        return self.y + self.height * (value - self.low) / (self.high - self.low)


def vitals_drawing(chart: VitalsChartBlock, width: float) -> Drawing:
    drawing = Drawing(width, HEIGHT)
    span = max(_last_minute(chart), 10.0)
    low, high = _pressure_range(chart)
    pressure = Panel(LEFT, 92, width - LEFT - 6, 118, low, high, 20, span)
    oxygen = Panel(LEFT, 20, width - LEFT - 6, 46, _spo2_low(chart), 100, 4, span)
    for panel, title, series in (
        (pressure, "mmHg · /min", PRESSURE_SERIES),
        (oxygen, "SpO2 %", OXYGEN_SERIES),
    ):
        _panel(drawing, panel, chart, title)
        _baselines(drawing, panel, chart, series)
        _series(drawing, panel, chart, series)
    _time_labels(drawing, oxygen, chart)
    _legend(drawing, width)
    return drawing


def _sys(pt: ChartPoint) -> int:
    return pt.systolic


def _dia(pt: ChartPoint) -> int:
    return pt.diastolic


def _hr(pt: ChartPoint) -> int:
    return pt.heart_rate


def _spo2(pt: ChartPoint) -> int:
    return pt.spo2


Series = tuple[tuple[Value, colors.Color], ...]
PRESSURE_SERIES: Series = ((_sys, SYSTOLIC), (_dia, DIASTOLIC), (_hr, HEART_RATE))
OXYGEN_SERIES: Series = ((_spo2, SPO2),)


def _last_minute(chart: VitalsChartBlock) -> float:
    last = max((pt.minute for pt in chart.points), default=0.0)
    return max(last, chart.infusion[1] if chart.infusion else 0.0)


def _pressure_range(chart: VitalsChartBlock) -> tuple[int, int]:
    values = [v for pt in chart.points for v in (pt.systolic, pt.diastolic, pt.heart_rate)]
    return min([40, *values]) // 20 * 20, -(-max([180, *values]) // 20) * 20


def _spo2_low(chart: VitalsChartBlock) -> int:
    return min([88, *(pt.spo2 for pt in chart.points)]) // 4 * 4


def _panel(drawing: Drawing, panel: Panel, chart: VitalsChartBlock, title: str) -> None:
    """Infusion shading, grid with value labels, frame and title of one panel."""
    if chart.infusion is not None:
        start, stop = (panel.px(m) for m in chart.infusion)
        width = max(stop - start, 1)
        drawing.add(Rect(start, panel.y, width, panel.height, fillColor=INFUSION, strokeColor=None))
    drawing.add(_grid(panel, chart))
    for value in range(panel.low, panel.high + 1, panel.step):
        drawing.add(_text(panel.x - 3, panel.py(value) - 2.2, str(value), anchor="end"))
    frame = Rect(panel.x, panel.y, panel.width, panel.height, fillColor=None, strokeColor=RULE)
    frame.strokeWidth = 0.6
    drawing.add(frame)
    drawing.add(_text(2, panel.y + panel.height + 4, title))


def _grid(panel: Panel, chart: VitalsChartBlock) -> Path:
    """Every grid line of a panel as one path."""
    grid = Path(strokeColor=BAND, strokeWidth=0.5, fillColor=None)
    for value in range(panel.low, panel.high + 1, panel.step):
        grid.moveTo(panel.x, panel.py(value))
        grid.lineTo(panel.x + panel.width, panel.py(value))
    for minute, _ in chart.ticks:
        grid.moveTo(panel.px(minute), panel.y)
        grid.lineTo(panel.px(minute), panel.y + panel.height)
    return grid


def _baselines(drawing: Drawing, panel: Panel, chart: VitalsChartBlock, series: Series) -> None:
    base = chart.baseline
    if base is None:
        return
    for value, colour in series:
        level = value(base)
        if panel.low <= level <= panel.high:
            y = panel.py(level)
            drawing.add(
                Line(
                    panel.x,
                    y,
                    panel.x + panel.width,
                    y,
                    strokeColor=colour,
                    strokeWidth=0.7,
                    strokeDashArray=[3, 2],
                )
            )


def _series(drawing: Drawing, panel: Panel, chart: VitalsChartBlock, series: Series) -> None:
    markers = len(chart.points) <= MARKERS_UP_TO
    for value, colour in series:
        xy = [(panel.px(pt.minute), panel.py(value(pt))) for pt in chart.points]
        if len(xy) > 1:
            flat = [c for point in xy for c in point]
            drawing.add(PolyLine(flat, strokeColor=colour, strokeWidth=1.2))
        if markers or len(xy) == 1:
            drawing.add(_squares(xy, colour))


def _squares(xy: list[tuple[float, float]], colour: colors.Color) -> Path:
    """All markers of a series as one filled path: one drawing node instead of hundreds."""
    path = Path(fillColor=colour, strokeColor=None)
    for x, y in xy:
        path.moveTo(x - 1.3, y - 1.3)
        path.lineTo(x + 1.3, y - 1.3)
        path.lineTo(x + 1.3, y + 1.3)
        path.lineTo(x - 1.3, y + 1.3)
        path.closePath()
    return path


def _time_labels(drawing: Drawing, panel: Panel, chart: VitalsChartBlock) -> None:
    for minute, label in chart.ticks:
        drawing.add(_text(panel.px(minute), panel.y - 9, label, anchor="middle"))


LEGEND = (
    ("Infusion", INFUSION, None),
    ("Systolic", SYSTOLIC, None),
    ("Diastolic", DIASTOLIC, None),
    ("Heart rate", HEART_RATE, None),
    ("SpO2", SPO2, None),
    ("Baseline", INK, [3, 2]),
)


def _legend(drawing: Drawing, width: float) -> None:
    """Right-aligned along the top: a swatch or line sample, then its name."""
    x, y = width - 6, HEIGHT - 8
    for text, colour, dash in reversed(LEGEND):
        x -= 18 + stringWidth(text, REGULAR, 7)
        if colour is INFUSION:
            drawing.add(Rect(x, y - 1, 11, 7, fillColor=colour, strokeColor=None))
        else:
            sample = Line(x, y + 2.5, x + 11, y + 2.5, strokeColor=colour, strokeWidth=1.4)
            sample.strokeDashArray = dash
            drawing.add(sample)
        drawing.add(String(x + 14, y, text, fontName=REGULAR, fontSize=7, fillColor=INK))


def _text(x: float, y: float, text: str, anchor: str = "start") -> String:
    return String(
        x, y, text, fontName=REGULAR, fontSize=LABEL_SIZE, fillColor=MUTED, textAnchor=anchor
    )
