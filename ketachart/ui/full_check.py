"""The daily full integrity check, in the background of the running application.

Opening the database checks only what can be checked in time independent of its size
(storage.database.check_integrity); SQLite's full check reads the whole file, which takes
seconds on a clinic's years of records. So it runs here, on a thread of its own with its own
connections (services.integrity.run_if_due), a minute after start and then whenever a day has
passed since it last passed: the GUI thread never waits for it, and in WAL mode a save goes on
while it reads. Its result comes back to the GUI thread as a signal, for the status bar.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from ketachart.services import integrity
from ketachart.storage.database import Database

log = logging.getLogger(__name__)
FIRST_AFTER_MS = 60_000
"""The first look, once the start-up's own reads (sign-in, the board) are done."""
LOOK_EVERY_MS = 60 * 60_000
"""How often the schedule looks whether the daily check is due (it runs at most daily)."""


class FullCheckSchedule(QObject):
    """Runs the full check when due, never on the GUI thread, never two at once."""

    checked = Signal(object)
    """A services.integrity.FullCheckStatus, delivered on the GUI thread."""

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.worker: threading.Thread | None = None
        self.passed_at: datetime | None = None
        """When a check run here last passed (kept even if it could not be recorded)."""
        self.timer = QTimer(self)
        self.timer.setInterval(LOOK_EVERY_MS)
        self.timer.timeout.connect(self.run)

    def start(self) -> None:
        """Show when the check last passed (one settings row read), and look again later."""
        self.checked.emit(integrity.status(self.db))
        self.timer.start()
        QTimer.singleShot(FIRST_AFTER_MS, self, self.run)

    def run(self) -> threading.Thread | None:
        """Start the background check (it runs the full check only if due); None if one is
        running already."""
        if self.worker is not None and self.worker.is_alive():
            return None
        self.worker = threading.Thread(target=self._work, name="ketachart-full-check", daemon=True)
        self.worker.start()
        return self.worker

    def _work(self) -> None:
        try:
            result = integrity.run_if_due(self.db, self.passed_at)
        except Exception:  # a background thread: logged, the next look tries again
            log.exception("the scheduled integrity check could not run")
            return
        self.passed_at = result.last_passed
        try:
            self.checked.emit(result)  # queued to the GUI thread
        except RuntimeError:  # the application closed while the check ran
            return
