"""A bedside save while another workstation signs in and exports: how long the save waits.

Shared by `python -m benchmarks.core` (which prints the figures) and prove.lock_holding (which
counts the saves that waited too long). One write transaction at a time holds the write lock
(BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL: storage.dialect.begin), so any slow
work done while holding it (an argon2 password check, rendering a PDF) makes every bedside save
on every workstation wait. The issue that asked for this saw a save wait 18.8 s.

The saves are measured alone first (the baseline), then while another *process* loops: a
sign-in with a wrong password, one with the right password, one with an unknown user name,
and a PDF export of a typical session (~60 entries). Each save is a vitals entry charted as the
chart screen saves it, one transaction, paced a little apart as a nurse's are. For each save
two times are taken: its wait for the write lock (from asking for the transaction to holding
it) and the whole save (to its commit).

The load process runs at the same CPU priority as the saves. On one machine the two also
compete for the processor, which two workstations would not: the whole save's time includes
that, its wait for the lock much less. (A lower priority for the load would be worse: on a busy
machine it would be kept off the processor while holding the lock for a short write, and the
saves would wait for that instead.)
"""

from __future__ import annotations

import math
import multiprocessing
import queue
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

from sqlalchemy import select

from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.models import User
from ketachart.reports.export import export_session_pdf, read_for_export
from ketachart.services import charting, users
from ketachart.services.actors import Actor
from ketachart.services.sign_in import SignInRefused, sign_in
from ketachart.storage.database import Database, open_database
from tests.reports import charted
from tests.support import PASSWORDS, chart_to_infusing, make_clinic

WAIT_LIMIT_S = 0.200
"""A bedside save never waits longer than this for a sign-in, an export or a print."""
PER_SESSION = 20
"""Saves charted into one session at most, so that the sessions stay of one size."""
PACE_S = (0.010, 0.040)
"""The pause between two saves (at random within it): the load gets its turns."""
START_TIMEOUT_S = 120
MAX_EXTRA_S = 60
TYPICAL_SESSION_SPAN = timedelta(hours=30)
"""Its charting and its signature the next morning end before now: the bedside's real clock
must not be behind the newest recorded time (services.clock_guard would flag every save)."""


@dataclass(frozen=True)
class Strength:
    saves: int
    """Saves measured alone, and as many again under load."""


QUICK = Strength(saves=20)
REDUCED = Strength(saves=60)
FULL = Strength(saves=300)


@dataclass(frozen=True)
class SaveTime:
    waited: float
    """Seconds from asking for the write transaction to holding its lock."""
    total: float
    """Seconds from asking for it to its commit."""


@dataclass(frozen=True)
class LoadPlan:
    """What the other workstation does, over and over, until told to stop."""

    url: str
    username: str
    password: str
    exporter: Actor
    session_id: str
    folder: str
    slow_in_transaction: bool = False
    """The planted fault: check each password and render each PDF inside a write
    transaction, as ketachart used to (a test shows that the figures then see the waits)."""


@dataclass
class LoadReport:
    done: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BedsideFigures:
    engine: str
    alone: list[SaveTime]
    loaded: list[SaveTime]
    load: LoadReport

    @property
    def sign_ins(self) -> int:
        return sum(n for step, n in self.load.done.items() if step.startswith("sign-in"))

    @property
    def exports(self) -> int:
        return self.load.done["export"]

    @property
    def load_ran(self) -> bool:
        """The load really signed in and exported while the saves were measured."""
        return self.sign_ins > 0 and self.exports > 0 and not self.load.errors

    def waited_too_long(self) -> int:
        return sum(s.waited > WAIT_LIMIT_S for s in self.loaded)

    def took_too_long(self) -> int:
        return sum(s.total > WAIT_LIMIT_S for s in self.loaded)


# --- the other workstation --------------------------------------------------------------------


def sign_in_once(db: Database, username: str, password: str) -> bool:
    """One sign-in as the login screen does it (services.sign_in); False if refused."""
    try:
        sign_in(db, username, password)
    except SignInRefused:
        return False
    return True


def _check_holding_the_lock(db: Database, username: str, password: str) -> bool:
    """The planted fault: the argon2 check done while the write lock is held (the old way)."""
    with db.transaction() as tx:
        user = tx.orm.scalar(select(User).where(User.username == username))
        return user is not None and users.password_matches(user.password_hash, password)


def _export_holding_the_lock(db: Database, plan: LoadPlan, target: Path) -> None:
    """The planted fault: the PDF rendered while the write lock is held (the old way)."""
    chart = read_for_export(db, plan.exporter, plan.session_id)
    with db.transaction():
        chart.render()
    export_session_pdf(db, plan.exporter, plan.session_id, target, force=True)


def load_steps(plan: LoadPlan) -> list[tuple[str, Callable[[Database], object]]]:
    """The loop: (name, what it does with the database)."""
    target = Path(plan.folder) / "summary.pdf"
    check = _check_holding_the_lock if plan.slow_in_transaction else sign_in_once

    def export(db: Database) -> None:
        if plan.slow_in_transaction:
            _export_holding_the_lock(db, plan, target)
        else:
            export_session_pdf(db, plan.exporter, plan.session_id, target, force=True)

    return [
        ("sign-in wrong password", lambda db: check(db, plan.username, "not-it-at-all")),
        ("sign-in right password", lambda db: check(db, plan.username, plan.password)),
        ("export", export),
        ("sign-in unknown user", lambda db: check(db, "nobody-here", plan.password)),
        ("sign-in right password", lambda db: check(db, plan.username, plan.password)),
    ]


