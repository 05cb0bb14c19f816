"""The vitals trend as an anaesthesia record draws it (pyqtgraph): ∨ systolic, ∧ diastolic and
• heart rate above, an SpO2 strip, and the infusion rate as a band with its pauses hatched,
all on one clock-time axis; rescue medicines and side effects marked at their times. The
legend and the baseline values sit in a row above the plots, so they never hide a reading."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ketachart.domain.session_model import SessionModel
from ketachart.domain.trend import MARK_LABELS, MarkKind, Trend, TrendMark, session_trend
from ketachart.reports import trend_style as look
from ketachart.ui import trend_marks as m
from ketachart.ui.trend_axes import StepAxis, TimeAxis, local_clock, stamp
from ketachart.ui.widgets import ElidedLabel, plain_label, tooltip_html

AXIS_WIDTH = 44
TICK_POINT_SIZE = 8


MINIMUM_HEIGHT = 130
"""Three readable strips (pressure, SpO2, rate), if tight: on a short screen the trend yields
height to the timeline's rows first (ketachart.ui.chart_view.ChartSplitter)."""


class TrendChart(QWidget):
    """Three stacked plots with linked time axes under a legend row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trendChart")
        self.legend = _Legend()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.ci.setContentsMargins(2, 2, 8, 2)
        self.graphics.ci.setSpacing(0)
        self.pressure = self._plot(0, StepAxis("left", 40), "mmHg", stretch=6)
        self.oxygen = self._plot(1, StepAxis("left", 4), "SpO2 %", stretch=2)
        self.infusion = self._plot(2, StepAxis("left", 20), "mL/h", stretch=2, times=True)
        self.time_axis = self.infusion.bottom
        for panel in (self.pressure, self.oxygen):
            panel.vb.setXLink(self.infusion.vb)
        self._symbols: dict[pg.PlotDataItem, object] = {}
        self._series()
        self._dynamic: list[tuple[Panel, pg.GraphicsObject]] = []
        self.mark_lines: list[pg.InfiniteLine] = []
        self.pause_regions: list[pg.LinearRegionItem] = []
        self.mark_labels: list[pg.TextItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.legend)
        layout.addWidget(self.graphics, stretch=1)
        self.setMinimumHeight(MINIMUM_HEIGHT)

    def _plot(
        self, row: int, left: StepAxis, title: str, *, stretch: int, times: bool = False
    ) -> Panel:
        panel = Panel(left, TimeAxis(labelled=times), title, self.font())
        layout = self.graphics.ci
        layout.addItem(panel.left, row=2 * row, col=0)
        layout.addItem(panel.vb, row=2 * row, col=1)
        layout.addItem(panel.bottom, row=2 * row + 1, col=1)
        if not times:
            panel.bottom.setStyle(showValues=False, tickLength=0)
            panel.bottom.setHeight(3)
        layout.layout.setRowStretchFactor(2 * row, stretch)
        return panel

    def _series(self) -> None:
        """The items that every refresh re-fills (never re-created: a refresh stays cheap)."""
        self.infusion_span = pg.LinearRegionItem(
            movable=False, brush=pg.mkBrush(look.INFUSION_SPAN), pen=pg.mkPen(None)
        )
        self.infusion_span.setZValue(-30)
        self.pressure.addItem(self.infusion_span)
        self.systolic = self._curve(self.pressure, m.SYSTOLIC_STYLE)
        self.diastolic = self._curve(self.pressure, m.DIASTOLIC_STYLE)
        self.heart_rate = self._curve(self.pressure, m.HEART_RATE_STYLE)
        self.spo2 = self._curve(self.oxygen, m.SPO2_STYLE)
        self.rate = pg.PlotDataItem(
            stepMode="center",
            fillLevel=0,
            pen=pg.mkPen(look.INFUSION_EDGE, width=1.2),
            brush=pg.mkBrush(look.INFUSION),
        )
        self.infusion.addItem(self.rate)
        self.marks = pg.ScatterPlotItem(hoverable=True, tip=_mark_tip)
        self.marks.setZValue(20)
        self.infusion.addItem(self.marks)

    def _curve(self, plot: Panel, mark: m.Mark) -> pg.PlotDataItem:
        curve = pg.PlotDataItem(
            pen=pg.mkPen(QColor(mark.colour).lighter(125), width=1),
            symbol=mark.symbol,
            symbolSize=mark.size,
            symbolPen=mark.pen,
            symbolBrush=mark.brush,
        )
        plot.addItem(curve)
        self._symbols[curve] = mark.symbol
        return curve

    def show_model(self, model: SessionModel) -> None:
        """The chart view's entry: the session's trend as of the model's `now`."""
        self.show_trend(session_trend(model))

    def show_trend(self, trend: Trend) -> None:
        self._clear_dynamic()
        x_range = (stamp(trend.start), stamp(trend.end))
        for plot in (self.pressure, self.oxygen, self.infusion):
            plot.setXRange(*x_range, padding=0)
        self._show_vitals(trend)
        self._show_infusion(trend)
        self._show_marks(trend.marks)
        self.legend.show_baseline(trend)

    def _show_vitals(self, trend: Trend) -> None:
        points = trend.points
        times = [stamp(pt.at) for pt in points]
        with_marks = len(points) <= look.MARKS_UP_TO
        for curve, values in (
            (self.systolic, [pt.systolic for pt in points]),
            (self.diastolic, [pt.diastolic for pt in points]),
            (self.heart_rate, [pt.heart_rate for pt in points]),
            (self.spo2, [pt.spo2 for pt in points]),
        ):
            # the symbol first: a long session's lines are not first given marks then bared
            curve.setSymbol(self._symbols[curve] if with_marks else None)
            curve.setData(times, values)
        low, high = look.pressure_range(points)
        self.pressure.setYRange(low, high + 6, padding=0)
        self.oxygen.setYRange(look.spo2_low(points), 101, padding=0)
        self._show_baselines(trend)

    def _show_baselines(self, trend: Trend) -> None:
        base = trend.baseline
        if base is None:
            return
        for plot, value, colour in (
            (self.pressure, base.systolic, look.SYSTOLIC),
            (self.pressure, base.diastolic, look.DIASTOLIC),
            (self.pressure, base.heart_rate, look.HEART_RATE),
            (self.oxygen, base.spo2, look.SPO2),
        ):
            pen = pg.mkPen(colour, width=1, style=Qt.PenStyle.DashLine)
            self._add(plot, pg.InfiniteLine(pos=value, angle=0, pen=pen), z=-5)

    def _show_infusion(self, trend: Trend) -> None:
        steps = trend.steps
        if trend.infusion is None:
            self.infusion_span.hide()
        else:
            self.infusion_span.setRegion([stamp(t) for t in trend.infusion])
            self.infusion_span.show()
        if steps:
            edges = [stamp(steps[0].start), *(stamp(s.end) for s in steps)]
            self.rate.setData(edges, [float(s.rate_ml_h) for s in steps])
        else:
            self.rate.setData([], [])
        top = look.highest_rate(steps)
        self.infusion.left.step = look.rate_step(top)
        self.infusion.setYRange(0, top * look.RATE_HEADROOM, padding=0)
        for pause in trend.pauses:
            for plot in (self.pressure, self.oxygen, self.infusion):
                region = pg.LinearRegionItem(
                    values=(stamp(pause.start), stamp(pause.end)),
                    movable=False,
                    brush=QBrush(QColor(look.PAUSED), Qt.BrushStyle.BDiagPattern),
                    pen=pg.mkPen(look.PAUSED, width=1),
                )
                region.setToolTip(
                    tooltip_html(
                        f"Paused {local_clock(stamp(pause.start))}–{local_clock(stamp(pause.end))}"
                    )
                )
                self.pause_regions.append(region)
                self._add(plot, region, z=-20)

    def _show_marks(self, marks: Sequence[TrendMark]) -> None:
        """A vertical tick through every panel and a symbol on the infusion strip, with the
        entry's text (exactly as typed) as the tooltip."""
        top = self.infusion.viewRange()[1][1]
        spots = []
        for index, mark in enumerate(marks):
            style = m.RESCUE_STYLE if mark.kind is MarkKind.RESCUE else m.SIDE_EFFECT_STYLE
            x = stamp(mark.at)
            for plot in (self.pressure, self.oxygen, self.infusion):
                pen = pg.mkPen(style.colour, width=1, style=Qt.PenStyle.DotLine)
                line = pg.InfiniteLine(pos=x, angle=90, pen=pen)
                line.setToolTip(tooltip_html(_mark_text(mark)))
                self.mark_lines.append(line)
                self._add(plot, line, z=10)
            spots.append(
                {
                    "pos": (x, top * look.MARK_LANES[index % 2]),
                    "symbol": style.symbol,
                    "size": style.size,
                    "pen": style.pen,
                    "brush": style.brush,
                    "data": _mark_text(mark),
                }
            )
            self._label(mark, x, top * look.MARK_LANES[index % 2], style.colour)
        self.marks.setData(spots)

    def _label(self, mark: TrendMark, x: float, y: float, colour: str) -> None:
        """The mark's short name (as typed, shortened) to its right, on its lane."""
        label = pg.TextItem(look.short_name(mark.short), color=colour, anchor=(0, 0.5))
        font = QFont(self.font())
        font.setPointSize(TICK_POINT_SIZE)
        label.setFont(font)
        label.setPos(x, y)
        label.setToolTip(tooltip_html(_mark_text(mark)))
        self.mark_labels.append(label)
        self._add(self.infusion, label, z=15)

    def _add(self, plot: Panel, item: pg.GraphicsObject, *, z: float) -> None:
        item.setZValue(z)
        plot.addItem(item, ignoreBounds=True)
        self._dynamic.append((plot, item))

    def _clear_dynamic(self) -> None:
        for plot, item in self._dynamic:
            plot.removeItem(item)
        self._dynamic.clear()
        self.mark_lines.clear()
        self.pause_regions.clear()
        self.mark_labels.clear()


