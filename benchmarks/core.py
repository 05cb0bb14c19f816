"""Core speed figures of ketachart, printed, never asserted: `python -m benchmarks.core`.

1. Recording one vitals event through the service layer on SQLite (one transaction per event),
   as a ratio to a bare one-row sqlite3 INSERT + COMMIT with the same pragmas, measured in the
   same run and interleaved batch by batch so the noise of a shared machine hits both. Vitals
   cost grows with the session (each action loads and derives it), so it is measured on
   sessions of about 20 and about 100 prior events.
2. Demo throughput: events and sessions per second of `fill_demo` on SQLite (and on
   PostgreSQL when KETACHART_TEST_POSTGRES_URL names a server).
3. A bedside save (vitals, one transaction) alone, then while another process loops signing
   in (wrong and right passwords, an unknown name) and exporting a PDF: median, p95 and max
   of the save and of its wait for the write lock, the ratio to the save alone, and how many
   saves waited more than 200 ms (target: none). See benchmarks.bedside. On SQLite, and on
   PostgreSQL when a server is named.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from benchmarks import bedside
from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.vocab import PreCheckCode, PreCheckStatus, Role
from ketachart.services import charting, keys, patients, protocols, sessions, users
from ketachart.services.actors import Actor
from ketachart.services.users import new_password
from ketachart.storage.database import Database, open_database

POSTGRES_ENV = "KETACHART_TEST_POSTGRES_URL"
START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
STEP = timedelta(seconds=20)
DEMO_NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
DEMO_SEED = 2026
BATCH = 10
"""Measurements of one subject before switching to the next (interleaving)."""
PER_SESSION = 10
"""Timed events added to one session at most, so its size stays near its tier."""
TIERS = (20, 100)
LATE_BY = timedelta(minutes=5)
TARGET = 3.0
PRAGMAS = (
    "PRAGMA busy_timeout = 30000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
    "PRAGMA journal_mode = WAL",
)
BARE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bare_events (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, "
    "seq INTEGER NOT NULL, kind TEXT NOT NULL, occurred_at TEXT NOT NULL, "
    "recorded_at TEXT NOT NULL, recorded_by INTEGER NOT NULL, payload TEXT NOT NULL, "
    "overrides TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
)
BARE_INSERT = "INSERT INTO bare_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
BARE_PAYLOAD = (
    '{"cadss6":null,"diastolic":80,"heart_rate":72,"moaas":null,"pain":null,'
    '"resp_rate":14,"spo2":98,"systolic":120,"temperature_c":null}'
)
Timer = Callable[[], float]


@dataclass(frozen=True)
class Settings:
    samples: int
    warmup: int
    demo_sessions: int
    folder: Path | None
    command: str


@dataclass(frozen=True)
class Figure:
    label: str
    times: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p90(self) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


# --- the baseline: a bare sqlite3 insert and commit -------------------------------------------


class BareInsert:
    """One row of an event's size, BEGIN IMMEDIATE / INSERT / COMMIT, the app's pragmas."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        for pragma in PRAGMAS:
            self.connection.execute(pragma)
        self.connection.execute(BARE_TABLE)
        self.count = 0

    def _row(self) -> tuple[object, ...]:
        self.count += 1
        n = self.count
        digest = hashlib.sha256(str(n).encode()).hexdigest()
        stamp = (START + n * STEP).strftime("%Y-%m-%d %H:%M:%S.%f")
        ids = (str(uuid.UUID(int=n)), str(uuid.UUID(int=1 << 64)))
        return (*ids, n, "vitals", stamp, stamp, 2, BARE_PAYLOAD, "[]", digest, digest)

    def once(self) -> float:
        row = self._row()
        started = time.perf_counter()
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.execute(BARE_INSERT, row)
        self.connection.execute("COMMIT")
        return time.perf_counter() - started

    def close(self) -> None:
        self.connection.close()


# --- the subject: vitals through the service layer --------------------------------------------


@dataclass
class Clinic:
    db: Database
    clock: ManualClock
    nurse: Actor
    protocol_id: int
    patient_id: int


