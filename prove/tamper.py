"""Tampering made directly in SQL, behind the application's back, on copies of a real
database with signed sessions: `verify_all` must flag each one, naming where it happened.

Each tampering (prove.tamperings) runs on its own copy (a file copy on SQLite, `CREATE
DATABASE ... TEMPLATE` on PostgreSQL, charted as the application's role), as someone with
direct database access (the superuser): the append-only triggers are dropped first. An
untampered copy must verify clean, so that "flagged" means something.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from sqlalchemy import func, make_url, select

from ketachart.domain.findings import Problem
from ketachart.models import APPEND_ONLY_TABLES, AuditEntry, Event
from ketachart.services import patients
from ketachart.services.verify import verify_all
from ketachart.storage import dialect
from ketachart.storage.backup import remove_copy
from ketachart.storage.database import open_database
from prove import Figure
from prove.sample import chart_sample, database_name, new_clinic, postgres_server, scratch_postgres
from prove.tamperings import BATTERY, Action, Target
from tests.postgres import privileged, superuser_url

AREA = "tampering"


# --- running the battery ---------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    engine: str
    name: str
    flagged: bool
    problems: tuple[Problem, ...]


def build(url: str) -> Target:
    """A real database at `url`: two signed sessions, one unsigned, a second patient."""
    clinic = new_clinic(url)
    try:
        sample = chart_sample(clinic, signed=2, unsigned=1)
        details = patients.PatientDetails("MRN-0002", "Other", "Pat", date(1975, 5, 6), "male", "")
        other = clinic.act(patients.register_patient, clinic.nurse, details)
        session = sample.signed[-1]
        with clinic.db.reading() as tx:
            rows = tx.orm.execute(
                select(Event.kind, func.max(Event.seq))
                .where(Event.session_id == session)
                .group_by(Event.kind)
            )
            seqs = {kind: seq for kind, seq in rows}
            audit_last = tx.orm.scalar(select(func.max(AuditEntry.seq)))
        assert audit_last is not None
        return Target(
            session=session,
            unsigned=sample.unsigned[0],
            head=max(seqs.values()),
            signature=seqs["signature"],
            audit_last=audit_last,
            other_user=clinic.nurse2.id,
            other_patient=other.id,
        )
    finally:
        clinic.db.dispose()


def tamper_and_verify(url: str, target: Target, action: Action | None) -> list[Problem]:
    """Run `action` as someone with direct access (the superuser: append-only triggers
    dropped), then verify as the application's role."""
    db = open_database(url)
    try:
        if action is not None:
            with privileged(db) as connection:
                for table in APPEND_ONLY_TABLES:
                    for statement in dialect.drop_append_only_ddl(db.dialect_name, table):
                        connection.exec_driver_sql(statement)
                action(connection, target)
        with db.reading() as tx:
            return verify_all(tx)
    finally:
        db.dispose()


def battery(
    engine: str, copy: Callable[[], AbstractContextManager[str]], target: Target
) -> list[Result]:
    """The untampered copy (must be clean), then every tampering on a copy of its own."""
    results = []
    with copy() as url:
        baseline = tamper_and_verify(url, target, None)
    results.append(Result(engine, "untampered", bool(baseline), tuple(baseline)))
    for tampering in BATTERY:
        with copy() as url:
            try:
                problems = tamper_and_verify(url, target, tampering.action)
            except Exception as error:  # an error instead of a finding counts as undetected
                problems = [Problem("ERROR", f"{type(error).__name__}: {error}"[:300])]
        where = tampering.where(target)
        flagged = any(p.where == where for p in problems)
        results.append(Result(engine, tampering.name, flagged, tuple(problems)))
    return results


def battery_on(url: str, folder: Path) -> list[Result]:
    """Build the database at `url` (new and empty), then run the battery on copies of it."""
    target = build(url)
    engine, copy = copies_of(url, folder)
    return battery(engine, copy, target)


def copies_of(url: str, folder: Path) -> tuple[str, Callable[[], AbstractContextManager[str]]]:
    """The engine of `url`, and how to make a fresh copy of its database: a file copy in
    `folder` (SQLite), or a database made from it as a template (PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        return "sqlite", partial(_file_copy, Path(parsed.database), folder)
    server = make_url(superuser_url(url)).set(database="postgres")
    return "postgresql", partial(
        scratch_postgres, server.render_as_string(False), database_name(url)
    )


@contextmanager
def _file_copy(source: Path, folder: Path) -> Iterator[str]:
    path = folder / "copy.sqlite"
    shutil.copyfile(source, path)
    try:
        yield f"sqlite:///{path}"
    finally:
        remove_copy(path)


def prove_tampering(postgres: str | None) -> list[Result]:
    """The battery on SQLite, and on PostgreSQL if a server is given."""
    with tempfile.TemporaryDirectory(prefix="ketachart-tamper-") as name:
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
        alarms = sum(r.flagged for r in mine if r.name == "untampered")
        out.append(
            Figure(
                AREA,
                f"{engine}: tamperings tried",
                len(tried),
                "undetected",
                sum(not r.flagged for r in tried),
            )
        )
        out.append(Figure(AREA, f"{engine}: untampered copies", 1, "false alarms", alarms))
    return out


def run(full: bool) -> list[Figure]:
    """The same battery at both strengths: it is quick."""
    del full
    return figures(prove_tampering(postgres_server()))


def main() -> int:
    started = time.perf_counter()
    server = postgres_server()
    results = prove_tampering(server)
    for result in results:
        mark = "flagged" if result.flagged else "NOT FLAGGED"
        if result.name == "untampered":
            mark = "clean" if not result.flagged else "FALSE ALARM"
        print(f"  {result.engine:<10} {result.name:<30} {mark}")
    found = figures(results)
    for figure in found:
        print(figure.line())
    if not server:
        print("PostgreSQL not tried: set KETACHART_TEST_POSTGRES_URL (see .ci/postgres.sh)")
    print(f"{len(results)} copies in {time.perf_counter() - started:.1f} s")
    return 0 if all(f.ok for f in found) else 1


if __name__ == "__main__":
    sys.exit(main())
