"""A banner while this workstation's clock reads behind the newest recorded time.

Entries are then saved at the newest recorded time, not at this clock's (see
services.clock_guard); the nurse is told, so a wrong clock is fixed rather than charted around.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ketachart.errors import KetachartError
from ketachart.services.clock_guard import clock_lag
from ketachart.ui.widgets import repeating_timer
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
CHECK_EVERY_MS = 30_000


def describe_lag(lag: timedelta) -> str:
    seconds = int(lag.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


class ClockBanner(QLabel):
    """Checks every 30 s (and when asked); hidden while the clock is right."""

    def __init__(self, ws: Workstation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setObjectName("warningBanner")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.hide()
        self.timer = repeating_timer(self, CHECK_EVERY_MS, self.check)
        self.timer.start()

    def check(self) -> None:
        try:
            lag = self.ws.query(clock_lag)
        except KetachartError:
            return  # the screens say what is wrong with the database; keep the last state
        except Exception:
            log.exception("unexpected error while checking the workstation clock")
            return
        self.show_lag(lag)

    def show_lag(self, lag: timedelta | None) -> None:
        if lag is None:
            self.hide()
            return
        self.setText(
            self.tr(
                "This workstation's clock is %s behind the newest charted entry. New entries "
                "are saved at the newest charted time, not at this clock's time. Ask IT to "
                "set the clock."
            )
            % describe_lag(lag)
        )
        self.show()
