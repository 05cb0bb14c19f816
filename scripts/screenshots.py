"""Take the README's screenshots in a real window on a virtual 1366x768 screen.

Run:  make screenshots   (xvfb-run on a 1366x768x24 screen; writes docs/screenshots)
(Debian packages: xvfb, and Qt's xcb libraries; see scripts/install-system-packages.)
The data is the synthetic demo clinic.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from ketachart.clock import SystemClock
from ketachart.demo import fill_demo
from ketachart.domain.vocab import SessionStatus
from ketachart.services.users import authenticate
from ketachart.storage.database import open_database
from ketachart.ui.chart_actions import ENTRY_ACTIONS
from ketachart.ui.main_window import MainWindow
from ketachart.ui.theme import apply_theme
from ketachart.ui.workstation import Workstation


def settle(app: QApplication, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def shoot(app: QApplication, path: Path) -> None:
    """The whole virtual screen, as X has it (not a widget's own rendering)."""
    settle(app)
    screen = app.primaryScreen()
    screen.grabWindow(0).save(str(path))
    print(f"saved {path}")


def session_in(window: MainWindow, status: SessionStatus) -> str:
    window.board.refresh()
    return next(r.session_id for r in window.board.model.rows() if r.status is status)


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    apply_theme(app)
    folder = Path(tempfile.mkdtemp(prefix="ketachart-shots-"))
    db = open_database(f"sqlite:///{folder / 'demo.sqlite'}", SystemClock())
    result = fill_demo(db, patients=14, sessions=18, seed=7)
    nurse = next(a for a in result.accounts if a.role == "nurse")
    ws = Workstation(db, QSettings(str(folder / "ws.ini"), QSettings.Format.IniFormat))
    window = MainWindow(ws)
    window.start_shift(ws.run(authenticate, nurse.username, nurse.password))
    window.setGeometry(0, 0, 1366, 768)
    window.showMaximized()
    shoot(app, out / "board.png")
    chart = window.open_chart(session_in(window, SessionStatus.INFUSING))
    shoot(app, out / "charting.png")
    window.show_board()
    chart = window.open_chart(session_in(window, SessionStatus.RECOVERY))
    dialog: QWidget | None = chart.open_entry(next(a for a in ENTRY_ACTIONS if a.key == "D"))
    assert dialog is not None
    shoot(app, out / "discharge.png")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
