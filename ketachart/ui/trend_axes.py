"""The trend chart's axes: local clock time (HH:MM at round minutes) and value axes whose
ticks are whole numbers at fixed steps, so no axis ever reads like "00.250"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyqtgraph as pg

from ketachart.domain.trend import clock_ticks

PIXELS_PER_TIME_LABEL = 64


def stamp(at: datetime) -> float:
    """A moment as the chart's x coordinate (POSIX seconds)."""
    return at.timestamp()


def local_clock(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).astimezone().strftime("%H:%M")


class TimeAxis(pg.AxisItem):  # type: ignore[misc]
    """Ticks at round local clock times, the same ones the PDF's chart labels."""

    def __init__(self, *, labelled: bool = True) -> None:
        super().__init__("bottom")
        self.enableAutoSIPrefix(False)  # re-laid its label at every range change: slow
        self.labelled = labelled

    def tickValues(self, low: float, high: float, size: float) -> list[tuple[float, list[float]]]:
        if high <= low:
            return []
        start = datetime.fromtimestamp(low, UTC)
        end = datetime.fromtimestamp(high, UTC)
        most = max(int(size // PIXELS_PER_TIME_LABEL), 2)
        ticks = [stamp(at) for at in clock_ticks(start, end, most)]
        spacing = ticks[1] - ticks[0] if len(ticks) > 1 else 300.0
        return [(spacing, ticks)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if not self.labelled:
            return ["" for _ in values]
        return [local_clock(v) for v in values]


class StepAxis(pg.AxisItem):  # type: ignore[misc]
    """A value axis with ticks every `step` (whole numbers), whatever the zoom."""

    def __init__(self, orientation: str, step: float, **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)  # whole mmHg, %, mL/h: never "×0.001"
        self.step = step

    def tickValues(self, low: float, high: float, size: float) -> list[tuple[float, list[float]]]:
        first = -(-low // self.step) * self.step
        count = int((high - first) // self.step) + 1
        return [(self.step, [first + i * self.step for i in range(max(count, 0))])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{v:g}" for v in values]

    def resizeEvent(self, ev: Any = None) -> None:
        """The rotated unit title ("SpO2 %") shows only when the strip is tall enough for all
        of it: on a short screen a strip is shorter than its title, and titles cut into one
        another. The unit is then in the axis's tooltip."""
        super().resizeEvent(ev)
        if self.label is None or not self.label.toPlainText():
            return
        fits = self.label.boundingRect().width() <= self.size().height()
        self.label.setVisible(fits and self.labelText != "")
        self.setToolTip("" if fits else self.labelText)
