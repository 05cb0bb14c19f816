"""One overdue rule: the alert history the PDF prints is the live rule applied after each
reading, the 40-minute peak check included, with no grace of its own."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ketachart.domain.codes import ClinicalCode
from ketachart.domain.monitoring import due_times, overdue_history
from tests.unit.builders import PAIN, Chart, at, recovery_check, vitals


def overdue_times(chart: Chart, minute: float) -> list[tuple[ClinicalCode, float]]:
    return [
        (a.code, (a.at - at(0)) / timedelta(minutes=1))
        for a in overdue_history(chart.state(), at(minute))
    ]


def test_a_late_reading_leaves_one_alert_at_its_due_time() -> None:
    chart = Chart().infusing()
    chart.add(vitals(), at(12))
    assert overdue_times(chart, 15) == [(ClinicalCode.VITALS_OVERDUE, 10)]


def test_a_reading_a_few_seconds_late_counts_as_late() -> None:
    chart = Chart().infusing()
    chart.add(vitals(), at(10, seconds=20))
    assert overdue_times(chart, 12) == [(ClinicalCode.VITALS_OVERDUE, 10)]


def test_the_peak_reading_is_part_of_the_history() -> None:
    chart = Chart(PAIN).infusing(rate="17.5")  # vitals every 15 min, peak reading at 40
    for minute in (15, 30, 46):
        chart.add(vitals(), at(minute))
    assert overdue_times(chart, 50) == [(ClinicalCode.VITALS_OVERDUE, 40)]


def test_recovery_checks_overdue_until_discharge() -> None:
    chart = Chart().stopped(40)  # no vitals during the 40 min: overdue from minute 10
    chart.add(recovery_check(), at(57))
    assert overdue_times(chart, 60) == [
        (ClinicalCode.VITALS_OVERDUE, 10),
        (ClinicalCode.RECOVERY_OVERDUE, 55),
    ]


@settings(max_examples=60, deadline=None)
@given(
    readings=st.lists(st.integers(min_value=1, max_value=90), max_size=8, unique=True),
    now=st.integers(min_value=1, max_value=100),
)
def test_history_and_live_rule_agree(readings: list[int], now: int) -> None:
    chart = Chart(PAIN).infusing(rate="17.5")
    for minute in sorted(m for m in readings if m <= now):
        chart.add(vitals(), at(minute))
    state = chart.state()
    due = due_times(state, at(now))
    history = overdue_history(state, at(now))
    if due.vitals_overdue:
        assert history[-1].at == due.next_vitals_at
    else:
        assert all(a.at < (due.next_vitals_at or at(now)) for a in history)