def make_clinic(db: Database, clock: ManualClock) -> Clinic:
    """A clinic with its clinic key, as tests.support.make_clinic makes one (the key and the
    passwords stretched before the transaction)."""
    new_key = keys.new_clinic_key("bench-clinic-passphrase-1")
    admin_password, nurse_password = new_password("bench-pass-1"), new_password("bench-pass-2")
    with db.transaction() as tx:
        clinic_key = keys.store_clinic_key(tx, new_key)
        admin = users.create_user(
            tx, None, "admin", "Ada Admin", "", Role.ADMIN, admin_password, clinic_key=clinic_key
        )
        nurse = users.create_user(
            tx, admin, "nina", "Nina Øster", "RN", Role.NURSE, nurse_password, clinic_key=clinic_key
        )
        rows = protocols.install_example_protocols(tx)
        details = patients.PatientDetails("MRN-0001", "Doe", "Zoë", date(1980, 2, 3), "female")
        patient = patients.register_patient(tx, nurse, details)
    return Clinic(db, clock, nurse, rows[0].id, patient.id)


def vitals(n: int) -> p.Vitals:
    """Plausible, varying (but deterministic) vitals."""
    return p.Vitals(
        systolic=110 + n % 25, diastolic=70 + n % 10, heart_rate=60 + n % 30, resp_rate=14, spo2=97
    )


def infusing_session(clinic: Clinic, prior: int) -> str:
    """A session infusing at `prior` (≥ 5) events: opened, pre-checks, baseline, IV, infusion,
    then vitals every STEP, charted in one transaction with times in the recent past."""
    clinic.clock.advance(STEP)
    nurse, first = clinic.nurse, clinic.clock.now() - prior * STEP
    at = [first + i * STEP for i in range(prior)]
    checks = p.PreChecks(tuple(p.PreCheckItem(c, PreCheckStatus.DONE) for c in PreCheckCode))
    with clinic.db.transaction() as tx:
        opened = sessions.open_session(
            tx, nurse, clinic.patient_id, clinic.protocol_id, "Chair 1", Decimal(70), (), at[0]
        )
        sid = opened.row.id
        charting.chart(tx, nurse, sid, checks, occurred_at=at[1])
        charting.chart(tx, nurse, sid, vitals(0), occurred_at=at[2])
        charting.chart(tx, nurse, sid, p.IvStart("Left forearm", 22, 1), occurred_at=at[3])
        charting.start_infusion(tx, nurse, sid, Decimal("52.5"), Decimal(50), occurred_at=at[4])
        infusing = sessions.load_session(tx, sid)  # vitals have no order rule: reuse its state
        for i in range(5, prior):
            charting.chart(tx, nurse, sid, vitals(i), occurred_at=at[i], loaded=infusing)
    return sid


class VitalsRecorder:
    """Charts one vitals event per transaction, rotating over sessions of one size. A `late`
    recorder charts it that long ago, before the newest entries: the write gate then checks
    the whole resulting timeline instead of the entry alone."""

    def __init__(
        self, clinic: Clinic, session_ids: Sequence[str], late: timedelta = timedelta(0)
    ) -> None:
        self.clinic = clinic
        self.session_ids = list(session_ids)
        self.late = late
        self.count = 0

    def once(self) -> float:
        session_id = self.session_ids[self.count % len(self.session_ids)]
        payload = vitals(self.count)
        self.count += 1
        self.clinic.clock.advance(STEP)
        at = self.clinic.clock.now() - self.late
        started = time.perf_counter()
        with self.clinic.db.transaction() as tx:
            charting.chart(tx, self.clinic.nurse, session_id, payload, occurred_at=at)
        return time.perf_counter() - started


