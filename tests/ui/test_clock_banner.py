"""A workstation clock that disagrees with the others is shown on screen, not only in verify:
one set back, and two workstations on one database with one a year ahead (SQLite: both are
told one of their clocks is wrong; PostgreSQL: the server's clock names the ahead one)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from ketachart.clock import ManualClock, SkewedClock, SystemClock
from ketachart.domain import payloads as p
from ketachart.services import charting
from ketachart.services.clock_guard import describe_gap
from ketachart.storage.database import Database, open_database
from ketachart.storage.workstation import Workstation as WorkstationId
from ketachart.ui.clock_banner import ClockBanner
from ketachart.ui.main_window import MainWindow
from ketachart.ui.workstation import Workstation
from tests.support import ALL_PRE_CHECKS, Clinic, make_clinic

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
    assert (
        "clock reads 42 min earlier than the newest entry, recorded by a workstation not "
        "named. One of the two clocks is wrong." in banner.text()
    )
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
    clock.advance(timedelta(minutes=-4))  # clocks may drift this far apart
    window.clock_banner.timer.timeout.emit()
    assert not window.clock_banner.isVisible()
    clock.advance(timedelta(minutes=-2))
    window.clock_banner.timer.timeout.emit()
    assert "reads 6 min earlier" in window.clock_banner.text()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (3, "3 s"),
        (119, "119 s"),
        (600, "10 min"),
        (3 * 3600 + 360, "3 h 6 min"),
        (365 * 86400 + 7, "365 days"),
    ],
)
def test_gaps_are_described_in_plain_units(seconds: int, text: str) -> None:
    assert describe_gap(timedelta(seconds=seconds)) == text
    assert describe_gap(timedelta(seconds=-seconds)) == text


YEAR = timedelta(days=365)
BAY_1 = WorkstationId("b1b1b1b1b1b1", "bay-1")
BAY_3 = WorkstationId("b3b3b3b3b3b3", "bay-3")


@pytest.fixture
def two_stations(database_url: str) -> Iterator[tuple[Database, Database, Clinic]]:
    """bay-1 (a correct clock) set the clinic up and charts; bay-3 (a year ahead) charts."""
    correct = open_database(database_url, SystemClock(), workstation=BAY_1)
    ahead = open_database(database_url, SkewedClock(YEAR), workstation=BAY_3)
    clinic = make_clinic(correct, ManualClock(datetime.now(UTC)))
    sid = clinic.open_session()
    with ahead.transaction() as tx:
        charting.chart(tx, clinic.nurse2, sid, p.Note("from bay 3"))
    clinic.act(charting.chart, clinic.nurse, sid, p.Note("from bay 1"))
    yield correct, ahead, clinic
    ahead.dispose()
    correct.dispose()


def _banner(qtbot: QtBot, db: Database, settings: QSettings) -> ClockBanner:
    banner = ClockBanner(Workstation(db, settings))
    qtbot.addWidget(banner)
    banner.check()
    return banner


def test_a_workstation_a_year_ahead_is_warned(
    qtbot: QtBot, two_stations: tuple[Database, Database, Clinic], settings: QSettings
) -> None:
    correct, ahead, _clinic = two_stations
    on_ahead = _banner(qtbot, ahead, settings)
    on_correct = _banner(qtbot, correct, settings)
    assert not on_ahead.isHidden()
    assert on_ahead.textFormat() is Qt.TextFormat.PlainText
    if ahead.dialect_name == "postgresql":
        assert on_ahead.text().startswith(
            "This workstation's clock is 365 days ahead of the database server's clock."
        )
        assert "Ask IT to set this workstation's clock now." in on_ahead.text()
        assert on_correct.isHidden()  # the server's clock agrees with it
    else:
        assert on_ahead.text().startswith(
            f"Entries recorded by {BAY_1} after this workstation's last entry are 365 days "
            "earlier than it. One of the two clocks is wrong."
        )
        assert not on_correct.isHidden()
        assert f"365 days earlier than the newest entry, recorded by {BAY_3}" in on_correct.text()
