"""Screen speed figures, printed, never asserted: `python -m benchmarks.startup`.

1. Process start to the login window shown, as a ratio to a bare PySide6 window started the
   same way (a fresh `python` process, offscreen platform) in the same run. Runs alternate,
   so the machine's noise hits both; medians are reported. Target <= 1.5x.
2. Time to open the charting screen of a session with 500 events (in-process: reading it from
   the database, then building the ChartView until it has painted, in the bedside theme), median
   of several opens, against the goal of 150 ms, split into reading and screen.
   `--profile` runs only the opens, under cProfile, and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.vocab import PreCheckCode, PreCheckStatus, Role
from ketachart.services import charting, keys, patients, protocols, sessions, users
from ketachart.storage.database import Database, open_database

TARGET = 1.5
GOAL = 0.150
"""Seconds to open a 500-event chart."""
START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
BARE_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QVBoxLayout
app = QApplication(sys.argv[:1])
dialog = QDialog()
QVBoxLayout(dialog).addWidget(QLabel("bare PySide6 window"))
def shown():
    print("login-window-shown", flush=True)
    sys.exit(0)
QTimer.singleShot(0, shown)
dialog.exec()
"""


def time_until_shown(command: list[str], env: dict[str, str], what: str = "shown") -> float:
    """Seconds from starting `command` to it printing that its window is shown (or ready)."""
    started = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if f"login-window-{what}" in line:
                elapsed = time.perf_counter() - started
                process.wait(timeout=30)
                return elapsed
        process.wait(timeout=30)
    raise RuntimeError(f"{command[0]} exited ({process.returncode}) without showing a window")


def prepared_database(folder: Path) -> str:
    """A database with accounts, so the application goes straight to its login window."""
    url = f"sqlite:///{folder / 'startup.sqlite'}"
    db = open_database(url)
    new_key = keys.new_clinic_key("startup-clinic-passphrase-71")
    password = users.new_password("copper-lantern-71")
    with db.transaction() as tx:
        clinic_key = keys.store_clinic_key(tx, new_key)
        users.create_user(
            tx, None, "admin", "Ada Admin", "", Role.ADMIN, password, clinic_key=clinic_key
        )
        protocols.install_example_protocols(tx)
    db.dispose()
    return url


def startup_ratio(runs: int, folder: Path) -> tuple[float, float, float]:
    url = prepared_database(folder)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "KETACHART_STARTUP_PROBE": "shown",
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_STATE_HOME": str(folder / "state"),
    }
    app = [sys.executable, "-m", "ketachart", "--db", url]
    bare = [sys.executable, "-c", BARE_WINDOW]
    time_until_shown(app, env), time_until_shown(bare, env)  # warm the file cache
    app_times, bare_times, ready_times = [], [], []
    ready_env = {**env, "KETACHART_STARTUP_PROBE": "ready"}
    for _ in range(runs):
        bare_times.append(time_until_shown(bare, env))
        app_times.append(time_until_shown(app, env))
        ready_times.append(time_until_shown(app, ready_env, "ready"))
    medians = (statistics.median(t) for t in (app_times, bare_times, ready_times))
    return next(medians), next(medians), next(medians)


def long_session(db: Database, clock: ManualClock, events: int) -> str:
    """A 4-hour-style session with about `events` entries, charted through the services."""
    new_key = keys.new_clinic_key("long-session-passphrase-1")
    password = users.new_password("nurse-pass-1")
    with db.transaction() as tx:
        clinic_key = keys.store_clinic_key(tx, new_key)
        nurse = users.create_user(
            tx, None, "nina", "Nina Øster", "RN", Role.NURSE, password, clinic_key=clinic_key
        )
        pain = protocols.install_example_protocols(tx)[2]
        patient = patients.register_patient(
            tx,
            nurse,
            patients.PatientDetails(
                "MRN-500", "Łukasiewicz", "Zoë", datetime(1980, 2, 3).date(), "female"
            ),
        )
        opened = sessions.open_session(tx, nurse, patient.id, pain.id, "Chair 1", Decimal(70))
    sid = opened.row.id
    first = (
        p.PreChecks(tuple(p.PreCheckItem(c, PreCheckStatus.DONE) for c in PreCheckCode)),
        p.Vitals(120, 80, 72, 14, 98),
        p.IvStart("Left forearm", 22, 1),
    )
    for step in first:
        with db.transaction() as tx:
            charting.chart(tx, nurse, sid, step)
    with db.transaction() as tx:
        charting.start_infusion(tx, nurse, sid, Decimal("17.5"), Decimal(250))
    for index in range(events - 5):
        clock.advance(timedelta(seconds=25))
        payload: p.Payload = (
            p.Vitals(120 + index % 15, 80, 70 + index % 9, 14, 97, moaas=5, pain=3)
            if index % 3
            else p.Note(f"Observation {index}: comfortable, talking")
        )
        with db.transaction() as tx:
            charting.chart(tx, nurse, sid, payload)
    return sid


