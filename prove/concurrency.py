"""Concurrent workstations: several processes, each with its own engine, chart into the same
session and into their own at once (one transaction per action, a random mix of vitals and
notes), on one SQLite file and on one PostgreSQL server. Each worker reports an entry only
after its commit returned. Every reported entry must be there, the counts per session must
match exactly, every chain must verify, and no error may reach a user: the write lock taken
at the start of each transaction (BEGIN IMMEDIATE with a busy timeout; an advisory lock on
PostgreSQL) makes writers wait for each other instead of failing.

Then two nurses correct the same entry at the same moment, many times over: both saw no
correction yet (`seen_version=None`); exactly one may succeed and the other must get a
ConflictError saying someone else corrected it (the writers took turns: a collision caught
only by a unique constraint would mean they did not). Two corrections both superseding the
same version would be a silent overwrite.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import zip_longest
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from sqlalchemy import func, select

from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.acknowledgement import answered
from ketachart.domain.events import EventRecord
from ketachart.domain.vocab import AlertResponse
from ketachart.errors import AcknowledgementRequired, ConflictError, KetachartError
from ketachart.models import AuditEntry, Event
from ketachart.services import charting
from ketachart.services.actors import Actor
from ketachart.services.chains import load_events
from ketachart.services.clock_guard import CLOCK_FLAGS
from ketachart.services.corrections import correct_entry
from ketachart.services.verify import verify_all
from ketachart.storage.database import Database, open_database
from prove import Figure
from prove.sample import new_clinic, postgres_server, scratch_postgres
from tests.support import BASELINE, chart_to_infusing

WAIT_S = 600
FIXED = p.Vitals(systolic=121, diastolic=79, heart_rate=71, resp_rate=15, spo2=97)


@dataclass(frozen=True)
class Strength:
    workers: int
    actions: int
    rounds: int


REDUCED = Strength(workers=4, actions=40, rounds=25)
FULL = Strength(workers=8, actions=400, rounds=300)


@dataclass(frozen=True)
class Plan:
    """What one chart worker does: `actions` entries, each in `shared` or in `own`."""

    url: str
    worker: int
    actor: Actor
    shared: str
    own: str
    actions: int


@dataclass
class Report:
    worker: int
    saved: list[tuple[str, str]] = field(default_factory=list)
    """(session id, event id) of each entry, added once its commit returned."""
    errors: list[str] = field(default_factory=list)
    """Every error that would have reached the user (a KetachartError) or crashed."""


def random_entry(rng: random.Random, worker: int, number: int) -> p.Payload:
    if rng.random() < 0.5:
        return p.Note(f"Worker {worker}, entry {number}: resting comfortably.")
    systolic = rng.randint(100, 150)
    return p.Vitals(
        systolic=systolic,
        diastolic=systolic - rng.randint(30, 50),
        heart_rate=rng.randint(55, 110),
        resp_rate=rng.randint(10, 20),
        spo2=rng.randint(93, 100),
    )


def chart_worker(plan: Plan, start: Barrier, results: Queue[Report]) -> None:
    """One workstation: a transaction per entry, as the chart screen saves them."""
    report = Report(plan.worker)
    rng = random.Random(plan.worker)
    try:
        db = open_database(plan.url, migrate=False)
        start.wait(WAIT_S)
        for number in range(plan.actions):
            session_id = plan.shared if rng.random() < 0.5 else plan.own
            entry = random_entry(rng, plan.worker, number)
            try:
                record = _save(db, plan.actor, session_id, entry)
                report.saved.append((session_id, record.id))
            except KetachartError as error:
                report.errors.append(f"{type(error).__name__}: {error.message}")
        db.dispose()
    except Exception as error:  # a crash is an error a user would see too
        report.errors.append(f"crashed: {type(error).__name__}: {error}")
        start.abort()
    results.put(report)


def _save(db: Database, actor: Actor, session_id: str, entry: p.Payload) -> EventRecord:
    """Save as the chart screen does: a reading that raises alerts is answered in the
    acknowledgement prompt (a recheck) and saved again, with the answer, in a new action."""
    try:
        with db.transaction() as tx:
            return charting.chart(tx, actor, session_id, entry)
    except AcknowledgementRequired as needed:
        recheck = answered(entry, needed.codes, (AlertResponse.RECHECK,))
        with db.transaction() as tx:
            return charting.chart(tx, actor, session_id, recheck)


def correction_worker(
    url: str,
    actor: Actor,
    session_id: str,
    targets: list[str],
    start: Barrier,
    results: Queue[tuple[int, list[str]]],
) -> None:
    """One nurse: for each target, at the same moment as the other, correct it."""
    outcomes: list[str] = []
    try:
        db = open_database(url, migrate=False)
        for target in targets:
            start.wait(WAIT_S)
            outcomes.append(_correct(db, actor, session_id, target))
        db.dispose()
    except Exception as error:
        outcomes.append(f"crashed: {type(error).__name__}: {error}")
        start.abort()  # the other nurse must not wait for this one
    results.put((actor.id, outcomes))


def _correct(db: Database, actor: Actor, session_id: str, target: str) -> str:
    try:
        with db.transaction() as tx:
            correct_entry(tx, actor, session_id, target, "wrong monitor", FIXED, seen_version=None)
    except ConflictError as error:
        # told: it saw the other's correction (the writers took turns); a collision of two
        # writers at once, caught by a unique constraint, would carry the driver's error
        return "conflict" if error.__cause__ is None else "collision"
    except KetachartError as error:
        return f"{type(error).__name__}: {error.message}"
    return "saved"


def _spawn(target: Any, args_list: list[tuple[Any, ...]]) -> list[Any]:
    """Start one process per argument tuple (each gets a barrier and a queue appended) and
    collect what each puts on the queue."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(len(args_list)), context.Queue()
    processes = [context.Process(target=target, args=(*args, start, results)) for args in args_list]
    for process in processes:
        process.start()
    collected: list[Any] = []
    deadline = time.monotonic() + WAIT_S
    while len(collected) < len(processes) and time.monotonic() < deadline:
        try:
            collected.append(results.get(timeout=1))
        except queue.Empty:
            if not any(process.is_alive() for process in processes) and results.empty():
                break  # a worker died without a report: the caller counts what is missing
    for process in processes:
        process.join(timeout=WAIT_S)
    return collected


