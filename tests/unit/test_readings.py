"""The reading the baseline came from: always the one SessionState.baseline is."""

from __future__ import annotations

from ketachart.domain.timeline import SessionState
from tests.unit.builders import ALL_PRE_CHECKS, IV, Chart, at, infusion_start, vitals


def same_as_baseline(state: SessionState) -> str | None:
    reading = state.baseline_reading
    if reading is None:
        assert state.baseline is None
        return None
    assert reading.vitals is state.baseline
    return reading.event_id


def test_no_reading_without_a_baseline() -> None:
    chart = Chart()
    chart.add(ALL_PRE_CHECKS, at(1))
    chart.add(IV, at(1))
    chart.add(infusion_start(), at(2))
    chart.add(vitals(), at(3))
    assert same_as_baseline(Chart().state()) is None
    assert same_as_baseline(chart.state()) is None


def test_the_last_reading_at_or_before_the_start() -> None:
    chart = Chart()
    chart.add(vitals(140, 90), at(-10))
    last = chart.add(vitals(126, 81), at(0))
    chart.add(infusion_start(), at(0))
    chart.add(vitals(150, 95), at(5))
    assert same_as_baseline(chart.state()) == last.id


def test_of_two_identical_readings_the_later_one() -> None:
    chart = Chart()
    chart.add(vitals(), at(-5))
    later = chart.add(vitals(), at(-2))
    chart.add(infusion_start(), at(0))
    assert same_as_baseline(chart.state()) == later.id


def test_corrections_move_the_baseline_to_another_reading() -> None:
    chart = Chart()
    first = chart.add(vitals(140, 90), at(-10))
    second = chart.add(vitals(128, 82), at(-5))
    chart.add(infusion_start(), at(0))
    after = chart.add(vitals(150, 95), at(5))
    assert same_as_baseline(chart.state()) == second.id

    chart.correct(second, None, when=at(6))  # entered in error
    assert same_as_baseline(chart.state()) == first.id
    chart.correct(after, vitals(150, 95), occurred_at=at(-1), when=at(7))  # moved before
    assert same_as_baseline(chart.state()) == after.id
    chart.correct(after, vitals(151, 95), occurred_at=at(-1), when=at(8))  # values only
    assert same_as_baseline(chart.state()) == after.id
