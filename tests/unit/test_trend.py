"""The trend's data: rate steps with their pauses, marks, window and clock ticks (no Qt)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from ketachart.domain import payloads as p
from ketachart.domain.session_model import session_model
from ketachart.domain.trend import MarkKind, RateStep, Trend, clock_ticks, session_trend
from ketachart.domain.vocab import DoseUnit, Route, Severity, SideEffectKind
from tests.unit.builders import PAIN, T0, Chart, at, rate_change, vitals


def trend_of(chart: Chart, minute: float) -> Trend:
    return session_trend(session_model(chart.state(), chart.events, at(minute)))


def test_a_pause_is_a_zero_step_between_the_rates() -> None:
    chart = Chart().infusing()
    chart.add(rate_change("40"), at(10))
    chart.add(p.Pause("nausea"), at(20))
    chart.add(p.Resume(), at(25))
    trend = trend_of(chart, 30)
    assert trend.steps == (
        RateStep(at(0), at(10), Decimal("52.5")),
        RateStep(at(10), at(20), Decimal(40)),
        RateStep(at(20), at(25), Decimal(0), paused=True),
        RateStep(at(25), at(30), Decimal(40)),
    )
    assert trend.infusion == (at(0), at(30))


def test_a_pause_still_going_reaches_now() -> None:
    chart = Chart().infusing()
    chart.add(p.Pause("nausea"), at(20))
    (pause,) = trend_of(chart, 32).pauses
    assert (pause.start, pause.end) == (at(20), at(32))


def test_marks_voided_entries_are_left_out() -> None:
    chart = Chart().infusing()
    nausea = p.SideEffect(SideEffectKind.NAUSEA, Severity.MILD)
    wrong = chart.add(nausea, at(5))
    chart.correct(wrong, None, when=at(6))
    chart.add(nausea, at(7))
    chart.add(p.RescueMedicine("<b>Ondansetron", Decimal(4), DoseUnit.MG, Route.IV), at(8))
    marks = trend_of(chart, 10).marks
    assert [(m.at, m.kind, m.short) for m in marks] == [
        (at(7), MarkKind.SIDE_EFFECT, "Nausea"),
        (at(8), MarkKind.RESCUE, "<b>Ondansetron"),
    ]
    assert marks[1].text == "<b>Ondansetron 4 mg IV"


def test_the_window_covers_the_planned_session_and_everything_charted() -> None:
    empty = trend_of(Chart(), 0)
    planned = timedelta(minutes=TRD_PLANNED)
    assert (empty.start, empty.end) == (
        T0 - timedelta(minutes=5),
        T0 + planned + timedelta(minutes=5),
    )
    long = Chart(PAIN).infusing()
    long.add(vitals(130), at(300))
    trend = trend_of(long, 300)
    assert trend.end == at(305)


TRD_PLANNED = Chart().protocol.duration_min + Chart().protocol.min_observation_min


def test_clock_ticks_fall_on_round_local_minutes() -> None:
    ticks = clock_ticks(at(2.5), at(93), 12)
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert steps == {timedelta(minutes=10)}
    assert all(t.astimezone().minute % 10 == 0 and t.second == 0 for t in ticks)
    assert ticks[0] >= at(2.5)
    assert ticks[-1] <= at(93)
