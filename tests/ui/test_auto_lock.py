"""Auto-lock after N minutes of a moved test clock: the workstation's setting (2-30 minutes,
default 10) is kept to the second, and any keyboard or mouse activity starts it again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ketachart.clock import ManualClock
from ketachart.ui.lock import InactivityWatcher
from ketachart.ui.workstation import Workstation

pytestmark = pytest.mark.clock
SECOND = timedelta(seconds=1)


def armed_watcher(ws: Workstation) -> tuple[InactivityWatcher, list[int]]:
    """A watcher armed now, and the list that gets one entry each time it locks."""
    watcher = InactivityWatcher(ws)
    locks: list[int] = []
    watcher.expired.connect(lambda: locks.append(1))
    watcher.arm()
    return watcher, locks


@pytest.mark.parametrize(
    ("setting", "minutes"),
    [(None, 10), (2, 2), (30, 30), (1, 10), (31, 10), ("soon", 10)],
)
def test_locks_exactly_at_the_configured_minutes(
    qtbot: QtBot, ws: Workstation, clock: ManualClock, setting: object, minutes: int
) -> None:
    if setting is not None:
        ws.settings.setValue("lock/minutes", setting)
    watcher, locks = armed_watcher(ws)
    clock.advance(timedelta(minutes=minutes) - SECOND)
    watcher.check()
    assert locks == []
    clock.advance(SECOND)
    watcher.check()
    assert locks == [1]
    clock.advance(timedelta(hours=1))
    watcher.check()
    assert locks == [1]  # once, until armed again


@pytest.mark.parametrize("activity", ["key", "mouse"])
def test_activity_starts_the_wait_again(
    qtbot: QtBot, ws: Workstation, clock: ManualClock, activity: str
) -> None:
    watcher, locks = armed_watcher(ws)
    target = QWidget()
    qtbot.addWidget(target)
    clock.advance(timedelta(minutes=9))
    event = (
        QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier)
        if activity == "key"
        else QMouseEvent(
            QEvent.Type.MouseButtonPress,
            QPointF(1, 1),
            QPointF(1, 1),
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )
    watcher.eventFilter(target, event)
    clock.advance(timedelta(minutes=9))
    watcher.check()
    assert locks == []
    clock.advance(timedelta(minutes=1))
    watcher.check()
    assert locks == [1]
