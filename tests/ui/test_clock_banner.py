"""A workstation clock behind the newest recorded time is shown on screen, not only in verify."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from ketachart.clock import ManualClock
from ketachart.services import charting
from ketachart.ui.clock_banner import describe_lag
from ketachart.ui.main_window import MainWindow
from ketachart.ui.workstation import Workstation
from tests.support import ALL_PRE_CHECKS, Clinic

pytestmark = pytest.mark.clock


def _window(qtbot: QtBot, ws: Workstation, clinic: Clinic) -> MainWindow:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.start_shift(clinic.nurse)
    window.show()
    return window


def test_no_banner_while_the_clock_is_right(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    assert not _window(qtbot, ws, ui_clinic).clock_banner.isVisible()


def test_clock_set_back_shows_a_banner_until_it_catches_up(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, clock: ManualClock
) -> None:
    session_id = ui_clinic.open_session()
    ui_clinic.act(charting.chart, ui_clinic.nurse, session_id, ALL_PRE_CHECKS)
    clock.advance(timedelta(minutes=-42))
    window = _window(qtbot, ws, ui_clinic)
    banner = window.clock_banner
    assert banner.isVisible()
    assert "clock is 42 min behind the newest charted entry" in banner.text()
    clock.advance(timedelta(minutes=43))
    banner.check()
    assert not banner.isVisible()


def test_the_banner_is_checked_again_by_a_timer(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic, clock: ManualClock
) -> None:
    window = _window(qtbot, ws, ui_clinic)
    assert window.clock_banner.timer.isActive()
    assert not window.clock_banner.isVisible()
    ui_clinic.open_session()
    clock.advance(timedelta(seconds=-90))
    window.clock_banner.timer.timeout.emit()
    assert "90 s behind" in window.clock_banner.text()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(3, "3 s"), (119, "119 s"), (600, "10 min"), (3 * 3600 + 360, "3 h 6 min")],
)
def test_lag_is_described_in_plain_units(seconds: int, text: str) -> None:
    assert describe_lag(timedelta(seconds=seconds)) == text
