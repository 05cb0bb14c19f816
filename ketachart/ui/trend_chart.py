"""Vitals trend: BP, HR and SpO2 over time, with the baseline as dashed lines (pyqtgraph)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ketachart.domain.timeline import SessionState

SERIES = (
    ("systolic", "Systolic BP", "#c62828", "o"),
    ("diastolic", "Diastolic BP", "#ef6c00", "t"),
    ("heart_rate", "Heart rate", "#1565c0", "s"),
    ("spo2", "SpO2 %", "#2e7d32", "d"),
)


class TrendChart(pg.PlotWidget):  # type: ignore[misc]
    """Each series has its own colour *and* marker shape, so colour is not the only cue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, axisItems={"bottom": pg.DateAxisItem()})
        self.setBackground("w")
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("left", "mmHg, /min, %")
        legend = self.addLegend(offset=(10, 5), colCount=4)
        legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        self.setMinimumHeight(220)

    def show_state(self, state: SessionState) -> None:
        self.clear()
        times = [r.at.timestamp() for r in state.readings]
        for attribute, label, colour, symbol in SERIES:
            values = [getattr(r.vitals, attribute) for r in state.readings]
            self.plot(
                times,
                values,
                name=label,
                pen=pg.mkPen(colour, width=2),
                symbol=symbol,
                symbolBrush=colour,
                symbolSize=8,
            )
        self._show_baseline(state)

    def _show_baseline(self, state: SessionState) -> None:
        baseline = state.baseline
        if baseline is None:
            return
        for attribute, _label, colour, _symbol in SERIES[:3]:
            value = getattr(baseline, attribute)
            line = pg.InfiniteLine(
                pos=value,
                angle=0,
                pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine),
                label=f"baseline {value}",
                labelOpts={"position": 0.97, "color": colour, "anchors": [(1, 1), (1, 1)]},
            )
            self.addItem(line)
