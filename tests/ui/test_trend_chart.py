"""The trend chart draws the domain's trend: readings at their times, the rate band with its
pause, rescue and side-effect marks, the legend outside the plots, sane empty axes."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ketachart.domain.trend import MarkKind, Trend, session_trend
from ketachart.ui.trend_axes import local_clock
from ketachart.ui.trend_chart import TrendChart
from tests.support import Clinic
from tests.ui.trend_sessions import TYPED, model_of, one_point_session, typical_session


def shown_chart(qtbot: QtBot, trend: Trend, width: int = 1000, height: int = 260) -> TrendChart:
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.resize(width, height)
    chart.show_trend(trend)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


@pytest.fixture
def typical(ui_clinic: Clinic) -> Trend:
    return session_trend(model_of(ui_clinic, typical_session(ui_clinic)))


def test_the_readings_are_plotted_at_their_times_and_values(qtbot: QtBot, typical: Trend) -> None:
    chart = shown_chart(qtbot, typical)
    times = [pt.at.timestamp() for pt in typical.points]
    for curve, values in (
        (chart.systolic, [pt.systolic for pt in typical.points]),
        (chart.diastolic, [pt.diastolic for pt in typical.points]),
        (chart.heart_rate, [pt.heart_rate for pt in typical.points]),
        (chart.spo2, [pt.spo2 for pt in typical.points]),
    ):
        x, y = curve.getData()
        assert list(x) == times
        assert list(y) == values
    assert 182 in [pt.systolic for pt in typical.points]
    assert chart.pressure.viewRange()[1][1] >= 182


def test_the_rate_band_drops_to_zero_over_the_pause(qtbot: QtBot, typical: Trend) -> None:
    chart = shown_chart(qtbot, typical)
    (pause,) = typical.pauses
    assert pause.end - pause.start == timedelta(minutes=10)
    edges, rates = chart.rate.getData()
    index = list(edges).index(pause.start.timestamp())
    assert edges[index + 1] == pause.end.timestamp()
    assert rates[index] == 0
    assert rates[index - 1] == rates[index + 1] == 52.5
    assert len(chart.pause_regions) == 3  # hatched in every panel
    assert chart.pause_regions[0].getRegion() == (
        pause.start.timestamp(),
        pause.end.timestamp(),
    )


def test_rescue_medicine_and_side_effect_are_marked_with_plain_tooltips(
    qtbot: QtBot, typical: Trend
) -> None:
    chart = shown_chart(qtbot, typical)
    kinds = [mark.kind for mark in typical.marks]
    assert kinds == [MarkKind.SIDE_EFFECT, MarkKind.RESCUE]
    spots = chart.marks.points()
    assert [spot.pos().x() for spot in spots] == [mark.at.timestamp() for mark in typical.marks]
    assert len(chart.mark_lines) == 2 * 3
    rescue = typical.marks[1]
    tip = chart.mark_lines[3].toolTip()
    assert "&lt;b&gt;4&lt;/b&gt; &amp; more" in tip  # escaped: shown exactly as typed
    assert local_clock(rescue.at.timestamp()) in tip
    labels = [label.textItem.toPlainText() for label in chart.mark_labels]
    assert labels == ["Nausea", TYPED[:13] + "…"]


def _global_rect(widget: QWidget, rect: QRect) -> QRect:
    return QRect(widget.mapToGlobal(rect.topLeft()), rect.size())


def test_the_legend_and_baseline_sit_outside_every_plot(qtbot: QtBot, typical: Trend) -> None:
    chart = shown_chart(qtbot, typical)
    view = chart.graphics
    plots = []
    for plot in (chart.pressure, chart.oxygen, chart.infusion):
        scene_rect = plot.vb.sceneBoundingRect()
        plots.append(_global_rect(view, view.mapFromScene(scene_rect).boundingRect()))
    legend_items = [*chart.legend.items, chart.legend.baseline]
    for item in legend_items:
        assert item.isVisible()
        rect = QRect(item.mapToGlobal(QPoint(0, 0)), item.size())
        assert not any(rect.intersects(plot) for plot in plots), item
    assert typical.baseline is not None
    at = local_clock(typical.baseline.at.timestamp())
    assert chart.legend.baseline.full_text == f"120/80 · HR 72 · SpO2 98 ({at})"


def test_an_empty_chart_has_fixed_ranges_and_the_planned_window(
    qtbot: QtBot, ui_clinic: Clinic
) -> None:
    model = model_of(ui_clinic, ui_clinic.open_session())
    trend = session_trend(model)
    chart = shown_chart(qtbot, trend)
    assert chart.pressure.viewRange()[1] == pytest.approx([40, 206])
    assert chart.oxygen.viewRange()[1] == pytest.approx([88, 101])
    low, high = chart.infusion.viewRange()[0]
    protocol = model.state.protocol
    planned = protocol.duration_min + protocol.min_observation_min
    assert high - low == pytest.approx((planned + 10) * 60)
    assert chart.legend.baseline.full_text == "no baseline yet"
    _assert_clock_labels(chart)


def test_a_one_point_chart_shows_a_padded_window(qtbot: QtBot, ui_clinic: Clinic) -> None:
    trend = session_trend(model_of(ui_clinic, one_point_session(ui_clinic)))
    chart = shown_chart(qtbot, trend)
    (point,) = trend.points
    low, high = chart.pressure.viewRange()[0]
    assert low <= point.at.timestamp() - 4 * 60
    assert high >= point.at.timestamp() + 60 * 60
    assert chart.pressure.viewRange()[1] == pytest.approx([40, 206])
    _assert_clock_labels(chart)


def _assert_clock_labels(chart: TrendChart) -> None:
    """Every time label reads HH:MM; every value label is a whole number."""
    axis = chart.time_axis
    low, high = chart.infusion.viewRange()[0]
    ((spacing, ticks),) = axis.tickValues(low, high, 900)
    labels = axis.tickStrings(ticks, 1, spacing)
    assert labels
    assert all(len(t) == 5 and t[2] == ":" for t in labels)
    for plot in (chart.pressure, chart.oxygen, chart.infusion):
        left = plot.left
        low, high = plot.viewRange()[1]
        ((step, values),) = left.tickValues(low, high, 100)
        assert all(text.isdigit() for text in left.tickStrings(values, 1, step))


def test_a_chart_for_many_readings_draws_lines_without_marks(qtbot: QtBot, typical: Trend) -> None:
    many = tuple(
        type(pt)(pt.at + timedelta(seconds=i), *_values(pt))
        for i, pt in enumerate(typical.points * 20)
    )
    chart = shown_chart(qtbot, Trend(many, None, None, (), (), typical.start, typical.end))
    assert chart.systolic.opts["symbol"] is None
    assert len(np.asarray(chart.systolic.getData()[0])) == len(many)


def _values(pt: object) -> tuple[int, int, int, int]:
    return (pt.systolic, pt.diastolic, pt.heart_rate, pt.spo2)  # type: ignore[attr-defined]


def test_unit_titles_that_do_not_fit_their_strip_hide_and_move_to_the_tooltip(
    qtbot: QtBot, typical: Trend
) -> None:
    """At its minimum height (a short screen) the SpO2 and rate strips are shorter than their
    rotated titles, which would print over each other; tall, every title shows."""
    panels = ("pressure", "oxygen", "infusion")
    tall = shown_chart(qtbot, typical, height=420)
    qtbot.waitUntil(lambda: all(getattr(tall, p).left.label.isVisible() for p in panels))
    short = shown_chart(qtbot, typical, height=130)

    def titles_fit() -> bool:
        for name in panels:
            axis = getattr(short, name).left
            shown = axis.label.isVisible()
            if shown != (axis.label.boundingRect().width() <= axis.size().height()):
                return False
            if axis.toolTip() != ("" if shown else axis.labelText):
                return False
        return True

    qtbot.waitUntil(titles_fit)
    assert not short.oxygen.left.label.isVisible()
    assert short.oxygen.left.toolTip() == "SpO2 %"