@dataclass
class Outcome:
    engine: str
    reports: list[Report]
    acknowledged: int
    """Entries whose commit returned: charted ones, and corrections saved."""
    expected: Counter[str]
    found: Counter[str]
    absent: int
    problems: int
    rounds: list[list[str]]
    overwrites: int
    clock_warnings: int
    """Clock flags in the audit trail (services.clock_guard): every worker reads the same
    clock, so each is false."""

    def figures(self) -> list[Figure]:
        tried = sum(len(r.saved) + len(r.errors) for r in self.reports)
        errors = sum(len(r.errors) for r in self.reports)
        missing = self.absent + sum(abs(self.expected[s] - self.found[s]) for s in self.found)
        pairs = len(self.rounds)
        odd = sum(sorted(r) != ["conflict", "saved"] for r in self.rounds)
        e = self.engine
        return [
            Figure("concurrency", f"{e}: writes expected", self.acknowledged,
                   "writes missing", missing),
            Figure("concurrency", f"{e}: writes tried", tried, "errors shown to a user", errors),
            Figure("concurrency", f"{e}: writes tried", tried,
                   "false clock warnings", self.clock_warnings),
            Figure("concurrency", f"{e}: sessions verified", len(self.found),
                   "chain problems", self.problems),
            Figure("corrections", f"{e}: simultaneous pairs", pairs,
                   "silent overwrites", self.overwrites),
            Figure("corrections", f"{e}: simultaneous pairs", pairs,
                   "not one saved + one told", odd),
        ]  # fmt: skip


def event_counts(db: Database) -> Counter[str]:
    with db.reading() as tx:
        rows = tx.orm.execute(select(Event.session_id, func.count()).group_by(Event.session_id))
        return Counter({session_id: count for session_id, count in rows})


