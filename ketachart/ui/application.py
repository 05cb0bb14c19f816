"""Starting the application window.

The login window is shown first, before the database layer is even imported, so it is on
screen at once; the database is opened, checked and migrated right after, while the user
types (the login button waits for it). Order: QApplication -> login window -> settings ->
database -> setup (first run) -> main window.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from ketachart.errors import KetachartError
from ketachart.ui.login import LoginDialog
from ketachart.ui.theme import apply_theme

if TYPE_CHECKING:
    from ketachart.storage.database import Database
    from ketachart.ui.main_window import MainWindow
    from ketachart.ui.workstation import Workstation

STARTUP_PROBE = "KETACHART_STARTUP_PROBE"


def run_application(args: argparse.Namespace) -> int:
    app = QApplication(sys.argv[:1])
    app.setApplicationName("ketachart")
    apply_theme(app)
    login = LoginDialog(None)
    login.show()
    startup = Startup(args, login)
    if os.environ.get(STARTUP_PROBE):
        QTimer.singleShot(0, lambda: startup.report("shown"))
    QTimer.singleShot(0, startup.prepare)
    accepted = login.exec() == QDialog.DialogCode.Accepted
    if not accepted or startup.window is None or login.actor is None:
        return startup.close(0)
    startup.window.start_shift(login.actor)
    startup.window.show()
    return startup.close(int(app.exec()))


class Startup:
    """Everything behind the login window: database, workstation, main window."""

    def __init__(self, args: argparse.Namespace, login: LoginDialog) -> None:
        self.args, self.login = args, login
        self.window: MainWindow | None = None
        self._db: Database | None = None

    def prepare(self) -> None:
        try:
            self._prepare()
        except KetachartError as error:
            show_error(self.login, error.message)
            self.login.reject()
        if self.args_probe() == "ready":
            self.report("ready")

    def _prepare(self) -> None:
        from PySide6.QtCore import QSettings

        from ketachart.services.backups import KEEP_SETTING, start_daily_backup
        from ketachart.services.users import count_users
        from ketachart.ui.main_window import MainWindow
        from ketachart.ui.workstation import Workstation

        db, demo_accounts = open_from_args(self.args)
        self._db = db
        ws = Workstation(db, QSettings("ketachart", "ketachart"), demo_accounts)
        if ws.query(count_users) == 0 and not self._first_run(ws):
            self.login.reject()
            return
        if not self.args.demo:  # a checked copy a day, in the background
            start_daily_backup(db, ws.settings.value(KEEP_SETTING))
        self.window = MainWindow(ws)
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
    box = QMessageBox(QMessageBox.Icon.Critical, "ketachart", text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def open_from_args(args: argparse.Namespace) -> tuple[Database, list[tuple[str, str, str]]]:
    from ketachart.clock import SystemClock
    from ketachart.config import resolve_database_url
    from ketachart.storage.database import open_database

    if not args.demo:
        return open_database(resolve_database_url(args.db), SystemClock()), []
    import tempfile
    from pathlib import Path

    from ketachart.demo import fill_demo

    folder = Path(tempfile.mkdtemp(prefix="ketachart-demo-"))
    db = open_database(f"sqlite:///{folder / 'demo.sqlite'}", SystemClock())
    result = fill_demo(db, patients=16, sessions=24, seed=2026)
    return db, [(a.username, a.password, a.role) for a in result.accounts]
