"""How the review queue grows with the clinic's history, printed, never asserted:
`python -m benchmarks.review_queue`.

Issue 14: the queue read every event of the discharge, addendum and signature kinds, then
loaded and derived every discharged or signed session ever charted, to show the few waiting:
12.9 s at 100,000 events. It now finds the waiting sessions through the summary rows' index
(session_summaries, kept with each event) and derives only the sessions it lists.

Each database holds 50 sessions waiting for a signature among N sessions in all (the rest
signed). The 50 waiting ones are charted through the services, as a nurse would; the signed
ones are copies of one session charted and signed through the services, written in bulk with
new ids, each copy's chain hashed again from its own session record (chains.session_genesis,
EventEnvelope.compute_hash), its chain head and its summary row (the template's derivation,
which each copy's identical entries derive too). The copies have no audit entries and their
signatures sign the template's session: `verify` reports both on these databases. "before"
is the queue as it was (a copy of its code below), run on the same databases in the same run.
Each figure is the median of a cold load: a new Database object, so no session is cached.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Table, insert, select

from ketachart.clock import ManualClock
from ketachart.domain.events import EventEnvelope, EventKind, SessionHeader
from ketachart.domain.status_summary import status_summary
from ketachart.models import ChainHead, Event, InfusionSession, SessionSummaryRecord
from ketachart.services import review
from ketachart.services.actors import Actor
from ketachart.services.chains import session_chain
from ketachart.services.patients import get_patient
from ketachart.services.session_summaries import summary_values
from ketachart.services.sessions import LoadedSession, load_session
from ketachart.storage.database import Tx, open_database
from tests.storage.helpers import sign
from tests.support import Clinic, chart_to_discharged, make_clinic

SIZES = (1_000, 20_000)
WAITING = 50
REPEAT = 31
REPEAT_BEFORE = 3
BATCH = 1_000
START = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Figure:
    sessions: int
    events: int
    after_ms: float
    before_ms: float
    listed: int


def queue_before(tx: Tx, actor: Actor) -> list[review.ReviewRow]:
    """The queue as it was before issue 14 (main at ab8307a): every session with a discharge,
    addendum or signature, loaded and derived."""
    session_ids = tx.orm.scalars(
        select(Event.session_id)
        .where(
            Event.kind.in_(
                [EventKind.DISCHARGE.value, EventKind.ADDENDUM.value, EventKind.SIGNATURE.value]
            )
        )
        .distinct()
    ).all()
    rows = [_row_before(tx, load_session(tx, sid)) for sid in session_ids]
    waiting = [r for r in rows if r.waiting_for_signature]
    return sorted(waiting, key=lambda r: r.discharged_at)


def _row_before(tx: Tx, loaded: LoadedSession) -> review.ReviewRow:
    return review._row(tx, loaded, get_patient(tx, loaded.row.patient_id))


def build(path: Path, total: int) -> tuple[Clinic, int]:
    """A clinic with WAITING sessions discharged and `total - WAITING` signed; its events."""
    clock = ManualClock(START)
    db = open_database(f"sqlite:///{path}", clock)
    clinic = make_clinic(db, clock)
    template = clinic.open_session()
    chart_to_discharged(clinic, template)
    sign(clinic, template)
    copy_signed(clinic, template, total - WAITING - 1)
    for _ in range(WAITING):
        session_id = clinic.open_session()
        chart_to_discharged(clinic, session_id)
        clinic.later(1)
    with db.reading() as tx:
        events = len(tx.orm.scalars(select(Event.id)).all())
    return clinic, events


def copy_signed(clinic: Clinic, template: str, copies: int) -> None:
    """`copies` copies of the signed session `template` (see the module's note)."""
    with clinic.db.reading() as tx:
        session = tx.orm.get(InfusionSession, template)
        assert session is not None
        record = {c.key: getattr(session, c.key) for c in InfusionSession.__table__.columns}
        events = tx.orm.scalars(
            select(Event).where(Event.session_id == template).order_by(Event.seq)
        ).all()
        rows = [{c.key: getattr(e, c.key) for c in Event.__table__.columns} for e in events]
        loaded = load_session(tx, template)
        summary = summary_values(status_summary(loaded.state(), loaded.events))
    for start in range(0, copies, BATCH):
        with clinic.db.transaction() as tx:
            _write_copies(tx, record, rows, summary, min(BATCH, copies - start))


def _write_copies(
    tx: Tx,
    record: dict[str, object],
    rows: list[dict[str, object]],
    summary: dict[str, object],
    count: int,
) -> None:
    sessions, events, heads, summaries = [], [], [], []
    for _ in range(count):
        session_id = str(uuid.uuid4())
        sessions.append({**record, "id": session_id})
        digest = _genesis({**record, "id": session_id})
        for row in rows:
            copied = {**row, "id": str(uuid.uuid4()), "session_id": session_id}
            copied["prev_hash"], copied["hash"] = digest, _hash(copied, digest)
            digest = cast(str, copied["hash"])
            events.append(copied)
        heads.append({"chain": session_chain(session_id), "seq": len(rows), "hash": digest})
        summaries.append({"session_id": session_id, **summary})
    for model, values in (
        (InfusionSession, sessions),
        (Event, events),
        (ChainHead, heads),
        (SessionSummaryRecord, summaries),
    ):
        tx.orm.connection().execute(insert(cast(Table, model.__table__)), values)


def _genesis(record: dict[str, object]) -> str:
    return SessionHeader(
        cast(str, record["id"]),
        cast(int, record["patient_id"]),
        cast(int, record["protocol_id"]),
        cast(str, record["chair"]),
        record["session_date"],  # type: ignore[arg-type]
        record["created_at"],  # type: ignore[arg-type]
        cast(int, record["created_by"]),
        cast("str | None", record["protocol_digest"]),
    ).genesis_hash()


def _hash(row: dict[str, object], prev_hash: str) -> str:
    return EventEnvelope(
        id=cast(str, row["id"]),
        session_id=cast(str, row["session_id"]),
        seq=cast(int, row["seq"]),
        kind=EventKind(cast(str, row["kind"])),
        occurred_at=row["occurred_at"],  # type: ignore[arg-type]
        recorded_at=row["recorded_at"],  # type: ignore[arg-type]
        recorded_by=cast(int, row["recorded_by"]),
        payload_json=cast(str, row["payload"]),
        overrides_json=cast(str, row["overrides"]),
        prev_hash=prev_hash,
    ).compute_hash()


def median_ms(
    url: str, clock: ManualClock, run: Callable[[Tx], Sequence[object]], repeat: int
) -> tuple[float, int]:
    """The median time of `run` on a fresh Database (nothing cached), and what it listed."""
    times, listed = [], 0
    for _ in range(repeat):
        db = open_database(url, clock)
        try:
            with db.reading() as tx:
                started = time.perf_counter()
                listed = len(run(tx))
                times.append((time.perf_counter() - started) * 1000)
        finally:
            db.dispose()
    return statistics.median(times), listed


def measure(folder: Path, total: int) -> Figure:
    path = folder / f"queue-{total}.sqlite"
    clinic, events = build(path, total)
    clinic.db.dispose()
    url, physician = f"sqlite:///{path}", clinic.physician
    after, listed = median_ms(
        url, clinic.clock, lambda tx: review.review_queue(tx, physician), REPEAT
    )
    before, listed_before = median_ms(
        url, clinic.clock, lambda tx: queue_before(tx, physician), REPEAT_BEFORE
    )
    assert listed == listed_before == WAITING, (listed, listed_before)
    return Figure(total, events, after, before, listed)


def report(figures: list[Figure]) -> None:
    print(f"Review queue, {WAITING} sessions waiting; median ms of a cold load (SQLite)")
    print(f"{'sessions':>9} {'events':>9} {'after':>9} {'before':>10} {'before/after':>13}")
    for f in figures:
        print(
            f"{f.sessions:>9,} {f.events:>9,} {f.after_ms:>9.1f} {f.before_ms:>10.1f} "
            f"{f.before_ms / f.after_ms:>12.0f}×"
        )
    small, large = figures[0], figures[-1]
    print(
        f"growth {small.sessions:,} → {large.sessions:,} sessions: after "
        f"{large.after_ms / small.after_ms:.2f}×, before {large.before_ms / small.before_ms:.1f}×"
        " (target: under 50 ms, under 1.5×)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.review_queue")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kc-queue-") as folder:
        figures = [measure(Path(folder), total) for total in args.sizes]
    report(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
