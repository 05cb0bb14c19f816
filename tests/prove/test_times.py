"""Time: DST and backwards-clock cases on each engine (prove.times)."""

from __future__ import annotations

from datetime import datetime

import pytest

from prove import times
from prove.sample import postgres_server
from tests.storage import test_time


def test_time_figures_are_at_target() -> None:
    figure, ui_figure = times.run(full=False)
    assert figure.ok, figure.line()
    engines = 2 if postgres_server() else 1
    cases = len(times.CLINIC_CASES) + len(times.STATION_CASES)
    assert figure.tried == len(test_time.SPRING + test_time.FALL) + cases * engines
    assert ui_figure.ok, ui_figure.line()


def test_a_repeated_hour_shown_without_its_zone_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness notices the old display, which showed 01:30 twice for two instants."""

    def hours_and_minutes(value: datetime) -> str:
        return value.astimezone().strftime("%H:%M")

    monkeypatch.setattr(test_time, "local_time", hours_and_minutes)
    monkeypatch.setattr(times, "CLINIC_CASES", {})
    monkeypatch.setattr(times, "STATION_CASES", {})
    tried, failures = times.prove_times()
    assert tried == len(test_time.SPRING + test_time.FALL)
    assert [f.split(":")[0] for f in failures] == ["shown 01", "shown 01", "shown 01"]
