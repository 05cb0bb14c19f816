"""The vitals trend on paper, as the chart screen draws it (ui.trend_chart), from the same
trend (domain.trend.session_trend) in the same colours and scales (reports.trend_style): ∨ systolic,
∧ diastolic and • heart rate above, an SpO2 strip, and the pump rate as a band with its pauses
hatched across every strip, all on one clock-time axis; rescue medicines and side effects
marked at their times through every strip, named on the rate strip. The legend sits above
the plots, never on them.

Vector graphics (reportlab.graphics) from plain shapes, each kind of mark one path: a few
hundred nodes where chart widgets made thousands."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from reportlab.graphics.shapes import Drawing, Line, Path, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from ketachart.domain.trend import MarkKind, RateStep, TrendMark, TrendPoint
from ketachart.reports import trend_style as style
from ketachart.reports.blocks import VitalsChartBlock
from ketachart.reports.fonts import REGULAR
from ketachart.reports.styles import BAND, INK, MUTED, RULE

SYSTOLIC = colors.HexColor(style.SYSTOLIC)
DIASTOLIC = colors.HexColor(style.DIASTOLIC)
HEART_RATE = colors.HexColor(style.HEART_RATE)
SPO2 = colors.HexColor(style.SPO2)
INFUSION = colors.HexColor(style.INFUSION)
INFUSION_EDGE = colors.HexColor(style.INFUSION_EDGE)
INFUSION_SPAN = colors.HexColor(style.INFUSION_SPAN)
PAUSED = colors.HexColor(style.PAUSED)
RESCUE = colors.HexColor(style.RESCUE)
SIDE_EFFECT = colors.HexColor(style.SIDE_EFFECT)
BASELINE = colors.HexColor(style.BASELINE)

HEIGHT = 284.0
LEFT = 30.0
RIGHT = 6.0
LABEL_SIZE = 6.5
HATCH_SPACING = 4.0
MARK_SIZE = 2.6
"""Half the width of a ∨/∧ mark, in points."""


@dataclass(frozen=True)
class Panel:
    """One strip: its plotting area, the values its edges stand for, and its time scale."""

    x: float
    y: float
    width: float
    height: float
    low: int
    high: int
    step: int
    start: datetime
    span: float
    """Minutes across the full width, from `start`."""

    def px(self, at: datetime) -> float:
        return self.x + self.width * (at - self.start).total_seconds() / 60 / self.span

    def py(self, value: float) -> float:
        return self.y + self.height * (value - self.low) / (self.high - self.low)

    @property
    def top(self) -> float:
        return self.y + self.height


Value = Callable[[TrendPoint], int]


def vitals_drawing(chart: VitalsChartBlock, width: float) -> Drawing:
    trend = chart.trend
    drawing = Drawing(width, HEIGHT)
    span = max((trend.end - trend.start).total_seconds() / 60, 10.0)
    plot = (LEFT, width - LEFT - RIGHT)
    low, high = style.pressure_range(trend.points)
    pressure = Panel(plot[0], 128, plot[1], 126, low, high, 20, trend.start, span)
    oxygen = Panel(
        plot[0], 72, plot[1], 42, style.spo2_low(trend.points), 100, 4, trend.start, span
    )
    rate_top, rate_step = _rate_scale(trend.steps)
    rate = Panel(plot[0], 20, plot[1], 40, 0, rate_top, rate_step, trend.start, span)
    panels = (pressure, oxygen, rate)
    for panel, title in zip(panels, ("mmHg · /min", "SpO2 %", "mL/h"), strict=True):
        _panel(drawing, panel, chart, title, shade=panel is not rate)
        _pauses(drawing, panel, trend.pauses)
    _baselines(drawing, pressure, oxygen, trend.baseline)
    _vitals(drawing, pressure, oxygen, trend.points)
    _rate_band(drawing, rate, trend.steps)
    _marks(drawing, panels, trend.marks)
    _time_labels(drawing, rate, chart)
    _legend(drawing, width)
    return drawing


def _rate_scale(steps: Iterable[RateStep]) -> tuple[int, int]:
    """The rate strip's top and label step, as on screen."""
    highest = style.highest_rate(steps)
    step = style.rate_step(highest)
    return -(-int(highest * style.RATE_HEADROOM) // step) * step, step


def _panel(
    drawing: Drawing, panel: Panel, chart: VitalsChartBlock, title: str, shade: bool
) -> None:
    """The infusion's span shaded, grid with value labels, frame and title of one strip."""
    infusion = chart.trend.infusion
    if shade and infusion is not None:
        start, stop = (panel.px(at) for at in infusion)
        drawing.add(
            Rect(
                start,
                panel.y,
                max(stop - start, 1),
                panel.height,
                fillColor=INFUSION_SPAN,
                strokeColor=None,
            )
        )
    grid = Path(strokeColor=BAND, strokeWidth=0.5, fillColor=None)
    for value in range(panel.low, panel.high + 1, panel.step):
        grid.moveTo(panel.x, panel.py(value))
        grid.lineTo(panel.x + panel.width, panel.py(value))
        drawing.add(_text(panel.x - 3, panel.py(value) - 2.2, str(value), anchor="end"))
    for at, _ in chart.ticks:
        grid.moveTo(panel.px(at), panel.y)
        grid.lineTo(panel.px(at), panel.top)
    drawing.add(grid)
    frame = Rect(panel.x, panel.y, panel.width, panel.height, fillColor=None, strokeColor=RULE)
    frame.strokeWidth = 0.6
    drawing.add(frame)
    drawing.add(_text(2, panel.top + 4.5, title))  # above the top value label


def _pauses(drawing: Drawing, panel: Panel, pauses: Iterable[RateStep]) -> None:
    """Each pause hatched across the strip, edged, as the screen draws it."""
    for pause in pauses:
        x0, x1 = panel.px(pause.start), panel.px(pause.end)
        drawing.add(_hatched(x0, panel.y, max(x1 - x0, 0.8), panel.height, PAUSED))


def _hatched(x: float, y: float, width: float, height: float, colour: colors.Color) -> Path:
    """A rectangle's outline and its '/' hatching, clipped to it by arithmetic (the lines
    fall on one page-wide grid, so neighbouring strips' hatching lines up)."""
    path = Path(strokeColor=colour, strokeWidth=0.5, fillColor=None)
    path.moveTo(x, y)
    for corner in ((x + width, y), (x + width, y + height), (x, y + height)):
        path.lineTo(*corner)
    path.closePath()
    offset = (x - (y + height)) // HATCH_SPACING * HATCH_SPACING
    while offset <= x + width - y:
        # the line y' = x' - offset, within the rectangle
        start, stop = max(x, y + offset), min(x + width, y + height + offset)
        if start < stop:
            path.moveTo(start, start - offset)
            path.lineTo(stop, stop - offset)
        offset += HATCH_SPACING
    return path


def _baselines(drawing: Drawing, pressure: Panel, oxygen: Panel, base: TrendPoint | None) -> None:
    if base is None:
        return
    for panel, level, colour in (
        (pressure, base.systolic, SYSTOLIC),
        (pressure, base.diastolic, DIASTOLIC),
        (pressure, base.heart_rate, HEART_RATE),
        (oxygen, base.spo2, SPO2),
    ):
        if panel.low <= level <= panel.high:
            y = panel.py(level)
            line = Line(panel.x, y, panel.x + panel.width, y, strokeColor=colour)
            line.strokeWidth, line.strokeDashArray = 0.7, [3, 2]
            drawing.add(line)


def _vitals(
    drawing: Drawing, pressure: Panel, oxygen: Panel, points: tuple[TrendPoint, ...]
) -> None:
    marked = len(points) <= style.MARKS_UP_TO
    for panel, value, colour, mark in (
        (pressure, _sys, SYSTOLIC, _chevrons_down),
        (pressure, _dia, DIASTOLIC, _chevrons_up),
        (pressure, _hr, HEART_RATE, _dots),
        (oxygen, _spo2, SPO2, _small_dots),
    ):
        xy = [(panel.px(pt.at), panel.py(value(pt))) for pt in points]
        if len(xy) > 1:
            flat = [c for point in xy for c in point]
            drawing.add(PolyLine(flat, strokeColor=_lighter(colour), strokeWidth=0.8))
        if xy and (marked or len(xy) == 1):
            drawing.add(mark(xy, colour))


def _sys(pt: TrendPoint) -> int:
    return pt.systolic


def _dia(pt: TrendPoint) -> int:
    return pt.diastolic


def _hr(pt: TrendPoint) -> int:
    return pt.heart_rate


def _spo2(pt: TrendPoint) -> int:
    return pt.spo2


def _lighter(colour: colors.Color) -> colors.Color:
    return colors.linearlyInterpolatedColor(colour, colors.white, 0, 1, 0.3)


def _chevrons(xy: list[tuple[float, float]], colour: colors.Color, apex_down: bool) -> Path:
    """An open V (∨, or ∧) at every point, its apex on the value: one path."""
    arms = MARK_SIZE if apex_down else -MARK_SIZE
    path = Path(strokeColor=colour, strokeWidth=1.0, fillColor=None)
    for x, y in xy:
        path.moveTo(x - MARK_SIZE * 0.84, y + arms)
        path.lineTo(x, y)
        path.lineTo(x + MARK_SIZE * 0.84, y + arms)
    return path


def _chevrons_down(xy: list[tuple[float, float]], colour: colors.Color) -> Path:
    return _chevrons(xy, colour, apex_down=True)


def _chevrons_up(xy: list[tuple[float, float]], colour: colors.Color) -> Path:
    return _chevrons(xy, colour, apex_down=False)


def _dots(xy: list[tuple[float, float]], colour: colors.Color, radius: float = 1.5) -> Path:
    """A filled dot at every point: one path of Bézier circles."""
    k = radius * 0.5523
    path = Path(fillColor=colour, strokeColor=None)
    for x, y in xy:
        path.moveTo(x + radius, y)
        path.curveTo(x + radius, y + k, x + k, y + radius, x, y + radius)
        path.curveTo(x - k, y + radius, x - radius, y + k, x - radius, y)
        path.curveTo(x - radius, y - k, x - k, y - radius, x, y - radius)
        path.curveTo(x + k, y - radius, x + radius, y - k, x + radius, y)
        path.closePath()
    return path


def _small_dots(xy: list[tuple[float, float]], colour: colors.Color) -> Path:
    return _dots(xy, colour, radius=1.1)


def _rate_band(drawing: Drawing, panel: Panel, steps: Iterable[RateStep]) -> None:
    """The pump rate as a filled band: one block per stretch at one rate (pauses hatched)."""
    band = Path(fillColor=INFUSION, strokeColor=INFUSION_EDGE, strokeWidth=0.8)
    for step in steps:
        if step.paused:
            continue
        x0, x1, top = panel.px(step.start), panel.px(step.end), panel.py(float(step.rate_ml_h))
        band.moveTo(x0, panel.y)
        for corner in ((x0, top), (max(x1, x0 + 0.5), top), (max(x1, x0 + 0.5), panel.y)):
            band.lineTo(*corner)
        band.closePath()
    drawing.add(band)


def _marks(drawing: Drawing, panels: tuple[Panel, ...], marks: tuple[TrendMark, ...]) -> None:
    """A dotted line through every strip at each mark's time, and on the rate strip its
    symbol and short name (as typed, shortened), on alternating lanes."""
    rate = panels[-1]
    for kind, colour, symbol in (
        (MarkKind.RESCUE, RESCUE, _triangle),
        (MarkKind.SIDE_EFFECT, SIDE_EFFECT, _diamond),
    ):
        lines = Path(strokeColor=colour, strokeWidth=0.6, fillColor=None, strokeDashArray=[1, 1.5])
        spots: list[tuple[float, float]] = []
        for index, mark in enumerate(marks):
            if mark.kind is not kind:
                continue
            x = rate.px(mark.at)
            for panel in panels:
                lines.moveTo(x, panel.y)
                lines.lineTo(x, panel.top)
            y = rate.y + rate.height * style.MARK_LANES[index % 2]
            spots.append((x, y))
            drawing.add(_mark_name(x + 4, y - 2.2, mark.short, colour))
        if spots:
            drawing.add(lines)
            drawing.add(symbol(spots, colour))


def _mark_name(x: float, y: float, short: str, colour: colors.Color) -> String:
    return String(
        x, y, style.short_name(short), fontName=REGULAR, fontSize=LABEL_SIZE, fillColor=colour
    )


def _triangle(xy: list[tuple[float, float]], colour: colors.Color, size: float = 2.8) -> Path:
    path = Path(fillColor=colour, strokeColor=None)
    for x, y in xy:
        path.moveTo(x - size, y - size * 0.8)
        path.lineTo(x + size, y - size * 0.8)
        path.lineTo(x, y + size)
        path.closePath()
    return path


def _diamond(xy: list[tuple[float, float]], colour: colors.Color, size: float = 3.0) -> Path:
    path = Path(fillColor=colour, strokeColor=None)
    for x, y in xy:
        path.moveTo(x, y - size)
        path.lineTo(x + size, y)
        path.lineTo(x, y + size)
        path.lineTo(x - size, y)
        path.closePath()
    return path


def _time_labels(drawing: Drawing, panel: Panel, chart: VitalsChartBlock) -> None:
    for at, label in chart.ticks:
        drawing.add(_text(panel.px(at), panel.y - 9, label, anchor="middle"))


Sample = Callable[[float, float], list[Path | Line | Rect]]


def _legend_samples() -> tuple[tuple[str, Sample], ...]:
    """Each name and a sample drawn as the plot draws it (at x, y: the sample's left middle)."""
    return (
        ("Systolic", lambda x, y: [_chevrons_down([(x + 5, y - 1.2)], SYSTOLIC)]),
        ("Diastolic", lambda x, y: [_chevrons_up([(x + 5, y + 1.2)], DIASTOLIC)]),
        ("Heart rate /min", lambda x, y: [_dots([(x + 5, y)], HEART_RATE)]),
        ("SpO2", lambda x, y: [_small_dots([(x + 5, y)], SPO2)]),
        (
            "Infusion",
            lambda x, y: [Rect(x, y - 3, 11, 6, fillColor=INFUSION, strokeColor=INFUSION_EDGE)],
        ),
        ("Paused", lambda x, y: [_hatched(x, y - 3, 11, 6, PAUSED)]),
        ("Rescue medicine", lambda x, y: [_triangle([(x + 5, y)], RESCUE)]),
        ("Side effect", lambda x, y: [_diamond([(x + 5, y)], SIDE_EFFECT)]),
        ("Baseline", lambda x, y: [_dashed(x, y)]),
    )


def _dashed(x: float, y: float) -> Line:
    line = Line(x, y, x + 11, y, strokeColor=BASELINE, strokeWidth=1.0)
    line.strokeDashArray = [3, 2]
    return line


def _legend(drawing: Drawing, width: float) -> None:
    """Right-aligned in a row above the plots: a sample of each mark, then its name."""
    x, y = width - RIGHT, HEIGHT - 7
    for text, sample in reversed(_legend_samples()):
        x -= 18 + stringWidth(text, REGULAR, 7)
        for shape in sample(x, y + 2.5):
            drawing.add(shape)
        drawing.add(String(x + 14, y, text, fontName=REGULAR, fontSize=7, fillColor=INK))


def _text(x: float, y: float, text: str, anchor: str = "start") -> String:
    return String(
        x, y, text, fontName=REGULAR, fontSize=LABEL_SIZE, fillColor=MUTED, textAnchor=anchor
    )
