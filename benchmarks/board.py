"""What refreshing a busy day's board costs, printed, never asserted: `python -m benchmarks.board`.

Issue 14: a busy day's board (70 sessions) took about 350 ms to refresh, at any database size,
because every refresh read and derived every session of about three days from raw rows (the
session cache holds 64 sessions, fewer than the board's days). The board now derives a session
once per chain head (services.board_cache): a refresh lists the days' sessions with their chain
heads in one query and re-reads and re-derives only those whose head moved.

The clinic is charted through the project's own services on a ManualClock: yesterday 70
sessions infused, recovered and discharged; today 70 more, 20 discharged, 10 in recovery, 25
infusing (vitals every 10 min) and 15 waiting. Each figure is the median of `--repeat`
refreshes of today's board, each its own read as the screen makes it, with the clock one
second on each time:

- nothing changed: no save between two refreshes (the 15 s poll on a quiet minute);
- one session changed: another workstation (its own Database object on the same database)
  charted one vitals entry into an infusing session just before.

"before" is the board as main had it (every session of the three days read through the
session cache and derived, every refresh), run on its own Database object in the same run,
interleaved with "after" so that both see the same load and the same saves. Both run on this
tree's domain, where a session state works out its dose plan once (main worked it out on each
use): that alone made "before" faster by a share within this machine's noise. The first refresh
of each (cold: nothing derived yet) is one run each, after a warm-up on a third Database object.
"derived" and "re-timed" count sessions per refresh from services.board_cache: a running
infusion's row is worked out again from its kept state (its dose given so far changes with the
clock), never re-read or derived again.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from benchmarks.core import POSTGRES_ENV, postgres_database
from ketachart.clock import ManualClock
from ketachart.domain import payloads as p
from ketachart.domain.session_model import session_model
from ketachart.domain.vocab import StopReason
from ketachart.models import InfusionSession, Patient
from ketachart.services import charting, patients, sessions
from ketachart.services.actors import Actor
from ketachart.services.board import BoardRow, Listed, _row, board_rows, by_urgency
from ketachart.services.board_cache import BoardCache
from ketachart.services.protocols import get_protocol
from ketachart.services.sessions import load_sessions
from ketachart.storage.database import Database, Tx, open_database
from tests.support import (
    ALL_INSTRUCTIONS,
    ALL_PRE_CHECKS,
    BASELINE,
    DURING,
    RIDE,
    Clinic,
    make_clinic,
    recovery_check,
)

TODAY = date(2026, 3, 10)
START = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
"""Yesterday morning: the clinic's clock starts here."""
BUSY_DAY = 70
CHAIRS = 12
REPEAT = 41
TARGET_MS = 50.0
Group = Callable[[Clinic, list[str]], None]


# --- a busy clinic, charted through the services ----------------------------------------------


def each(clinic: Clinic, ids: list[str], payload: p.Payload) -> None:
    for session_id in ids:
        clinic.act(charting.chart, clinic.nurse, session_id, payload)


def to_infusing(clinic: Clinic, ids: list[str]) -> None:
    each(clinic, ids, ALL_PRE_CHECKS)
    each(clinic, ids, BASELINE)
    each(clinic, ids, p.IvStart("Left forearm", 22, 1))
    clinic.later(1)
    for session_id in ids:
        clinic.act(charting.start_infusion, clinic.nurse, session_id, Decimal("52.5"), Decimal(50))


def vitals_rounds(clinic: Clinic, ids: list[str], rounds: int) -> None:
    for _round in range(rounds):
        clinic.later(10)
        each(clinic, ids, DURING)


def to_recovery(clinic: Clinic, ids: list[str]) -> None:
    to_infusing(clinic, ids)
    vitals_rounds(clinic, ids, 4)
    each(clinic, ids, p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED))


def to_discharged(clinic: Clinic, ids: list[str]) -> None:
    to_recovery(clinic, ids)
    clinic.later(15)
    for session_id in ids:
        clinic.act(charting.record_recovery_check, clinic.nurse, session_id, recovery_check())
    clinic.later(15)
    each(clinic, ids, p.IvRemoved(True, True))
    for session_id in ids:
        clinic.act(
            charting.discharge_patient, clinic.nurse, session_id, ALL_INSTRUCTIONS, ride=RIDE
        )


def infusing(clinic: Clinic, ids: list[str]) -> None:
    to_infusing(clinic, ids)
    vitals_rounds(clinic, ids, 2)


