"""The daily full integrity check runs off the GUI thread and the status bar says when it last
passed (or that it failed)."""

from __future__ import annotations

import threading
from datetime import datetime

from pytestqt.qtbot import QtBot

from ketachart.services import integrity
from ketachart.ui.full_check import LOOK_EVERY_MS, FullCheckSchedule
from ketachart.ui.main_window import MainWindow
from ketachart.ui.workstation import Workstation
from tests.support import Clinic


def _window(qtbot: QtBot, ws: Workstation, clinic: Clinic) -> MainWindow:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.start_shift(clinic.admin)
    window.show()
    return window


def test_the_check_runs_on_its_own_thread_and_the_status_bar_shows_it(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    window = _window(qtbot, ws, ui_clinic)
    schedule = FullCheckSchedule(ws.db, window)
    schedule.checked.connect(window.show_full_check)
    ran_on: list[str] = []
    schedule.checked.connect(lambda _status: ran_on.append(threading.current_thread().name))
    with qtbot.waitSignal(schedule.checked, timeout=20_000) as blocker:
        worker = schedule.run()
        assert worker is not None
        assert worker is not threading.current_thread()
    status = blocker.args[0]
    assert isinstance(status, integrity.FullCheckStatus)
    assert status.last_passed == ws.db.clock.now()
    assert status == integrity.status(ws.db)  # recorded in the database
    label = window.show_staff().full_check.text()  # the administrator's screen
    assert label == f"Full integrity check: last passed {_local(status.last_passed)}."
    assert ran_on == [threading.main_thread().name]  # the result is shown on the GUI thread
    assert not window.damaged_banner.isVisible()


def _local(at: datetime | None) -> str:
    assert at is not None
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def test_start_arms_the_hourly_look_without_checking_at_once(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    window = _window(qtbot, ws, ui_clinic)
    schedule = FullCheckSchedule(ws.db, window)
    schedule.checked.connect(window.show_full_check)
    schedule.start()
    assert schedule.timer.isActive()
    assert schedule.timer.interval() == LOOK_EVERY_MS
    assert schedule.worker is None  # the first look waits until the start-up is done
    expected = "Full integrity check: not yet run on this database."
    assert window.show_staff().full_check.text() == expected


def test_one_check_at_a_time(qtbot: QtBot, ws: Workstation, ui_clinic: Clinic) -> None:
    window = _window(qtbot, ws, ui_clinic)
    schedule = FullCheckSchedule(ws.db, window)
    with qtbot.waitSignal(schedule.checked, timeout=20_000):
        first = schedule.run()
        assert first is not None
        if first.is_alive():
            assert schedule.run() is None
    assert first is not None
    first.join(10)


def test_a_failed_check_is_a_banner_for_everyone(
    qtbot: QtBot, ws: Workstation, ui_clinic: Clinic
) -> None:
    window = _window(qtbot, ws, ui_clinic)
    failed = integrity.FullCheck(ws.db.clock.now(), ("Tree 7 page 7: btreeInitPage() error",))
    window.show_full_check(integrity.FullCheckStatus(True, None, failed))
    assert window.damaged_banner.isVisible()
    assert "Full integrity check FAILED at" in window.damaged_banner.text()
    assert "nothing more will be saved" in window.damaged_banner.text()