class Panel:
    """One strip of the chart: a view box with its value axis on the left and a time axis
    under it (shown under the last strip only; the others keep it for their grid lines).
    Plain view boxes and axes: a PlotItem builds a menu and an options form each time,
    which tripled the chart's opening time."""

    def __init__(self, left: StepAxis, bottom: TimeAxis, title: str, font: QFont) -> None:
        self.vb = pg.ViewBox(enableMenu=False, defaultPadding=0)
        self.vb.setMouseEnabled(x=False, y=False)
        self.vb.disableAutoRange()  # the ranges are set from the trend: no bounds scans
        self.left, self.bottom = left, bottom
        tick_font = QFont(font)
        tick_font.setPointSize(TICK_POINT_SIZE)
        for axis in (left, bottom):
            axis.linkToView(self.vb)
            axis.setTickFont(tick_font)
            axis.setTextPen(pg.mkPen("#333333"))
            axis.setPen(pg.mkPen("#9e9e9e"))
            axis.setGrid(46)
            axis.setZValue(0.5)  # above the view box, as a PlotItem stacks them: grid visible
        left.setWidth(AXIS_WIDTH)
        left.setLabel(title, **{"font-size": f"{TICK_POINT_SIZE}pt", "color": "#333333"})

    def addItem(self, item: pg.GraphicsObject, ignoreBounds: bool = False) -> None:  # noqa: N803
        self.vb.addItem(item, ignoreBounds=ignoreBounds)

    def removeItem(self, item: pg.GraphicsObject) -> None:
        self.vb.removeItem(item)

    def viewRange(self) -> list[list[float]]:
        return list(self.vb.viewRange())

    def setXRange(self, low: float, high: float, padding: float = 0) -> None:
        self.vb.setXRange(low, high, padding=padding)

    def setYRange(self, low: float, high: float, padding: float = 0) -> None:
        self.vb.setYRange(low, high, padding=padding)