def waiting(clinic: Clinic, ids: list[str]) -> None:
    each(clinic, ids, ALL_PRE_CHECKS)


def todays_groups(size: int) -> tuple[tuple[int, Group], ...]:
    """Today's sessions in their stages: of 70, 20 discharged, 10 in recovery, 25 infusing
    and 15 waiting (the same shares of a smaller day, for the smoke test)."""
    discharged, recovery, running = size * 2 // 7, size // 7, size * 5 // 14
    waits = size - discharged - recovery - running
    return (
        (discharged, to_discharged),
        (recovery, to_recovery),
        (running, infusing),
        (waits, waiting),
    )


def register(clinic: Clinic, count: int) -> list[int]:
    """`count` patients, the clinic's first one among them."""
    ids = [clinic.patient.id]
    for number in range(2, count + 1):
        details = patients.PatientDetails(
            f"MRN-{number:04d}", f"Family{number}", "Sam", date(1975, 5, 6), "male"
        )
        ids.append(clinic.act(patients.register_patient, clinic.nurse, details).id)
    return ids


def open_sessions(clinic: Clinic, patient_ids: list[int]) -> list[str]:
    opened = []
    for index, patient_id in enumerate(patient_ids):
        chair = f"Chair {index % CHAIRS + 1}"
        protocol_id = clinic.protocols[0].id
        loaded = clinic.act(
            sessions.open_session, clinic.nurse, patient_id, protocol_id, chair, Decimal("70")
        )
        opened.append(loaded.row.id)
    return opened


def chart_day(
    clinic: Clinic, patient_ids: list[int], groups: Sequence[tuple[int, Group]]
) -> list[str]:
    """The day's sessions, group by group (each group's steps charted chair by chair)."""
    opened: list[str] = []
    start = 0
    for count, chart in groups:
        ids = open_sessions(clinic, patient_ids[start : start + count])
        chart(clinic, ids)
        opened += ids
        start += count
        clinic.later(5)
    return opened


@dataclass(frozen=True)
class BusyClinic:
    clinic: Clinic
    size: int
    """Sessions today, and as many yesterday."""
    infusing: list[str]


def busy_clinic(db: Database, clock: ManualClock, size: int = BUSY_DAY) -> BusyClinic:
    clinic = make_clinic(db, clock)
    patient_ids = register(clinic, size)
    chart_day(clinic, patient_ids, ((size, to_discharged),))
    clock.set(datetime.combine(TODAY, START.timetz()))
    groups = todays_groups(size)
    today = chart_day(clinic, patient_ids, groups)
    first = groups[0][0] + groups[1][0]
    return BusyClinic(clinic, size, today[first : first + groups[2][0]])


# --- the board as main had it -----------------------------------------------------------------


def board_before(tx: Tx, actor: Actor, day: date, now: datetime) -> list[BoardRow]:
    """Main's board_rows at ab8307a: every session of the three days loaded (through the
    session cache, which holds fewer than that) and derived, on every refresh."""
    del actor  # the same permission check as after; left out of both figures' difference
    found = tx.orm.scalars(
        select(InfusionSession).where(
            InfusionSession.session_date.between(day - timedelta(days=1), day + timedelta(days=1))
        )
    ).all()
    people = {
        patient.id: patient
        for patient in tx.orm.scalars(
            select(Patient).where(Patient.id.in_({s.patient_id for s in found}))
        )
    }
    loaded = load_sessions(tx, list(found))
    rows = []
    for session in found:
        protocol = get_protocol(tx, session.protocol_id).spec
        state = loaded[session.id].state()
        if state.opened_at.astimezone(UTC).date() != day:
            continue
        model = session_model(state, loaded[session.id].events, now)
        patient = people[session.patient_id]
        listed = Listed(
            session.id,
            session.protocol_id,
            session.chair,
            patient.id,
            f"{patient.family_name}, {patient.given_name}",
            patient.mrn,
            None,
        )
        rows.append(_row(listed, protocol.name, protocol.is_example, model))
    return by_urgency(rows)


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Figures:
    after: list[float]
    before: list[float]
    derived: int = 0
    retimed: int = 0

    @property
    def after_ms(self) -> float:
        return statistics.median(self.after) * 1e3

    @property
    def before_ms(self) -> float:
        return statistics.median(self.before) * 1e3


def timed(database: Database, refresh: Callable[[Tx], list[BoardRow]]) -> tuple[float, int]:
    start = time.perf_counter()
    with database.reading() as tx:
        rows = refresh(tx)
    return time.perf_counter() - start, len(rows)


