"""Starting the Qt application: database first, then QApplication, then the main window."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from ketachart.clock import SystemClock
from ketachart.config import resolve_database_url
from ketachart.storage.database import open_database


def run_application(args: argparse.Namespace) -> int:
    database = open_database(resolve_database_url(args.db), SystemClock())
    app = QApplication(sys.argv[:1])
    app.setApplicationName("ketachart")
    window = QMainWindow()
    window.setWindowTitle("ketachart")
    label = QLabel(
        "ketachart: the charting core is ready.\nThe bedside screens arrive with the next release."
    )
    window.setCentralWidget(label)
    window.resize(800, 500)
    window.show()
    code = int(app.exec())
    database.dispose()
    return code
