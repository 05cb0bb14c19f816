"""Consistent rewrites (prove.rewrites) on copies of a real database: `verify_all` must
report each one where it happened, though every hash chain, head and audit entry was
recomputed with ketachart's own functions, because none of them can make a signature without
a private key. An untampered copy must verify clean, so that "detected" means something.

Runs on SQLite and, when a server is configured, on PostgreSQL (copies made from a template,
charted and signed as the application's role; the tamperer connects as the superuser).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.findings import Problem
from ketachart.models import APPEND_ONLY_TABLES
from ketachart.services import charting, patients
from ketachart.services.verify import verify_all
from ketachart.storage import dialect
from ketachart.storage.database import open_database
from prove import Figure
from prove.rewrites import REWRITES, Action, Target
from prove.sample import chart_sample, new_clinic, postgres_server, scratch_postgres
from prove.tamper import copies_of
from tests.postgres import privileged
from tests.support import PASSWORDS, chart_to_discharged, chart_to_infusing

AREA = "consistent rewrite"


@dataclass(frozen=True)
class Result:
    engine: str
    name: str
    detected: bool
    problems: tuple[Problem, ...]


def build(url: str) -> Target:
    """A real database at `url`: a signed session, a discharged one not yet signed, a
    running one with a note, and a second patient."""
    clinic = new_clinic(url)
    try:
        sample = chart_sample(clinic, signed=1, unsigned=0)
        discharged = clinic.open_session()
        chart_to_discharged(clinic, discharged)
        running = clinic.open_session()
        chart_to_infusing(clinic, running)
        clinic.later(5)
        clinic.act(charting.chart, clinic.nurse, running, p.Note("Resting, eyes closed."))
        details = patients.PatientDetails("MRN-0002", "Other", "Pat", date(1975, 5, 6), "male", "")
        other = clinic.act(patients.register_patient, clinic.nurse, details)
        clinic.later(30)
        return Target(
            signed=sample.signed[0],
            discharged=discharged,
            running=running,
            nurse=clinic.nurse.id,
            nurse_password=PASSWORDS[clinic.nurse.username],
            physician=clinic.physician.id,
            patient=clinic.patient.id,
            other_patient=other.id,
            now=clinic.clock.now(),
        )
    finally:
        clinic.db.dispose()


def rewrite_and_verify(url: str, target: Target, action: Action | None) -> list[Problem]:
    """Run `action` as someone with write access (append-only triggers dropped first), on a
    clock after everything charted, then verify as the application's role."""
    db = open_database(url, ManualClock(target.now + timedelta(minutes=5)))
    try:
        if action is not None:
            with privileged(db) as connection:
                for table in APPEND_ONLY_TABLES:
                    for statement in dialect.drop_append_only_ddl(db.dialect_name, table):
                        connection.exec_driver_sql(statement)
            action(db, target)
            db.caches.clear()
        with db.reading() as tx:
            return verify_all(tx)
    finally:
        db.dispose()


def battery(
    engine: str, copy: Callable[[], AbstractContextManager[str]], target: Target
) -> list[Result]:
    """The untampered copy (must be clean), then every rewrite on a copy of its own."""
    with copy() as url:
        baseline = rewrite_and_verify(url, target, None)
    results = [Result(engine, "untampered", bool(baseline), tuple(baseline))]
    for rewrite in REWRITES:
        with copy() as url:
            try:
                problems = rewrite_and_verify(url, target, rewrite.action)
            except Exception as error:  # the rewrite itself failed: it proves nothing
                problems = [Problem("ERROR", f"{type(error).__name__}: {error}"[:300])]
        where = rewrite.where(target)
        detected = any(_names(problem.where, where) for problem in problems)
        results.append(Result(engine, rewrite.name, detected, tuple(problems)))
    return results


def _names(found: str, where: str) -> bool:
    """A problem found at `where` itself, or at an entry of it ("session X, entry 6")."""
    return found == where or found.startswith(f"{where},")


def battery_on(url: str, folder: Path) -> list[Result]:
    """Build the database at `url`, then run the rewrites on copies of it (as prove.tamper
    copies its own)."""
    target = build(url)
    engine, copy = copies_of(url, folder)
    return battery(engine, copy, target)


def prove_rewrites(postgres: str | None) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="ketachart-rewrite-") as name:
        folder = Path(name)
        results = battery_on(f"sqlite:///{folder}/source.sqlite", folder)
        if postgres:
            with scratch_postgres(postgres) as source:
                results.extend(battery_on(source, folder))
    return results


def figures(results: list[Result]) -> list[Figure]:
    out = []
    for engine in dict.fromkeys(r.engine for r in results):
        mine = [r for r in results if r.engine == engine]
        tried = [r for r in mine if r.name != "untampered"]
        alarms = sum(r.detected for r in mine if r.name == "untampered")
        undetected = sum(not r.detected for r in tried)
        out.append(Figure(AREA, f"{engine}: rewrites tried", len(tried), "undetected", undetected))
        out.append(Figure(AREA, f"{engine}: untampered copies", 1, "false alarms", alarms))
    return out


def run(full: bool) -> list[Figure]:
    """The same rewrites at both strengths: they are quick."""
    del full
    return figures(prove_rewrites(postgres_server()))


def main() -> int:
    started = time.perf_counter()
    server = postgres_server()
    results = prove_rewrites(server)
    for result in results:
        mark = "detected" if result.detected else "NOT DETECTED"
        if result.name == "untampered":
            mark = "clean" if not result.detected else "FALSE ALARM"
        print(f"  {result.engine:<10} {result.name:<34} {mark}")
        if mark in ("NOT DETECTED", "FALSE ALARM") or "-v" in sys.argv:
            for problem in result.problems[:4]:
                print(f"      {problem.where}: {problem.message}")
    found = figures(results)
    for figure in found:
        print(figure.line())
    if not server:
        print("PostgreSQL not tried: set KETACHART_TEST_POSTGRES_URL (see .ci/postgres.sh)")
    print(f"{len(results)} copies in {time.perf_counter() - started:.1f} s")
    return 0 if all(f.ok for f in found) else 1


if __name__ == "__main__":
    sys.exit(main())
