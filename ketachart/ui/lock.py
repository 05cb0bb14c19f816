"""Auto-lock after inactivity. The lock hides the chart and any open entry dialog, keeping
what was typed; the same user gets it back, another user never sees it."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from ketachart.ui.widgets import repeating_timer
from ketachart.ui.workstation import Workstation

DEFAULT_MINUTES = 10
ALLOWED_MINUTES = range(2, 31)
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


def lock_minutes(ws: Workstation) -> int:
    """The workstation's inactivity timeout (QSettings), kept within 2-30 minutes."""
    try:
        value = int(str(ws.settings.value("lock/minutes", DEFAULT_MINUTES)))
    except ValueError:
        return DEFAULT_MINUTES
    return value if value in ALLOWED_MINUTES else DEFAULT_MINUTES


class InactivityWatcher(QObject):
    """Watches input application-wide; emits `expired` after the timeout of the test-movable
    clock passes with no keyboard, mouse or touch activity."""

    expired = Signal()

    def __init__(self, ws: Workstation, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.last_activity: datetime = ws.now()
        self.armed = False
        self._timer = repeating_timer(self, 1000, self.check)
        self._timer.start()

    def arm(self) -> None:
        self.last_activity, self.armed = self.ws.now(), True

    def disarm(self) -> None:
        self.armed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.last_activity = self.ws.now()
        return False

    def check(self) -> None:
        """Every second: the setting is read only while someone is logged in to lock out."""
        if not self.armed:
            return
        timeout = timedelta(minutes=lock_minutes(self.ws))
        if self.ws.now() - self.last_activity >= timeout:
            self.armed = False
            self.expired.emit()


class HiddenDialogs:
    """Entry dialogs hidden by the lock, to give back to their user or to discard."""

    def __init__(self) -> None:
        self._dialogs: list[QDialog] = []

    def hide_all(self, window: QWidget) -> None:
        self._dialogs = [d for d in window.findChildren(QDialog) if d.isVisible()]
        for dialog in self._dialogs:
            dialog.hide()

    def restore(self) -> None:
        for dialog in self._dialogs:
            dialog.show()
        self._dialogs = []

    def discard(self) -> None:
        """Another user logs in: the first user's unsaved input is dropped, never shown."""
        for dialog in self._dialogs:
            dialog.reject()
            dialog.deleteLater()
        self._dialogs = []

    @property
    def count(self) -> int:
        return len(self._dialogs)