def prove_engine(url: str, strength: Strength = REDUCED) -> Outcome:
    """Everything on one (new, empty) database at `url`."""
    clinic = new_clinic(url, ManualClock(datetime.now(UTC) - timedelta(minutes=30)))
    db = clinic.db
    # Sent to worker processes without their opened private keys: charting needs none, and a
    # private key is never pickled (cryptography refuses to).
    nurses = [replace(nurse, signer=None) for nurse in (clinic.nurse, clinic.nurse2)]
    sessions = [clinic.open_session() for _ in range(strength.workers + 2)]
    for session_id in sessions:
        chart_to_infusing(clinic, session_id)
    shared, corrected, own = sessions[0], sessions[1], sessions[2:]
    targets = [clinic.act(charting.chart, clinic.nurse, corrected, BASELINE).id
               for _ in range(strength.rounds)]  # fmt: skip
    before = event_counts(db)
    db.dispose()
    plans = [
        (Plan(url, w, nurses[w % 2], shared, own[w], strength.actions),)
        for w in range(strength.workers)
    ]
    reports: list[Report] = _spawn(chart_worker, plans)
    reports += [Report(-1, errors=["a worker died without a report"])] * (len(plans) - len(reports))
    answers = dict(_spawn(correction_worker, [(url, n, corrected, targets) for n in nurses]))
    replies = [answers.get(n.id, []) for n in nurses]
    rounds = [list(pair) for pair in zip_longest(*replies, fillvalue="lost")]
    corrections = sum(a == "saved" for pair in rounds for a in pair)
    before[corrected] += corrections
    clinic.clock.set(datetime.now(UTC))  # verified at the time the workers wrote in
    outcome = _check(db, reports, before, rounds)
    outcome.acknowledged += corrections
    db.dispose()
    return outcome


def _check(
    db: Database, reports: list[Report], before: Counter[str], rounds: list[list[str]]
) -> Outcome:
    saved = [item for report in reports for item in report.saved]
    expected = before + Counter(session_id for session_id, _ in saved)
    expected.update({s: 0 for s in before})
    with db.reading() as tx:
        present = set(tx.orm.scalars(select(Event.id)).all())
        problems = len(verify_all(tx))
        clock_warnings = tx.orm.scalar(
            select(func.count()).where(AuditEntry.action.in_(CLOCK_FLAGS))
        )
    overwrites = silent_overwrites(db)
    found = event_counts(db)
    found.update({s: 0 for s in expected})
    absent = sum(event_id not in present for _, event_id in saved)
    return Outcome(
        db.dialect_name,
        reports,
        len(saved),
        expected,
        found,
        absent,
        problems,
        rounds,
        overwrites,
        clock_warnings or 0,
    )


def silent_overwrites(db: Database) -> int:
    """Corrections beyond the first that name the same entry and supersede the same version."""
    with db.reading() as tx:
        session_ids = tx.orm.scalars(
            select(Event.session_id).where(Event.kind == "correction").distinct()
        ).all()
        claims: Counter[tuple[str, str | None]] = Counter()
        for session_id in session_ids:
            for event in load_events(tx, session_id):
                if isinstance(event.payload, p.Correction):
                    claims[(event.payload.corrects, event.payload.supersedes)] += 1
    return sum(n - 1 for n in claims.values() if n > 1)


def prove_all(strength: Strength) -> list[Outcome]:
    """SQLite, and PostgreSQL when a test server is configured."""
    with tempfile.TemporaryDirectory(prefix="ketachart-concurrency-") as folder:
        outcomes = [prove_engine(f"sqlite:///{folder}/shared.sqlite", strength)]
    server = postgres_server()
    if server:
        with scratch_postgres(server) as url:
            outcomes.append(prove_engine(url, strength))
    return outcomes


def run(full: bool) -> list[Figure]:
    return [f for outcome in prove_all(FULL if full else REDUCED) for f in outcome.figures()]


def main() -> int:
    started = time.perf_counter()
    outcomes = prove_all(FULL if "--full" in sys.argv[1:] else REDUCED)
    figures = [f for outcome in outcomes for f in outcome.figures()]
    for outcome in outcomes:
        errors = Counter(e for r in outcome.reports for e in r.errors)
        errors.update(a for pair in outcome.rounds for a in pair if a not in ("saved", "conflict"))
        for error, count in errors.most_common(5):
            print(f"  {outcome.engine}: {count} x {error}")
    for figure in figures:
        print(figure.line())
    if not postgres_server():
        print("PostgreSQL not tried: set KETACHART_TEST_POSTGRES_URL (see .ci/postgres.sh)")
    print(f"in {time.perf_counter() - started:.1f} s")
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
