"""Today's board: every session of a day, most urgent first (overdue, then alerts, then the
rest, by chair), with what is due next, what is overdue and which alerts are live."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select

from ketachart.domain.access import Action
from ketachart.domain.session_model import SessionModel, session_model
from ketachart.domain.timeline import SessionStatus
from ketachart.models import ChainHead, InfusionSession, Patient
from ketachart.services.actors import Actor
from ketachart.services.board_cache import BoardCache, BoardEntry
from ketachart.services.chains import session_chain_of
from ketachart.services.protocols import ProtocolRow, get_protocol
from ketachart.services.session_cache import head_of
from ketachart.services.sessions import load_sessions
from ketachart.storage.database import Tx

DUE_VITALS = "vitals"
DUE_RECOVERY = "recovery check"
ELAPSED_INFUSION = "infusion"
ELAPSED_RECOVERY = "recovery"


@dataclass(frozen=True)
class BoardRow:
    """One session on the board, as of `as_of`. `at(now)` moves the clock without a reload."""

    session_id: str
    chair: str
    patient_id: int
    patient_name: str
    mrn: str
    protocol_name: str
    protocol_is_example: bool
    status: SessionStatus
    status_label: str
    opened_at: datetime
    elapsed_kind: str
    """"infusion", "recovery" or "" (not started yet)."""
    elapsed: timedelta
    elapsed_running: bool
    next_due_at: datetime | None
    due_what: str
    """"vitals", "recovery check" or "" (nothing due)."""
    seconds_until_due: int | None
    """Negative when overdue."""
    overdue: bool
    other_alerts: tuple[str, ...]
    """Alerts other than an overdue check (latest reading, dose), as messages."""
    as_of: datetime

    @property
    def alert_count(self) -> int:
        return len(self.other_alerts) + (1 if self.overdue else 0)

    @property
    def elapsed_text(self) -> str:
        """'Infusion 12:05', 'Recovery 1:02:30' or ''."""
        if not self.elapsed_kind:
            return ""
        return f"{self.elapsed_kind.capitalize()} {format_duration(self.elapsed)}"

    def at(self, now: datetime) -> BoardRow:
        """The same row with the countdown and running elapsed time moved on to `now`."""
        moved = now - self.as_of
        elapsed = self.elapsed + moved if self.elapsed_running else self.elapsed
        if self.next_due_at is None:
            return replace(self, elapsed=max(elapsed, timedelta(0)), as_of=now)
        return replace(
            self,
            elapsed=max(elapsed, timedelta(0)),
            seconds_until_due=seconds_until(self.next_due_at, now),
            overdue=now > self.next_due_at,
            as_of=now,
        )


def format_duration(value: timedelta) -> str:
    """mm:ss under an hour, h:mm:ss from an hour on (never negative)."""
    total = max(int(value.total_seconds()), 0)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes:02d}:{seconds:02d}"


def duration_words(value: timedelta) -> str:
    """A span that cannot be read as a clock time: '45 s', '8 min 08 s', '1 h 02 min 08 s'
    (never negative). For how late a check is: '08:08 late' reads like a time of day."""
    total = max(int(value.total_seconds()), 0)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min {seconds:02d} s"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


def seconds_until(due_at: datetime, now: datetime) -> int:
    """Whole seconds until `due_at`, rounded down (so 0.5 s late is -1, i.e. overdue)."""
    return math.floor((due_at - now).total_seconds())


def chair_sort_key(chair: str) -> tuple[tuple[int, int | str], ...]:
    """'Chair 2' before 'Chair 10'; case ignored."""
    parts = re.split(r"(\d+)", chair.casefold())
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts if part)


def urgency_rank(row: BoardRow) -> int:
    """0: a check is overdue; 1: the session has an alert; 2: the rest."""
    if row.overdue:
        return 0
    return 1 if row.other_alerts else 2


def by_urgency(rows: Iterable[BoardRow]) -> list[BoardRow]:
    """Overdue first, then sessions with alerts, then the rest; by chair within each, then by
    opening time (the board's order, kept as the countdowns move on)."""
    return sorted(rows, key=lambda r: (urgency_rank(r), chair_sort_key(r.chair), r.opened_at))


@dataclass(frozen=True)
class Listed:
    """A session of the board's days as the one listing query reads it: where, for whom, and
    its chain head (None before its first entry)."""

    session_id: str
    protocol_id: int
    chair: str
    patient_id: int
    patient_name: str
    mrn: str
    head: tuple[int, str] | None


def board_rows(
    tx: Tx, actor: Actor, day: date, now: datetime, *, tz: tzinfo | None = None
) -> list[BoardRow]:
    """Every session opened on `day` (a local day in `tz`, the system's zone when None),
    most urgent first (`by_urgency`), as of `now`. One query lists the sessions with their
    patients and chain heads; only the sessions whose head moved since the board last derived
    them (board_cache) are read, through the session cache, and derived again; the others'
    rows are moved on to `now`."""
    actor.require(Action.VIEW_CHART)
    listed = list_board_sessions(tx, day)
    cache = tx.caches.of(BoardCache)
    cache.keep_only(s.session_id for s in listed)
    stale = [s for s in listed if cache.current(s.session_id, s.head) is None]
    derived = _derive(tx, cache, stale, now)
    rows: list[BoardRow] = []
    for session in listed:
        entry = derived.get(session.session_id) or cache.current(session.session_id, session.head)
        if entry is None or entry.opened_at.astimezone(tz).date() != day:
            continue
        rows.append(_row_now(cache, session, entry, now))
    return by_urgency(rows)


def list_board_sessions(tx: Tx, day: date) -> list[Listed]:
    """The sessions that may belong to the local `day`, with their patients and chain heads,
    in one query. session_date is the opening day in the opening workstation's zone, which is
    at most one day away from the board's."""
    chain = session_chain_of(InfusionSession.id)
    statement = (
        select(
            InfusionSession.id,
            InfusionSession.protocol_id,
            InfusionSession.chair,
            Patient.id,
            Patient.family_name,
            Patient.given_name,
            Patient.mrn,
            ChainHead.seq,
            ChainHead.hash,
        )
        .join(Patient, Patient.id == InfusionSession.patient_id)
        .outerjoin(ChainHead, ChainHead.chain == chain)
        .where(
            InfusionSession.session_date.between(day - timedelta(days=1), day + timedelta(days=1))
        )
    )
    return [
        Listed(sid, protocol_id, chair, pid, f"{family}, {given}", mrn, _head(seq, digest))
        for sid, protocol_id, chair, pid, family, given, mrn, seq, digest in tx.orm.execute(
            statement
        )
    ]


def _head(seq: int | None, digest: str | None) -> tuple[int, str] | None:
    return None if seq is None or digest is None else (seq, digest)


def _derive(tx: Tx, cache: BoardCache, stale: list[Listed], now: datetime) -> dict[str, BoardEntry]:
    """Read the `stale` sessions (through the session cache) and derive their rows. Each
    entry keeps the head its events end at, which may be newer than the listing read (a save
    committed in between, where a read has no single snapshot): the next refresh sees that."""
    if not stale:
        return {}
    found = tx.orm.scalars(
        select(InfusionSession).where(InfusionSession.id.in_([s.session_id for s in stale]))
    ).all()
    loaded = load_sessions(tx, list(found))
    protocols: dict[int, ProtocolRow] = {}
    derived: dict[str, BoardEntry] = {}
    for session in stale:
        one = loaded.get(session.session_id)
        if one is None or not one.events:
            continue  # no entry yet: nothing to show (opening writes its first one)
        if session.protocol_id not in protocols:
            protocols[session.protocol_id] = get_protocol(tx, session.protocol_id)
        spec = protocols[session.protocol_id].spec
        state = one.state()
        model = session_model(state, one.events, now)
        row = _row(session, spec.name, spec.is_example, model)
        entry = BoardEntry(head_of(one), state, one.events, spec.name, spec.is_example, row)
        cache.keep(session.session_id, entry)
        derived[session.session_id] = entry
    return derived


def _row_now(cache: BoardCache, session: Listed, entry: BoardEntry, now: datetime) -> BoardRow:
    """The entry's row at `now`: re-timed from its kept state if the clock changes more than
    its countdown (or went back), else moved on; the patient and chair as read now."""
    row = entry.row
    if entry.clock_moves_more_than_the_countdown or now < row.as_of:
        if now != row.as_of:
            cache.note_retimed(session.session_id)
            model = session_model(entry.state, entry.events, now)
            row = _row(session, entry.protocol_name, entry.protocol_is_example, model)
    else:
        row = row.at(now)
    if (row.patient_name, row.mrn, row.chair) != (session.patient_name, session.mrn, session.chair):
        row = replace(row, patient_name=session.patient_name, mrn=session.mrn, chair=session.chair)
    return row


def _row(session: Listed, protocol_name: str, is_example: bool, model: SessionModel) -> BoardRow:
    due, now = model.due, model.now
    due_at = due.next_due_at
    kind, elapsed, running = _elapsed(model)
    return BoardRow(
        session_id=session.session_id,
        chair=session.chair,
        patient_id=session.patient_id,
        patient_name=session.patient_name,
        mrn=session.mrn,
        protocol_name=protocol_name,
        protocol_is_example=is_example,
        status=model.status,
        status_label=model.status_label,
        opened_at=model.state.opened_at,
        elapsed_kind=kind,
        elapsed=elapsed,
        elapsed_running=running,
        next_due_at=due_at,
        due_what=_due_what(due_at, due.next_vitals_at),
        seconds_until_due=None if due_at is None else seconds_until(due_at, now),
        overdue=due.overdue,
        other_alerts=tuple(a.message for a in model.clinical_alerts),
        as_of=now,
    )


def _elapsed(model: SessionModel) -> tuple[str, timedelta, bool]:
    state = model.state
    if state.infusion_stopped_at is not None:
        return ELAPSED_RECOVERY, model.recovery_elapsed, state.discharged_at is None
    if state.infusion_started_at is not None:
        return ELAPSED_INFUSION, model.infusion_elapsed, True
    return "", timedelta(0), False


def _due_what(due_at: datetime | None, vitals_at: datetime | None) -> str:
    if due_at is None:
        return ""
    return DUE_VITALS if due_at == vitals_at else DUE_RECOVERY