def recorders(clinic: Clinic, settings: Settings) -> dict[str, VitalsRecorder]:
    """Per tier, a recorder of vitals charted now and one of vitals charted 5 minutes late, with
    enough sessions that none grows by more than PER_SESSION."""
    count = math.ceil((settings.samples + settings.warmup) / PER_SESSION)
    found = {}
    for prior in TIERS:
        for late, label in ((timedelta(0), ""), (LATE_BY, " late by 5 min")):
            ids = [infusing_session(clinic, prior) for _ in range(count)]
            found[f"chart(Vitals){label}, ~{prior} prior events"] = VitalsRecorder(
                clinic, ids, late
            )
    return found


# --- interleaved measurement ------------------------------------------------------------------


def measure(timers: dict[str, Timer], count: int) -> dict[str, list[float]]:
    """`count` timings of each timer, in batches of BATCH, the order rotated every round."""
    names = list(timers)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(math.ceil(count / BATCH)):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            todo = min(BATCH, count - len(times[name]))
            times[name].extend(timers[name]() for _ in range(todo))
    return times


def vitals_figures(folder: Path, settings: Settings) -> list[Figure]:
    clock = ManualClock(START)
    db = open_database(f"sqlite:///{folder / 'vitals.sqlite'}", clock)
    bare = BareInsert(folder / "bare.sqlite")
    try:
        tiers = recorders(make_clinic(db, clock), settings)
        timers: dict[str, Timer] = {"bare sqlite3 INSERT + COMMIT": bare.once}
        for label, recorder in tiers.items():
            timers[label] = recorder.once
        measure(timers, settings.warmup)
        times = measure(timers, settings.samples)
    finally:
        bare.close()
        db.dispose()
    return [Figure(label, values) for label, values in times.items()]


# --- demo throughput --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFigure:
    engine: str
    sessions: int
    events: int
    seconds: float

    @property
    def per_event(self) -> float:
        return self.seconds / max(1, self.events)


