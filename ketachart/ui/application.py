"""Starting the application: settings -> database -> QApplication -> setup/login -> window."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from ketachart.clock import SystemClock
from ketachart.config import resolve_database_url
from ketachart.errors import KetachartError
from ketachart.services.users import count_users
from ketachart.storage.database import Database, open_database
from ketachart.ui.login import SetupDialog
from ketachart.ui.main_window import MainWindow
from ketachart.ui.theme import apply_theme
from ketachart.ui.workstation import Workstation

STARTUP_PROBE = "KETACHART_STARTUP_PROBE"


def run_application(args: argparse.Namespace) -> int:
    settings = QSettings("ketachart", "ketachart")
    app = QApplication(sys.argv[:1])
    app.setApplicationName("ketachart")
    apply_theme(app)
    try:
        db, demo_accounts = _open(args)
    except KetachartError as error:
        QMessageBox.critical(None, "ketachart", error.message)
        return 1
    ws = Workstation(db, settings, demo_accounts)
    try:
        return _run(app, ws)
    finally:
        db.dispose()


def _open(args: argparse.Namespace) -> tuple[Database, list[tuple[str, str, str]]]:
    if not args.demo:
        return open_database(resolve_database_url(args.db), SystemClock()), []
    from ketachart.services.demo import fill_demo

    folder = Path(tempfile.mkdtemp(prefix="ketachart-demo-"))
    db = open_database(f"sqlite:///{folder / 'demo.sqlite'}", SystemClock())
    result = fill_demo(db, patients=16, sessions=24, seed=2026)
    return db, [(a.username, a.password, a.role) for a in result.accounts]


def _run(app: QApplication, ws: Workstation) -> int:
    if ws.query(count_users) == 0 and SetupDialog(ws).exec() != QDialog.DialogCode.Accepted:
        return 0
    window = MainWindow(ws)
    if os.environ.get(STARTUP_PROBE):
        QTimer.singleShot(0, _report_login_shown)
    if not window.login():
        return 0
    window.show()
    return int(app.exec())


def _report_login_shown() -> None:
    """For the startup benchmark: say when the login window is on screen, then quit."""
    print("login-window-shown", flush=True)
    os._exit(0)