def load_worker(
    plan: LoadPlan,
    ready: Event,
    stop: Event,
    exports: Synchronized[int],
    results: Queue[LoadReport],
) -> None:
    """The other workstation's process: loops over `load_steps` until `stop` is set, counting
    its exports in `exports` as they finish."""
    report = LoadReport()
    try:
        db = open_database(plan.url, migrate=False)
        steps = load_steps(plan)
        ready.set()
        while not stop.is_set():
            for name, step in steps:
                step(db)
                report.done[name] += 1
                if name == "export":
                    exports.value += 1
                if stop.is_set():
                    break
        db.dispose()
    except Exception as error:  # reported, never hidden: the figures are then not valid
        report.errors.append(f"{type(error).__name__}: {error}")
        ready.set()
    results.put(report)


# --- the bedside ------------------------------------------------------------------------------


class Bedside:
    """A nurse charting vitals, one transaction per save, over sessions of one size."""

    NORMAL = p.Vitals(systolic=121, diastolic=79, heart_rate=71, resp_rate=15, spo2=97)

    def __init__(self, db: Database, nurse: Actor, session_ids: list[str]) -> None:
        self.db, self.nurse, self.session_ids = db, nurse, session_ids
        self.count = 0
        self.rng = random.Random(12)

    def save(self) -> SaveTime:
        session_id = self.session_ids[(self.count // PER_SESSION) % len(self.session_ids)]
        self.count += 1
        started = time.perf_counter()
        with self.db.transaction() as tx:
            locked = time.perf_counter()  # transaction() holds the write lock when it yields
            charting.chart(tx, self.nurse, session_id, self.NORMAL)
        return SaveTime(locked - started, time.perf_counter() - started)

    def saves(self, count: int) -> list[SaveTime]:
        times = []
        for _ in range(count):
            times.append(self.save())
            time.sleep(self.rng.uniform(*PACE_S))
        return times


@dataclass(frozen=True)
class Setup:
    nurse: Actor
    plan: LoadPlan
    session_ids: list[str]


def set_up(url: str, strength: Strength, folder: Path, *, slow_in_transaction: bool) -> Setup:
    """A clinic at `url`: a typical charted session to export, infusing sessions to save to."""
    clock = ManualClock(datetime.now(UTC) - TYPICAL_SESSION_SPAN)
    clinic = make_clinic(open_database(url, clock), clock)
    try:
        charted.set_clinic(clinic)
        exported = charted.typical_session(clinic)  # signed the next morning
        clock.set(max(clock.now(), datetime.now(UTC) - timedelta(hours=1)))
        session_ids = []
        for _ in range(math.ceil(2 * strength.saves / PER_SESSION)):
            session_id = clinic.open_session()
            chart_to_infusing(clinic, session_id)
            session_ids.append(session_id)
    finally:
        clinic.db.dispose()
    user = clinic.nurse2.username
    # The exporter goes to the load process without her opened private key: exporting needs
    # none, and a private key is never pickled (cryptography refuses to).
    exporter = replace(clinic.physician, signer=None)
    plan = LoadPlan(
        url, user, PASSWORDS[user], exporter, exported, str(folder), slow_in_transaction
    )
    return Setup(clinic.nurse, plan, session_ids)


def measure_bedside(
    url: str, strength: Strength, *, scratch: Path | None = None, slow_in_transaction: bool = False
) -> BedsideFigures:
    """The saves alone, then while another process signs in and exports (see the module).
    The exported PDFs go to a temporary folder in `scratch` (None: the system's)."""
    with tempfile.TemporaryDirectory(prefix="ketachart-bedside-", dir=scratch) as folder:
        setup = set_up(url, strength, Path(folder), slow_in_transaction=slow_in_transaction)
        db = open_database(url, migrate=False)
        try:
            bedside = Bedside(db, setup.nurse, setup.session_ids)
            bedside.saves(min(5, strength.saves))  # warm-up: connections, caches
            alone = bedside.saves(strength.saves)
            loaded, load = _under_load(bedside, setup.plan, strength.saves)
        finally:
            db.dispose()
        return BedsideFigures(db.dialect_name, alone, loaded, load)


def _under_load(bedside: Bedside, plan: LoadPlan, count: int) -> tuple[list[SaveTime], LoadReport]:
    """`count` saves while the load process runs, and more until it has exported at least
    once (at most MAX_EXTRA_S more): a figure without an export in it would prove nothing."""
    context = multiprocessing.get_context("spawn")
    ready, stop, results = context.Event(), context.Event(), context.Queue()
    exports = context.Value("i", 0)
    process = context.Process(target=load_worker, args=(plan, ready, stop, exports, results))
    process.start()
    try:
        ready.wait(START_TIMEOUT_S)
        loaded = bedside.saves(count)
        deadline = time.monotonic() + MAX_EXTRA_S
        while exports.value == 0 and time.monotonic() < deadline and process.is_alive():
            loaded += bedside.saves(1)
    finally:
        stop.set()
    try:
        report: LoadReport = results.get(timeout=START_TIMEOUT_S)
    except queue.Empty:
        report = LoadReport(errors=["the load process ended without a report"])
    process.join(START_TIMEOUT_S)
    return loaded, report


# --- figures ----------------------------------------------------------------------------------


def median(times: list[float]) -> float:
    return statistics.median(times)


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]