def run_demo(url: str, sessions_wanted: int) -> DemoFigure:
    from ketachart.demo import fill_demo

    db = open_database(url, ManualClock(DEMO_NOW))
    try:
        started = time.perf_counter()
        patients_wanted = max(1, sessions_wanted // 4)
        result = fill_demo(db, patients=patients_wanted, sessions=sessions_wanted, seed=DEMO_SEED)
        seconds = time.perf_counter() - started
    finally:
        db.dispose()
    return DemoFigure(db.dialect_name, result.sessions, result.events, seconds)


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server, dropped afterwards."""
    name = f"kc_bench_{uuid.uuid4().hex[:12]}"
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def demo_figures(folder: Path, settings: Settings) -> list[DemoFigure]:
    figures = [run_demo(f"sqlite:///{folder / 'demo.sqlite'}", settings.demo_sessions)]
    server = os.environ.get(POSTGRES_ENV, "").strip()
    if server:
        with postgres_database(server) as url:
            figures.append(run_demo(url, settings.demo_sessions))
    return figures


# --- output -----------------------------------------------------------------------------------


def table(rows: Sequence[Sequence[str]]) -> None:
    """Rows of cells (the first row is the header): first column left, the others right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        rest = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  ".join([row[0].ljust(widths[0]), *rest]))


def print_vitals(figures: list[Figure]) -> None:
    base = figures[0]
    rows = [["one action, SQLite file", "median ms", "p90 ms", "+ms", "× median", "× p90", "n"]]
    for f in figures:
        rows.append(
            [
                f.label,
                f"{f.median * 1000:.2f}",
                f"{f.p90 * 1000:.2f}",
                f"{(f.median - base.median) * 1000:+.2f}",
                f"{f.median / base.median:.2f}×",
                f"{f.p90 / base.p90:.2f}×",
                str(len(f.times)),
            ]
        )
    table(rows)
    ratios = ", ".join(f"{f.median / base.median:.2f}× {f.label}" for f in figures[1:])
    print(f"ratio vitals / bare insert (median): {ratios}; target ≤ {TARGET:g}×")


def print_demo(figures: list[DemoFigure], bare_median: float) -> None:
    rows = [["fill_demo", "sessions", "events", "s", "events/s", "sessions/s", "ms/event"]]
    rows[0].append("× bare insert")
    for f in figures:
        rows.append(
            [
                f.engine,
                str(f.sessions),
                str(f.events),
                f"{f.seconds:.1f}",
                f"{f.events / f.seconds:.1f}",
                f"{f.sessions / f.seconds:.2f}",
                f"{f.per_event * 1000:.2f}",
                f"{f.per_event / bare_median:.1f}×",
            ]
        )
    table(rows)


def bedside_figures(folder: Path, settings: Settings) -> list[bedside.BedsideFigures]:
    strength = bedside.Strength(saves=settings.samples)
    url = f"sqlite:///{folder / 'bedside.sqlite'}"
    figures = [bedside.measure_bedside(url, strength, scratch=folder)]
    server = os.environ.get(POSTGRES_ENV, "").strip()
    if server:
        with postgres_database(server) as url:
            figures.append(bedside.measure_bedside(url, strength, scratch=folder))
    return figures


def print_bedside(figures: list[bedside.BedsideFigures]) -> None:
    limit = f"> {bedside.WAIT_LIMIT_S * 1000:.0f} ms"
    rows = [["bedside save (vitals)", "n", "median ms", "p95 ms", "max ms", "× median", limit]]
    for f in figures:
        base = bedside.median([s.total for s in f.alone])
        for label, saves in (("alone", f.alone), ("during sign-in + export", f.loaded)):
            for what, times in (
                ("whole save", [s.total for s in saves]),
                ("wait for the write lock", [s.waited for s in saves]),
            ):
                rows.append(
                    [
                        f"{f.engine}, {label}: {what}",
                        str(len(times)),
                        f"{bedside.median(times) * 1000:.1f}",
                        f"{bedside.percentile(times, 0.95) * 1000:.1f}",
                        f"{max(times) * 1000:.1f}",
                        f"{bedside.median(times) / base:.2f}×",
                        str(sum(t > bedside.WAIT_LIMIT_S for t in times)),
                    ]
                )
    table(rows)
    for f in figures:
        done = ", ".join(f"{n} {step}" for step, n in sorted(f.load.done.items()))
        errors = f"; load ERRORS: {'; '.join(f.load.errors)}" if f.load.errors else ""
        print(f"{f.engine} load, another process: {done}{errors}")
    waited = ", ".join(f"{f.engine} {f.waited_too_long()}" for f in figures)
    print(
        f"saves that waited {limit} for the write lock during sign-in and export: {waited}; "
        "target 0"
    )


def run(settings: Settings) -> None:
    started = time.perf_counter()
    print(f"$ {settings.command}")
    print(
        f"SQLite {sqlite3.sqlite_version}, WAL, synchronous=FULL, BEGIN IMMEDIATE; "
        f"{settings.samples} samples per row after {settings.warmup} warm-up, "
        f"interleaved in batches of {BATCH}\n"
    )
    with tempfile.TemporaryDirectory(prefix="ketachart-bench-", dir=settings.folder) as tmp:
        figures = vitals_figures(Path(tmp), settings)
        print_vitals(figures)
        print()
        print_demo(demo_figures(Path(tmp), settings), figures[0].median)
        print()
        print_bedside(bedside_figures(Path(tmp), settings))
    print(f"\n(took {time.perf_counter() - started:.0f} s)")


def parse(argv: Sequence[str]) -> Settings:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.core", description=__doc__)
    parser.add_argument("--samples", type=int, default=300, help="timed events per row")
    parser.add_argument("--demo-sessions", type=int, default=200, metavar="N")
    parser.add_argument("--dir", type=Path, help="folder for the temporary databases")
    parser.add_argument("--quick", action="store_true", help="a few samples only (smoke test)")
    args = parser.parse_args(argv)
    samples = 10 if args.quick else max(1, args.samples)
    demo = 4 if args.quick else max(1, args.demo_sessions)
    command = shlex.join(["python", "-m", "benchmarks.core", *argv])
    return Settings(samples, max(BATCH, samples // 10), demo, args.dir, command)


def main(argv: Sequence[str] | None = None) -> int:
    run(parse(sys.argv[1:] if argv is None else argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