def _mark_text(mark: TrendMark) -> str:
    return f"{local_clock(stamp(mark.at))} {MARK_LABELS[mark.kind]}: {mark.text}"


def _mark_tip(x: float, y: float, data: object) -> str:
    return tooltip_html(str(data))


class _Legend(QWidget):
    """The legend row: a sample of every mark as the plot draws it, then the baseline values.
    It is a row of plain labels above the plots, never on top of them."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("trendLegend")
        self.setStyleSheet("QLabel { font-size: 9pt; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(AXIS_WIDTH, 1, 4, 1)
        row.setSpacing(4)
        samples: list[tuple[QPixmap, str]] = [
            (m.SYSTOLIC_STYLE.sample(), "Systolic"),
            (m.DIASTOLIC_STYLE.sample(), "Diastolic"),
            (m.HEART_RATE_STYLE.sample(), "Heart rate /min"),
            (m.SPO2_STYLE.sample(), "SpO2"),
            (m.swatch(look.INFUSION, look.INFUSION_EDGE), "Infusion"),
            (m.swatch(look.PAUSED, look.PAUSED, Qt.BrushStyle.BDiagPattern), "Paused"),
            (m.RESCUE_STYLE.sample(), "Rescue"),
            (m.SIDE_EFFECT_STYLE.sample(), "Side effect"),
            (m.dashed_sample(look.BASELINE), "Baseline"),
        ]
        self.items: list[QLabel] = []
        for pixmap, text in samples:
            icon = plain_label()  # a sample of the mark; plain like every label
            icon.setPixmap(pixmap)
            label = plain_label(text)
            row.addWidget(icon)
            row.addWidget(label)
            row.addSpacing(6)
            self.items += [icon, label]
        # cut with "…" (whole in the tooltip), so the legend never widens the chart screen
        self.baseline = ElidedLabel("trendBaseline")
        row.addWidget(self.baseline, stretch=1)

    def show_baseline(self, trend: Trend) -> None:
        base = trend.baseline
        if base is None:
            self.baseline.set_full_text("no baseline yet")
            return
        self.baseline.set_full_text(
            f"{base.systolic}/{base.diastolic} · HR {base.heart_rate} · SpO2 {base.spo2} "
            f"({local_clock(stamp(base.at))})"
        )