def measure(
    url: str, busy: BusyClinic, clock: ManualClock, repeat: int
) -> tuple[dict[str, Figures], dict[str, float]]:
    """Cold and warm refreshes, after and before, each on its own Database object; the saves
    come from a third (another workstation)."""
    nurse = busy.clinic.nurse
    after_db, before_db, other_db = (open_database(url, clock) for _ in range(3))
    other = replace(busy.clinic, db=other_db)
    try:

        def after(tx: Tx) -> list[BoardRow]:
            return board_rows(tx, nurse, TODAY, clock.now(), tz=UTC)

        def before(tx: Tx) -> list[BoardRow]:
            return board_before(tx, nurse, TODAY, clock.now())

        warm_up = open_database(url, clock)  # the process's own first-use costs, paid once
        try:
            timed(warm_up, before)
        finally:
            warm_up.dispose()
        cold_after, shown = timed(after_db, after)
        cold_before, shown_before = timed(before_db, before)
        assert shown == shown_before == busy.size, (shown, shown_before)
        cache = after_db.caches.of(BoardCache)
        figures: dict[str, Figures] = {}
        changes: tuple[tuple[str, Callable[[int], None]], ...] = (
            ("nothing changed", lambda _n: None),
            ("one session changed", lambda n: _chart_one(other, busy, n)),
        )
        for name, change in changes:
            runs = Figures([], [])
            derived, retimed = cache.derivations.total(), cache.retimings.total()
            for number in range(repeat):
                clock.advance(timedelta(seconds=1))
                change(number)
                runs.after.append(timed(after_db, after)[0])
                runs.before.append(timed(before_db, before)[0])
            runs.derived = cache.derivations.total() - derived
            runs.retimed = cache.retimings.total() - retimed
            figures[name] = runs
        return figures, {"after": cold_after * 1e3, "before": cold_before * 1e3}
    finally:
        for database in (after_db, before_db, other_db):
            database.dispose()


def _chart_one(other: Clinic, busy: BusyClinic, number: int) -> None:
    """Another workstation charts vitals into one of the infusing sessions."""
    session_id = busy.infusing[number % len(busy.infusing)]
    other.act(charting.chart, other.nurse2, session_id, DURING)


@contextlib.contextmanager
def database_url(postgres_server: str | None) -> Iterator[str]:
    if postgres_server:
        with postgres_database(postgres_server) as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'board.sqlite'}"


def report(
    engine: str, size: int, figures: dict[str, Figures], cold: dict[str, float], repeat: int
) -> None:
    print(f"\nToday's board on {engine}: a busy day ({size} sessions, {size} yesterday)")
    print(f"median ms of {repeat} refreshes; target: well under {TARGET_MS:.0f} ms")
    print(f"  {'refresh':<24}{'before':>9}{'after':>9}{'ratio':>8}{'derived':>10}{'re-timed':>10}")
    print(
        f"  {'first (cold, 1 run)':<24}{cold['before']:9.1f}{cold['after']:9.1f}"
        f"{cold['before'] / cold['after']:7.1f}×"
    )
    for name, runs in figures.items():
        print(
            f"  {name:<24}{runs.before_ms:9.1f}{runs.after_ms:9.2f}"
            f"{runs.before_ms / runs.after_ms:7.1f}×{runs.derived / repeat:10.2f}"
            f"{runs.retimed / repeat:10.2f}"
        )
    print("  derived, re-timed: sessions per refresh, after (counted by services.board_cache)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.board")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="refreshes per figure")
    parser.add_argument("--sessions", type=int, default=BUSY_DAY, help="sessions a day (≥ 7)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"on a new database of the PostgreSQL server named by {POSTGRES_ENV} (its "
        "superuser's URL), dropped after; default: an SQLite file in a temporary folder",
    )
    args = parser.parse_args(argv)
    server = os.environ.get(POSTGRES_ENV, "").strip()
    if args.postgres and not server:
        parser.error(f"--postgres needs {POSTGRES_ENV}")
    with database_url(server if args.postgres else None) as url:
        clock = ManualClock(START)
        started = time.perf_counter()
        database = open_database(url, clock)
        try:
            busy = busy_clinic(database, clock, args.sessions)
        finally:
            database.dispose()
        print(f"busy clinic charted in {time.perf_counter() - started:.1f} s")
        figures, cold = measure(url, busy, clock, args.repeat)
    report("PostgreSQL" if args.postgres else "SQLite", busy.size, figures, cold, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
