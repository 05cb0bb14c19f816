"""Starting the application window.

The login window is shown first, before the database layer is even imported, so it is on
screen at once; the rest is done right after, while the user types (the login button waits
for it). Order: QApplication -> login window -> logging -> fonts for every script ->
settings -> database (opened, checked and migrated before anything is read) -> setup (first
run) -> main window (and the daily full integrity check, in the background). Nothing the
login window does not need is imported before it shows: `python -m benchmarks.startup`
holds it to 1.5x a bare PySide6 window.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from ketachart.ui.login import LoginDialog
from ketachart.ui.theme import apply_base_theme

if TYPE_CHECKING:
    from ketachart.storage.database import Database
    from ketachart.ui.full_check import FullCheckSchedule
    from ketachart.ui.main_window import MainWindow
    from ketachart.ui.workstation import Workstation

STARTUP_PROBE = "KETACHART_STARTUP_PROBE"


def run_application(args: argparse.Namespace) -> int:
    app = QApplication(sys.argv[:1])
    app.setApplicationName("ketachart")
    apply_base_theme(app)
    login = LoginDialog(None)
    login.show()
    startup = Startup(app, args, login)
    if os.environ.get(STARTUP_PROBE):
        QTimer.singleShot(0, lambda: startup.report("shown"))
    QTimer.singleShot(0, startup.prepare)
    accepted = login.exec() == QDialog.DialogCode.Accepted
    if startup.failure is not None:
        startup.close(1)
        raise startup.failure
    if not accepted or startup.window is None or login.actor is None:
        return startup.close(0)
    startup.window.start_shift(login.actor)
    startup.window.show()
    return startup.close(int(app.exec()))


class Startup:
    """Everything behind the login window: database, workstation, main window."""

    def __init__(self, app: QApplication, args: argparse.Namespace, login: LoginDialog) -> None:
        self.app, self.args, self.login = app, args, login
        self.window: MainWindow | None = None
        self.full_check: FullCheckSchedule | None = None
        self.failure: Exception | None = None
        self._db: Database | None = None

    def prepare(self) -> None:
        """Run from the event loop once the login window shows. A failure closes the login
        window: an error the user can act on is shown; any other is raised again once the
        loop returns (`run_application`), for the entry point to log and report."""
        from ketachart.errors import KetachartError

        try:
            self._prepare()
        except KetachartError as error:
            show_error(self.login, error.message)
            self.login.reject()
        except Exception as error:
            self.failure = error
            self.login.reject()
        if self.args_probe() == "ready":
            self.report("ready")

    def _prepare(self) -> None:
        from PySide6.QtCore import QSettings

        from ketachart.logs import setup_logging
        from ketachart.services.backups import KEEP_SETTING, start_daily_backup
        from ketachart.services.users import count_users
        from ketachart.ui.full_check import FullCheckSchedule
        from ketachart.ui.main_window import MainWindow
        from ketachart.ui.theme import apply_script_fonts
        from ketachart.ui.workstation import Workstation

        setup_logging()
        apply_script_fonts(self.app)
        db, demo_accounts = open_from_args(self.args)
        self._db = db
        ws = Workstation(db, QSettings("ketachart", "ketachart"), demo_accounts)
        if ws.query(count_users) == 0 and not self._first_run(ws):
            self.login.reject()
            return
        if not self.args.demo:  # a checked copy a day, in the background
            start_daily_backup(db, ws.settings.value(KEEP_SETTING))
        self.window = MainWindow(ws)
        self.full_check = FullCheckSchedule(db, self.window)  # daily, in the background
        self.full_check.checked.connect(self.window.show_full_check)
        self.full_check.start()
        self.login.attach(ws)

    def _first_run(self, ws: Workstation) -> bool:
        from ketachart.ui.setup_dialog import SetupDialog

        self.login.hide()
        done = SetupDialog(ws).exec() == QDialog.DialogCode.Accepted
        self.login.show()
        return done

    def args_probe(self) -> str:
        return os.environ.get(STARTUP_PROBE, "")

    def report(self, what: str) -> None:
        """For the startup benchmark: say when the login window is shown (or ready), quit."""
        if what == self.args_probe():
            print(f"login-window-{what}", flush=True)
            os._exit(0)

    def close(self, code: int) -> int:
        if self._db is not None:
            self._db.dispose()
        return code


def show_error(parent: QWidget, text: str) -> None:
    """A modal error box that shows `text` as plain text (it can hold a path or a URL)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "ketachart", text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def open_from_args(args: argparse.Namespace) -> tuple[Database, list[tuple[str, str, str]]]:
    from ketachart.clock import SystemClock
    from ketachart.config import resolve_database_url
    from ketachart.services.anchors import keep_anchors
    from ketachart.storage.database import open_database
    from ketachart.ui.clinic_key import record_clinic_key_quietly

    if not args.demo:
        db = open_database(resolve_database_url(args.db), SystemClock())
        keep_anchors(db)  # the chain heads this workstation sees, for verify
        record_clinic_key_quietly(db)  # the clinic key, the first time this workstation sees it
        return db, []
    import tempfile
    from pathlib import Path

    from ketachart.demo import fill_demo
    from ketachart.storage.anchors import FILE_NAME

    folder = Path(tempfile.mkdtemp(prefix="ketachart-demo-"))
    db = open_database(f"sqlite:///{folder / 'demo.sqlite'}", SystemClock())
    result = fill_demo(db, patients=16, sessions=24, seed=2026)
    keep_anchors(db, folder / FILE_NAME)  # the demo's own records, beside its database
    record_clinic_key_quietly(db)
    return db, [(a.username, a.password, a.role) for a in result.accounts]
