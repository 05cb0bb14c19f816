"""`verify`'s one pass over the timeline: every event is read once, in (session, seq) order,
streamed (a server-side cursor on PostgreSQL), and each session is checked from what was read
while it is the only one held in memory:

- its hash chain from the session record, its first entry and its head record;
- its signatures (services.signing.signature_problems), witnesses and override approvals
  (services.entry_keys) and its entries' times (services.time_checks);
- its entries against the audit entries that name them (one indexed query per session).

A `Scope` narrows the pass to the sessions of a date range or to the sessions named (the
chains that moved since this workstation's anchors)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Executable,
    Result,
    and_,
    bindparam,
    exists,
    func,
    select,
    true,
)

from ketachart.domain.events import EventKind, EventRecord, SessionHeader
from ketachart.domain.findings import Problem
from ketachart.domain.protocol import ProtocolSpec
from ketachart.errors import NotFound
from ketachart.models import AuditEntry, ChainHead, Event, InfusionSession, PatientVersion
from ketachart.services.chain_walk import ChainWalk, Head, check_head
from ketachart.services.chains import (
    UNREADABLE_ROW,
    EventColumns,
    envelope_of,
    event_record,
    session_chain,
)
from ketachart.services.entry_keys import carries_entry_signatures, entry_signature_problems
from ketachart.services.key_checks import Certificates
from ketachart.services.protocols import get_protocol
from ketachart.services.sessions import LoadedSession, SessionRow
from ketachart.services.signing import (
    SIGNED_KINDS,
    UNCHECKABLE_SIGNATURES,
    signature_problems,
)
from ketachart.services.time_checks import TimedEntry, session_time_problems
from ketachart.storage.database import Tx

SESSION_RECORD_CHANGED = (
    "the session record (patient, protocol, chair, date or who opened it) was changed "
    "after the session was opened"
)
UNREADABLE_ENTRY = "an entry cannot be read: its stored values were altered"
ORPHAN_EVENTS = "events exist for a session that is missing"
BATCH = 2000
"""Rows fetched at a time from the streamed events: memory stays flat at any size."""
NAMED_AT_A_TIME = 500
"""Sessions named in one query (`Scope.sessions`)."""

Progress = Callable[[int], None]
"""Told how many more events were checked."""

EVENT_COLUMNS = (
    Event.id,
    Event.session_id,
    Event.seq,
    Event.kind,
    Event.occurred_at,
    Event.recorded_at,
    Event.recorded_by,
    Event.payload,
    Event.overrides,
    Event.prev_hash,
    Event.hash,
)
SESSION_COLUMNS = (
    InfusionSession.id,
    InfusionSession.patient_id,
    InfusionSession.protocol_id,
    InfusionSession.chair,
    InfusionSession.session_date,
    InfusionSession.created_at,
    InfusionSession.created_by,
    InfusionSession.protocol_digest,
)


CHARTED = (AuditEntry.action.like("chart.%"), AuditEntry.action != "chart.view")
"""Audit entries of charted entries (their detail names the event)."""
_SESSION = select(*SESSION_COLUMNS).where(InfusionSession.id == bindparam("session_id"))
_HEAD = select(ChainHead.seq, ChainHead.hash).where(ChainHead.chain == bindparam("chain"))
_WRITERS = select(AuditEntry.detail, AuditEntry.workstation).where(
    AuditEntry.target_type == "session", AuditEntry.target_id == bindparam("session_id"), *CHARTED
)
_PATIENT_HASHES = select(PatientVersion.hash).where(
    PatientVersion.patient_id == bindparam("patient_id")
)


@dataclass(frozen=True)
class Scope:
    """What a verify checks. By default everything. `first_day`/`last_day`: the sessions of
    those dates (the clinic's days) and the audit entries written in that period.
    `sessions`: only those sessions (the chains that moved since this workstation's
    anchors), and `audit_after`: the audit trail from after that anchored entry on."""

    first_day: date | None = None
    last_day: date | None = None
    sessions: frozenset[str] | None = None
    audit_after: Head | None = None

    @property
    def partial(self) -> bool:
        return self != Scope()

    @property
    def dated(self) -> bool:
        return self.first_day is not None or self.last_day is not None

    def session_filter(self) -> ColumnElement[bool]:
        """The sessions in scope, as a condition on InfusionSession."""
        condition: ColumnElement[bool] = true()
        if self.first_day is not None:
            condition = and_(condition, InfusionSession.session_date >= self.first_day)
        if self.last_day is not None:
            condition = and_(condition, InfusionSession.session_date <= self.last_day)
        return condition


@dataclass
class _Reader:
    """What the pass looks up beside the events: small, per session, or cached (protocols)."""

    tx: Tx
    certs: Certificates
    now: datetime
    protocols: dict[int, ProtocolSpec | None] = field(default_factory=dict)

    def session(self, session_id: str) -> SessionHeader | None:
        row = self._run(_SESSION, session_id=session_id).first()
        if row is None:
            return None
        return SessionHeader(
            row.id,
            row.patient_id,
            row.protocol_id,
            row.chair,
            row.session_date,
            row.created_at,
            row.created_by,
            row.protocol_digest,
        )

    def head(self, session_id: str) -> Head | None:
        row = self._run(_HEAD, chain=session_chain(session_id)).first()
        return None if row is None else (row.seq, row.hash)

    def writers(self, session_id: str) -> dict[str, str]:
        """The audit entries naming the session's entries: entry id -> its workstation."""
        rows = self._run(_WRITERS, session_id=session_id)
        return {row.detail: row.workstation for row in rows}

    def _run(self, statement: Executable, **params: object) -> Result[Any]:
        """One of the per-session look-ups, built once (a statement built per session costs
        more than the query itself)."""
        return self.tx.orm.connection().execute(statement, params)

    def protocol(self, protocol_id: int) -> ProtocolSpec | None:
        if protocol_id not in self.protocols:
            try:
                self.protocols[protocol_id] = get_protocol(self.tx, protocol_id).spec
            except (NotFound, *UNREADABLE_ROW):  # _sessions_protocols reports it
                self.protocols[protocol_id] = None
        return self.protocols[protocol_id]

    def patient_hashes(self, patient_id: int) -> set[str]:
        return set(self._run(_PATIENT_HASHES, patient_id=patient_id).scalars())


@dataclass
class TimelineFindings:
    """The pass's findings by kind, so that `verify` lists them in its usual order (findings
    are few; the events themselves are not kept)."""

    chains: list[Problem] = field(default_factory=list)
    orphans: list[Problem] = field(default_factory=list)
    missing: list[Problem] = field(default_factory=list)
    unaudited: list[Problem] = field(default_factory=list)
    signatures: list[Problem] = field(default_factory=list)
    entry_signatures: list[Problem] = field(default_factory=list)
    times: list[Problem] = field(default_factory=list)


def timeline_findings(
    tx: Tx, certs: Certificates, now: datetime, scope: Scope, progress: Progress
) -> TimelineFindings:
    """Every problem of the sessions in scope, from one streamed read of their events."""
    reader = _Reader(tx, certs, now)
    found = TimelineFindings()
    for session_id, events in _event_groups(tx, scope):
        if events is None:
            progress(_check_unreadable_session(reader, session_id, found))
        else:
            _check_session(reader, session_id, events, found)
            progress(len(events))
    found.times = list(dict.fromkeys(found.times))  # "entry times" cannot be read: said once
    found.chains.extend(_sessions_without_events(reader, scope))
    found.missing.extend(_audited_sessions_without_events(tx, scope))
    return found


def events_in_scope(tx: Tx, scope: Scope) -> int:
    """How many events the pass will read (for the progress bar)."""
    total = 0
    for condition in _event_conditions(scope):
        total += tx.orm.scalar(select(func.count()).select_from(Event).where(condition)) or 0
    return total


def _event_conditions(scope: Scope) -> Iterator[ColumnElement[bool]]:
    """The events in scope, as one condition, or one per batch of named sessions."""
    if scope.sessions is None:
        if not scope.dated:
            yield true()
        else:
            in_range = select(InfusionSession.id).where(scope.session_filter())
            yield Event.session_id.in_(in_range)
        return
    named = sorted(scope.sessions)
    for start in range(0, len(named), NAMED_AT_A_TIME):
        yield Event.session_id.in_(named[start : start + NAMED_AT_A_TIME])


def _event_groups(tx: Tx, scope: Scope) -> Iterator[tuple[str, list[EventColumns] | None]]:
    """Each session's events in chain order, one session at a time, streamed; None for a
    session with a value the database driver cannot even read (text in a time column on
    SQLite): the stream stops at it, that session is read on its own, and the stream goes
    on after it."""
    for condition in _event_conditions(scope):
        after: str | None = None
        while True:
            try:
                for session_id, events in _streamed(tx, condition, after):
                    yield session_id, events
                    after = session_id
                break
            except UNREADABLE_ROW:
                following = _next_session(tx, condition, after)
                if following is None:
                    break
                yield following, _events_of(tx, following)
                after = following


def _streamed(
    tx: Tx, condition: ColumnElement[bool], after: str | None
) -> Iterator[tuple[str, list[EventColumns]]]:
    query = (
        select(*EVENT_COLUMNS)
        .where(condition, true() if after is None else Event.session_id > after)
        .order_by(Event.session_id, Event.seq)
        .execution_options(yield_per=BATCH)
    )
    rows = tx.orm.connection().execute(query)
    for session_id, group in itertools.groupby(rows, key=lambda row: row.session_id):
        yield str(session_id), [_columns(row) for row in group]


def _next_session(tx: Tx, condition: ColumnElement[bool], after: str | None) -> str | None:
    query = select(func.min(Event.session_id)).where(
        condition, true() if after is None else Event.session_id > after
    )
    return tx.orm.scalar(query)


def _events_of(tx: Tx, session_id: str) -> list[EventColumns] | None:
    query = select(*EVENT_COLUMNS).where(Event.session_id == session_id).order_by(Event.seq)
    try:
        return [_columns(row) for row in tx.orm.execute(query)]
    except UNREADABLE_ROW:
        return None


def _check_unreadable_session(reader: _Reader, session_id: str, found: TimelineFindings) -> int:
    """What can be said of a session whose rows cannot be read; how many events it has."""
    where = f"session {session_id}"
    query = select(Event.id, Event.kind).where(Event.session_id == session_id)
    kinds = {event_id: kind for event_id, kind in reader.tx.orm.execute(query)}
    header = reader.session(session_id)
    if header is None:
        found.orphans.append(Problem(where, ORPHAN_EVENTS))
    else:
        found.chains.append(Problem(where, UNREADABLE_ENTRY))
    _cross_check_audit(where, set(kinds), reader.writers(session_id), found)
    if header is not None and SIGNED_KINDS & set(kinds.values()):
        found.signatures.append(Problem(where, UNCHECKABLE_SIGNATURES))
    found.times.append(Problem("entry times", UNREADABLE_ENTRY))
    return len(kinds)


def _cross_check_audit(
    where: str, present: set[str], writers: dict[str, str], found: TimelineFindings
) -> None:
    """Every charted entry has an audit entry naming it; an entry the audit trail names but
    the timeline lacks was removed (even if the chain head was rewritten to hide it), and an
    entry no audit entry names was added behind ketachart's back, or its audit entry was cut
    (even if the audit trail's head was rewritten to hide it)."""
    missing = sum(1 for event_id in writers if event_id and event_id not in present)
    unaudited = sum(1 for event_id in present if event_id not in writers)
    found.missing.extend([Problem(where, _missing(missing))] if missing else [])
    found.unaudited.extend([Problem(where, _unaudited(unaudited))] if unaudited else [])


def _check_session(
    reader: _Reader, session_id: str, events: Sequence[EventColumns], found: TimelineFindings
) -> None:
    where = f"session {session_id}"
    header = reader.session(session_id)
    walk = None
    if header is None:
        found.orphans.append(Problem(where, ORPHAN_EVENTS))
    else:
        walk, chain = _chain_problems(reader, header, events)
        found.chains.extend(chain)
    writers = reader.writers(session_id)
    _cross_check_audit(where, {e.id for e in events}, writers, found)
    found.times.extend(_time_problems(reader, session_id, header, events, writers))
    found.entry_signatures.extend(_entry_signature_problems(reader, events))
    found.signatures.extend(_signature_problems(reader, session_id, header, events, walk))


def _columns(row: object) -> EventColumns:
    """A Core row of EVENT_COLUMNS, read by attribute like the ORM object."""
    return cast(EventColumns, row)


def _chain_problems(
    reader: _Reader, header: SessionHeader, events: Sequence[EventColumns]
) -> tuple[ChainWalk | None, list[Problem]]:
    """The chain from the session record, its first entry and its head record."""
    session_id = header.session_id
    where = f"session {session_id}"
    try:
        walk = ChainWalk(where, (header.genesis_hash(), SESSION_RECORD_CHANGED))
        problems = [
            problem
            for e in events
            for problem in walk.step(e.seq, e.prev_hash, e.hash, envelope_of(e).compute_hash())
        ]
    except UNREADABLE_ROW:
        return None, [Problem(where, UNREADABLE_ENTRY)]
    if events and events[0].kind != EventKind.SESSION_OPENED.value:
        problems.append(Problem(where, "the first event is not the session opening"))
    last = events[-1] if events else None
    problems.extend(
        check_head(
            where,
            reader.head(session_id),
            last.seq if last else 0,
            last.hash if last else None,
        )
    )
    return walk, problems


def _missing(n: int) -> str:
    return f"{n} audited entr{'y is' if n == 1 else 'ies are'} missing from the timeline"


def _unaudited(n: int) -> str:
    return (
        f"{n} entr{'y has' if n == 1 else 'ies have'} no audit entry: added outside "
        "ketachart, or the audit trail was cut"
    )


def _time_problems(
    reader: _Reader,
    session_id: str,
    header: SessionHeader | None,
    events: Sequence[EventColumns],
    writers: dict[str, str],
) -> list[Problem]:
    opened = None if header is None else header.created_at
    entries = [
        TimedEntry(e.seq, e.occurred_at, e.recorded_at, writers.get(e.id, "")) for e in events
    ]
    try:
        return list(session_time_problems(session_id, entries, opened, reader.now))
    except UNREADABLE_ROW:
        return [Problem("entry times", UNREADABLE_ENTRY)]


def _entry_signature_problems(reader: _Reader, events: Sequence[EventColumns]) -> Iterator[Problem]:
    """The witnesses and override approvals among the session's entries."""
    for event in events:
        if carries_entry_signatures(event.kind, event.overrides):
            record = _record(event)
            if record is not None:  # unreadable: reported by the chain check
                yield from entry_signature_problems(reader.certs, record)


def _signature_problems(
    reader: _Reader,
    session_id: str,
    header: SessionHeader | None,
    events: Sequence[EventColumns],
    walk: ChainWalk | None,
) -> list[Problem]:
    """The session's attestations and signatures, from the events read and the chain walk."""
    if header is None or not any(e.kind in SIGNED_KINDS for e in events):
        return []
    records = [_record(e) for e in events]
    readable = [r for r in records if r is not None]
    if walk is None or len(readable) != len(records):
        return [Problem(f"session {session_id}", UNCHECKABLE_SIGNATURES)]
    protocol = reader.protocol(header.protocol_id)
    row = SessionRow(
        header.session_id,
        header.patient_id,
        header.protocol_id,
        header.chair,
        header.session_date,
        header.created_at,
    )
    loaded = None if protocol is None else LoadedSession(row, protocol, tuple(readable))
    hashes = reader.patient_hashes(header.patient_id)
    return signature_problems(loaded, walk.intact, hashes, reader.certs)


def _record(event: EventColumns) -> EventRecord | None:
    try:
        return event_record(event)
    except UNREADABLE_ROW:
        return None


def _sessions_without_events(reader: _Reader, scope: Scope) -> Iterable[Problem]:
    """A session with no events has no chain: its head record must not name one."""
    has_events = exists().where(Event.session_id == InfusionSession.id)
    query = select(InfusionSession.id).where(~has_events, scope.session_filter())
    if scope.sessions is not None:
        query = query.where(InfusionSession.id.in_(sorted(scope.sessions)))
    for session_id in reader.tx.orm.scalars(query):
        yield from check_head(f"session {session_id}", reader.head(session_id), 0, None)


def _audited_sessions_without_events(tx: Tx, scope: Scope) -> Iterable[Problem]:
    """Audit entries naming the entries of a session whose whole timeline is gone."""
    has_events = exists().where(Event.session_id == AuditEntry.target_id)
    query = (
        select(AuditEntry.target_id, func.count())
        .where(*CHARTED, AuditEntry.detail != "", ~has_events)
        .group_by(AuditEntry.target_id)
        .order_by(AuditEntry.target_id)
    )
    if scope.sessions is not None:
        query = query.where(AuditEntry.target_id.in_(sorted(scope.sessions)))
    if scope.dated:
        in_range = select(InfusionSession.id).where(scope.session_filter())
        query = query.where(AuditEntry.target_id.in_(in_range))
    for session_id, n in tx.orm.execute(query):
        yield Problem(f"session {session_id}", _missing(int(n)))


def verify_session_chain(tx: Tx, session_id: str) -> list[Problem]:
    """One session's chain from its record, its first entry and its head record (a caller
    that checks one session, such as a benchmark's copies)."""
    reader = _Reader(tx, Certificates(None), tx.now)
    header = reader.session(session_id)
    events = _events_of(tx, session_id)
    if header is None or events is None:
        return [
            Problem(f"session {session_id}", ORPHAN_EVENTS if header is None else UNREADABLE_ENTRY)
        ]
    return _chain_problems(reader, header, events)[1]
