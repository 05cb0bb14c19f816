"""A banner while this workstation's clock disagrees with the others by more than 5 minutes.

Entries are still saved at this workstation's own time and flagged in the audit trail
(services.clock_guard); the nurse is told which clock is wrong, or that one of two is, so
that a wrong clock is fixed rather than charted around.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ketachart.errors import KetachartError
from ketachart.services.clock_guard import ClockCheck, clock_status, describe_gap, name_of
from ketachart.ui.widgets import repeating_timer
from ketachart.ui.workstation import Workstation

log = logging.getLogger(__name__)
CHECK_EVERY_MS = 30_000


class ClockBanner(QLabel):
    """Checks every 30 s (and when asked); hidden while the clocks agree."""

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
            status = self.ws.query(clock_status)
        except KetachartError:
            return  # the screens say what is wrong with the database; keep the last state
        except Exception:
            log.exception("unexpected error while checking the workstation clock")
            return
        self.show_status(status)

    def show_status(self, status: ClockCheck | None) -> None:
        if status is None:
            self.hide()
            return
        self.setText(self._describe(status))
        self.show()

    def _describe(self, status: ClockCheck) -> str:
        gap = describe_gap(status.gap)
        if status.against_server:
            side = self.tr("ahead of") if status.gap > timedelta(0) else self.tr("behind")
            return (
                self.tr(
                    "This workstation's clock is %1 %2 the database server's clock. Entries made "
                    "here are saved at this clock's wrong time and flagged for review. Ask IT to "
                    "set this workstation's clock now."
                )
                .replace("%1", gap)
                .replace("%2", side)
            )
        other = name_of(status.other)
        if status.gap < timedelta(0):
            text = self.tr(
                "This workstation's clock reads %1 earlier than the newest entry, recorded by "
                "%2. One of the two clocks is wrong. Entries made here are saved at this "
                "clock's time and flagged. Ask IT to check both clocks."
            )
        else:
            text = self.tr(
                "Entries recorded by %2 after this workstation's last entry are %1 earlier "
                "than it. One of the two clocks is wrong. Entries are saved at each "
                "workstation's own time and flagged. Ask IT to check both clocks."
            )
        return text.replace("%1", gap).replace("%2", other)
