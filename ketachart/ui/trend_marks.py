"""The marks of an anaesthesia record as pyqtgraph symbols: ∨ systolic and ∧ diastolic with
their apex on the value, • heart rate; and the legend's samples drawn from the same symbols, so
the legend shows exactly what the plot shows (no font needs the ∨ ∧ glyphs)."""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import renderSymbol
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QPixmap

from ketachart.reports.trend_style import (
    DIASTOLIC,
    HEART_RATE,
    RESCUE,
    SIDE_EFFECT,
    SPO2,
    SYSTOLIC,
)


def _chevron(apex_down: bool, centred: bool = False) -> QPainterPath:
    """An open V whose apex is the symbol's centre (the value); its arms reach half the
    symbol's size away (the symbol is drawn in a box of ±0.5, y pointing down). `centred`:
    the V in the middle of its box instead, for the legend."""
    arms, apex = (-0.5, 0.0) if apex_down else (0.5, 0.0)
    if centred:
        arms, apex = (-0.25, 0.25) if apex_down else (0.25, -0.25)
    path = QPainterPath()
    path.moveTo(-0.42, arms)
    path.lineTo(0, apex)
    path.lineTo(0.42, arms)
    return path


SYSTOLIC_MARK = _chevron(apex_down=True)
"""∨: the systolic pressure."""
DIASTOLIC_MARK = _chevron(apex_down=False)
"""∧: the diastolic pressure."""


@dataclass(frozen=True)
class Mark:
    """How one series is marked: symbol, size, pen and brush."""

    symbol: object
    size: int
    colour: str
    filled: bool
    legend_symbol: object = None
    """What the legend draws, if not the symbol itself (a chevron centred in its box)."""

    @property
    def pen(self) -> QPen:
        pen = QPen(QColor(self.colour))
        pen.setWidthF(1.6 if not self.filled else 1)
        pen.setCosmetic(True)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        return pen

    @property
    def brush(self) -> QBrush:
        return pg.mkBrush(self.colour) if self.filled else QBrush(Qt.BrushStyle.NoBrush)

    def sample(self) -> QPixmap:
        """The mark alone, for the legend."""
        symbol = self.symbol if self.legend_symbol is None else self.legend_symbol
        image = renderSymbol(symbol, self.size, self.pen, self.brush)
        return QPixmap.fromImage(image)


SYSTOLIC_STYLE = Mark(SYSTOLIC_MARK, 16, SYSTOLIC, False, _chevron(True, centred=True))
DIASTOLIC_STYLE = Mark(DIASTOLIC_MARK, 16, DIASTOLIC, False, _chevron(False, centred=True))
HEART_RATE_STYLE = Mark("o", 7, HEART_RATE, filled=True)
SPO2_STYLE = Mark("o", 5, SPO2, filled=True)
RESCUE_STYLE = Mark("t", 11, RESCUE, filled=True)
SIDE_EFFECT_STYLE = Mark("d", 11, SIDE_EFFECT, filled=True)


def swatch(colour: str, edge: str, pattern: Qt.BrushStyle = Qt.BrushStyle.SolidPattern) -> QPixmap:
    """A small filled box for the legend (the infusion band, a pause)."""
    pixmap = QPixmap(16, 11)
    pixmap.fill(QColor("white"))
    painter = pg.QtGui.QPainter(pixmap)
    try:
        painter.setPen(pg.mkPen(edge))
        painter.setBrush(QBrush(QColor(colour), pattern))
        painter.drawRect(0, 0, 15, 10)
    finally:
        painter.end()
    return pixmap


def dashed_sample(colour: str) -> QPixmap:
    """A short dashed line for the legend (the baseline)."""
    pixmap = QPixmap(18, 11)
    pixmap.fill(QColor("white"))
    painter = pg.QtGui.QPainter(pixmap)
    try:
        painter.setPen(pg.mkPen(colour, width=1.2, style=Qt.PenStyle.DashLine))
        painter.drawLine(0, 5, 18, 5)
    finally:
        painter.end()
    return pixmap
