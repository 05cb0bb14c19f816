"""How the trend looks, one set for the chart screen (ui.trend_chart, ui.trend_marks) and the
PDF's vitals chart (reports.vitals_chart): the colours, the scales of the strips and when
marks give way to lines, so a reading, a pause or a mark looks the same on screen and paper."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ketachart.domain.trend import RateStep, TrendPoint

SYSTOLIC = "#b3261e"
DIASTOLIC = "#d0651f"
HEART_RATE = "#2a6fb0"
SPO2 = "#2e8b57"
INFUSION = "#e9dcb5"
INFUSION_EDGE = "#a08a4a"
INFUSION_SPAN = "#f3ecd9"
PAUSED = "#8a8a8a"
RESCUE = "#6a1b9a"
SIDE_EFFECT = "#c05600"
BASELINE = "#555555"

PRESSURE_LOW, PRESSURE_HIGH = 40, 200
"""The pressure strip's range unless a reading lies outside it (then it widens in 20s)."""
SPO2_LOW = 88
MARKS_UP_TO = 120
"""Above this many readings the marks would blot each other out: lines only."""
RATE_HEADROOM = 1.9
"""The rate strip reaches this far above the highest rate: the marks' lanes sit above the
band, never on it."""
MARK_LANES = (0.84, 0.64)
"""Heights (of the rate strip) of the marks: neighbouring marks alternate, so their names do
not run into each other."""
LABEL_CHARACTERS = 14


def pressure_range(points: Iterable[TrendPoint]) -> tuple[int, int]:
    values = [v for pt in points for v in (pt.systolic, pt.diastolic, pt.heart_rate)]
    return min([PRESSURE_LOW, *values]) // 20 * 20, -(-max([PRESSURE_HIGH, *values]) // 20) * 20


def spo2_low(points: Iterable[TrendPoint]) -> int:
    return min([SPO2_LOW, *(pt.spo2 for pt in points)]) // 4 * 4


def highest_rate(steps: Iterable[RateStep]) -> float:
    """The rate strip's scale: the highest rate charted, at least 10 mL/h."""
    return float(max([Decimal(10), *(s.rate_ml_h for s in steps)]))


def rate_step(top: float) -> int:
    """A tick step giving two to four ticks up to `top` mL/h."""
    return next((s for s in (2, 5, 10, 20, 50, 100, 200) if top / s <= 3), 500)


def short_name(text: str) -> str:
    """A mark's name as typed, cut with … to fit beside it."""
    return text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"