@dataclass(frozen=True)
class OpenTimes:
    """Seconds per open: reading the chart (the audited view_session), then building and
    painting the screen from it (the timeline, the header and the trend)."""

    read: list[float]
    screen: list[float]

    @property
    def total(self) -> list[float]:
        return [r + s for r, s in zip(self.read, self.screen, strict=True)]


def chart_open_times(opens: int, folder: Path, events: int, profile: bool = False) -> OpenTimes:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from ketachart.services.sessions import view_session
    from ketachart.services.users import actor_of
    from ketachart.ui.chart_view import ChartView
    from ketachart.ui.theme import apply_theme
    from ketachart.ui.workstation import Workstation

    clock = ManualClock(START)
    db = open_database(f"sqlite:///{folder / 'long.sqlite'}", clock)
    sid = long_session(db, clock, events)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_theme(app)  # the bedside type, as the application runs
    ws = Workstation(db, QSettings(str(folder / "ws.ini"), QSettings.Format.IniFormat))
    with db.reading() as tx:
        from ketachart.models import User

        ws.set_actor(actor_of(tx.orm.get(User, 1)))  # type: ignore[arg-type]
    times = OpenTimes([], [])
    profiler = cProfile.Profile() if profile else None
    for _ in range(opens):
        db.caches.clear()  # a first open: nothing of the session read yet
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        view = ws.act(view_session, sid)  # what ChartView.open reads
        read = time.perf_counter()
        chart = ChartView(ws, view)
        chart.resize(1366, 768)
        chart.show()
        app.processEvents()
        times.read.append(read - started)
        times.screen.append(time.perf_counter() - read)
        if profiler is not None:
            profiler.disable()
        chart.close()
        chart.deleteLater()
        app.processEvents()
    db.dispose()
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"ketachart|pyqtgraph", 30)
    return times


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:5.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="process starts of each kind")
    parser.add_argument("--opens", type=int, default=7, help="chart screen opens")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="a smoke run with few samples")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the chart opens (no start-up runs)"
    )
    args = parser.parse_args(argv)
    runs, opens, events = (3, 2, 60) if args.quick else (args.runs, args.opens, args.events)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="ketachart-bench-") as folder:
        if args.profile:
            chart_open_times(opens, Path(folder), events, profile=True)
            return 0
        app_s, bare_s, ready_s = startup_ratio(runs, Path(folder))
        opened = chart_open_times(opens, Path(folder), events)
    ratio = app_s / bare_s
    print(
        f"start to login window   ketachart {app_s * 1000:7.0f} ms   bare PySide6 window "
        f"{bare_s * 1000:7.0f} ms   ratio {ratio:.2f}x (target <= {TARGET}x), median of {runs}"
    )
    print(
        f"login window ready (database open and checked) {ready_s * 1000:7.0f} ms = "
        f"{ready_s / bare_s:.2f}x the bare window"
    )
    total = opened.total
    print(
        f"open chart, {events} events  median {_ms(total)} ({statistics.median(total) / GOAL:.2f}x "
        f"the {GOAL * 1000:.0f} ms goal)   min {min(total) * 1000:.0f} ms   "
        f"max {max(total) * 1000:.0f} ms, {opens} opens"
    )
    print(f"  of which reading the chart {_ms(opened.read)}, the screen {_ms(opened.screen)}")
    print(
        f"command: {Path(sys.executable).name} -m benchmarks.startup"
        + (" --quick" if args.quick else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
