"""Time: entries around DST changes (New York: the missing 02:30 of 2026-03-08, the repeated
01:00-01:59 of 2026-11-01) are stored exactly, sorted by instant and shown with the right
wall time and zone, on each engine; a clock that goes backwards is flagged, never followed
(the entry is kept at its own time, the gap audited, `verify` warns); two workstations on one
database, one a year ahead: the correct one records its own time, the ahead one is flagged
and `verify` names it alone.

The cases are tests/storage/test_time.py's and test_workstation_clocks.py's, each run on a
new clinic (SQLite, and PostgreSQL when a server is configured); a case passes when it raises
nothing.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime

from ketachart.clock import ManualClock, SkewedClock, SystemClock
from ketachart.storage.database import Database, open_database
from prove import Figure
from prove.sample import new_clinic, postgres_server, scratch_postgres
from prove.ui_checks import marked_checks
from tests.storage import test_time as cases
from tests.storage import test_workstation_clocks as stations
from tests.support import Clinic, make_clinic

AREA = "time"
ClinicCase = Callable[[Clinic], None]
StationCase = Callable[[Clinic, Database], None]

CLINIC_CASES: dict[str, ClinicCase] = {
    "spring gap stored, sorted, shown": lambda c: (
        cases.test_times_around_dst_are_stored_sorted_and_shown(c, None, cases.SPRING)
    ),
    "fall repeat stored, sorted, shown": lambda c: (
        cases.test_times_around_dst_are_stored_sorted_and_shown(c, None, cases.FALL)
    ),
    "clock back: flagged, kept at its own time": (
        cases.test_a_clock_gone_back_is_flagged_and_the_entry_kept_at_its_own_time
    ),
    "clock behind: every write flagged": (
        cases.test_every_write_while_behind_is_flagged_until_the_clock_catches_up
    ),
    "clock 4 min back: not flagged": (
        cases.test_a_small_step_back_is_not_flagged_and_keeps_its_own_time
    ),
    "clock back: failed login flagged": cases.test_a_failed_login_with_the_clock_back_is_flagged,
}
STATION_CASES: dict[str, StationCase] = {
    "a year ahead: the correct one records its own time": (
        stations.test_the_correct_workstation_records_its_own_time
    ),
    "a year ahead: flagged, the correct one not": (
        stations.test_the_ahead_workstation_is_flagged_and_the_correct_one_is_not
    ),
    "a year ahead: verify names it alone": stations.test_verify_names_the_ahead_workstation_only,
}


@contextmanager
def local_zone(name: str) -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def _place(engine: str, folder: str) -> AbstractContextManager[str]:
    server = postgres_server()
    if engine == "postgresql" and server:
        return scratch_postgres(server)
    return nullcontext(f"sqlite:///{folder}/{uuid.uuid4().hex}.sqlite")


@contextmanager
def clinic_on(engine: str, folder: str) -> Iterator[Clinic]:
    """A new clinic whose clock starts the day before the spring change."""
    with _place(engine, folder) as url:
        clinic = new_clinic(url, ManualClock(datetime(2026, 3, 7, 12, 0, tzinfo=UTC)))
        try:
            yield clinic
        finally:
            clinic.db.dispose()


@contextmanager
def two_workstations_on(engine: str, folder: str) -> Iterator[tuple[Clinic, Database]]:
    """A new clinic set up from bay-1 (this machine's clock), and bay-3 a year ahead."""
    with _place(engine, folder) as url:
        correct = open_database(url, SystemClock(), workstation=stations.BAY_1)
        ahead = open_database(url, SkewedClock(stations.YEAR), workstation=stations.BAY_3)
        try:
            yield make_clinic(correct, ManualClock(datetime.now(UTC))), ahead
        finally:
            ahead.dispose()
            correct.dispose()


def _passes(name: str, failures: list[str], case: Callable[..., None], *args: object) -> None:
    try:
        case(*args)
    except Exception:  # any error fails the case; the report names it
        failures.append(f"{name}: {traceback.format_exc(limit=2).splitlines()[-1]}")


def prove_times() -> tuple[int, list[str]]:
    """(cases tried, what failed). The clock warnings these cases cause on purpose are not
    printed (the log of a real run keeps them)."""
    logging.getLogger("ketachart.services.clock_guard").addHandler(logging.NullHandler())
    tried, failures = 0, list[str]()
    engines = ["sqlite"] + (["postgresql"] if postgres_server() else [])
    shown_case = cases.test_local_time_shows_wall_time_and_offset
    with local_zone("America/New_York"), tempfile.TemporaryDirectory() as folder:
        for at, shown, offset in cases.SPRING + cases.FALL:
            tried += 1
            _passes(f"shown {shown}", failures, shown_case, None, at, shown, offset)
        for engine in engines:
            for name, case in CLINIC_CASES.items():
                tried += 1
                with clinic_on(engine, folder) as clinic:
                    _passes(f"{engine}: {name}", failures, case, clinic)
            for name, station_case in STATION_CASES.items():
                tried += 1
                with two_workstations_on(engine, folder) as (clinic, ahead):
                    _passes(f"{engine}: {name}", failures, station_case, clinic, ahead)
    return tried, failures


def run(full: bool) -> list[Figure]:
    """The same cases at both strengths: they are quick. With them, the UI's clock checks:
    auto-lock after N minutes of a moved test clock, and the banner while a clock is behind."""
    del full
    tried, failures = prove_times()
    ui_cases, ui_failed = marked_checks("clock")
    return [
        Figure(AREA, "DST and clock cases", tried, "failed", len(failures)),
        Figure(f"{AREA} (UI)", "auto-lock and clock banner checks", ui_cases, "failed", ui_failed),
    ]


def main() -> int:
    tried, failures = prove_times()
    for failure in failures:
        print(f"FAILED {failure}")
    figure = Figure(AREA, "DST and clock cases", tried, "failed", len(failures))
    print(figure.line())
    return 0 if figure.ok else 1


if __name__ == "__main__":
    sys.exit(main())
