"""Opening sessions, loading one for charting, and listing them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from sqlalchemy import select

from ketachart.domain import limits
from ketachart.domain import payloads as p
from ketachart.domain.access import Action
from ketachart.domain.checks import Checks
from ketachart.domain.events import (
    EventKind,
    EventRecord,
    Override,
    validate_overrides,
    validate_payload,
)
from ketachart.domain.labels import person_label
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.rules import check_event_time
from ketachart.domain.session_model import SessionModel, session_model
from ketachart.domain.status_summary import status_summary
from ketachart.domain.timeline import SessionState, SessionStatus, derive_state, extend_state
from ketachart.domain.write_gate import CANDIDATE_ID, GateContext, Proposal, check_opening
from ketachart.errors import NotFound, ValidationError
from ketachart.models import InfusionSession, User
from ketachart.services.actors import Actor
from ketachart.services.alarms import alarm_muted
from ketachart.services.chains import (
    AUDIT_CHAIN,
    append_event,
    audit,
    chain_heads,
    load_events,
    load_events_of,
    session_chain,
)
from ketachart.services.patient_history import PatientChange
from ketachart.services.patients import PatientRow, get_patient, patient_for_chart
from ketachart.services.protocols import get_protocol
from ketachart.services.session_cache import SessionCache, continues, head_of
from ketachart.services.session_summaries import store_summary
from ketachart.storage.database import Tx


@dataclass(frozen=True)
class SessionRow:
    id: str
    patient_id: int
    protocol_id: int
    chair: str
    session_date: date
    created_at: datetime


@dataclass(frozen=True)
class LoadedSession:
    """A session with everything needed to derive and check its state."""

    row: SessionRow
    protocol: ProtocolSpec
    events: tuple[EventRecord, ...]

    @cached_property
    def current_state(self) -> SessionState:
        return derive_state(self.protocol, self.events)

    @cached_property
    def latest_time(self) -> datetime:
        """The latest time any entry counts at (corrections may move an entry's time)."""
        times = [e.occurred_at for e in self.events]
        times += [
            e.payload.replacement_occurred_at
            for e in self.events
            if isinstance(e.payload, p.Correction) and e.payload.replacement_occurred_at
        ]
        return max(times)

    def candidate(
        self,
        payload: p.Payload,
        kind: EventKind,
        at: datetime,
        now: datetime,
        recorded_by: int,
        overrides: tuple[Override, ...],
    ) -> EventRecord:
        """The entry as it would be appended, for the write gate to check."""
        seq = self.events[-1].seq + 1 if self.events else 1
        return EventRecord(
            CANDIDATE_ID, self.row.id, seq, kind, at, now, recorded_by, payload, overrides, "", ""
        )

    def proposal(self, candidate: EventRecord, earlier_weight_kg: Decimal | None) -> Proposal:
        ctx = GateContext(self.protocol, earlier_weight_kg)
        return Proposal(ctx, self.events, self.current_state, self.latest_time, candidate)

    def appended(self, newer: tuple[EventRecord, ...]) -> LoadedSession:
        """The session with `newer` events after its own, its state folded on when that is
        exact (timeline.extend_state) rather than derived again."""
        loaded = LoadedSession(self.row, self.protocol, self.events + newer)
        if "current_state" in self.__dict__:
            state = extend_state(self.current_state, self.latest_time, newer)
            if state is not None:
                loaded.__dict__["current_state"] = state
        return loaded

    def state(self, until: datetime | None = None) -> SessionState:
        """The state now, or as it was at `until` (for late entries)."""
        if until is None or until >= self.latest_time:
            return self.current_state
        return derive_state(self.protocol, self.events, until)


def _session_row(s: InfusionSession) -> SessionRow:
    return SessionRow(s.id, s.patient_id, s.protocol_id, s.chair, s.session_date, s.created_at)


def previous_weight(tx: Tx, patient_id: int, before: SessionRow | None = None) -> Decimal | None:
    """The weight charted at this patient's most recent session (the most recent before
    `before`, if given), corrections applied."""
    statement = select(InfusionSession.id).where(InfusionSession.patient_id == patient_id)
    if before is not None:
        statement = statement.where(
            InfusionSession.created_at < before.created_at, InfusionSession.id != before.id
        )
    latest = tx.orm.scalar(statement.order_by(InfusionSession.created_at.desc()).limit(1))
    if latest is None:
        return None
    return load_session(tx, latest).state().weight_kg


def open_session(
    tx: Tx,
    actor: Actor,
    patient_id: int,
    protocol_id: int,
    chair: str,
    weight_kg: Decimal,
    overrides: tuple[Override, ...] = (),
    occurred_at: datetime | None = None,
) -> LoadedSession:
    """Open a session with today's weight (kg). An implausible weight or one that changed
    more than 10 % since the last session needs a confirmation with a reason."""
    actor.require(Action.OPEN_SESSION)
    at = occurred_at or tx.now
    check_event_time(at, tx.now, None)
    if len(chair) > limits.CODE or not chair.strip():
        raise ValidationError.single(
            "chair", f"Chair or room is required (at most {limits.CODE} characters)."
        )
    checks = Checks()
    checks.text("chair", "Chair or room", chair, max_len=limits.CODE)
    checks.done()
    validate_overrides(overrides)
    get_patient(tx, patient_id)
    protocol = get_protocol(tx, protocol_id)
    opened = p.SessionOpened(weight_kg)
    validate_payload(opened)
    ctx = GateContext(protocol.spec, previous_weight(tx, patient_id))
    check_opening(ctx, weight_kg, overrides)
    session = InfusionSession(
        id=str(uuid.uuid4()),
        patient_id=patient_id,
        protocol_id=protocol_id,
        chair=chair.strip(),
        session_date=at.astimezone().date(),  # the clinic's local day
        created_at=tx.now,
        created_by=actor.id,
        protocol_digest=protocol.digest,
    )
    tx.orm.add(session)
    tx.orm.flush()
    empty = LoadedSession(_session_row(session), protocol.spec, ())
    _, loaded = append_to_session(tx, actor, empty, opened, EventKind.SESSION_OPENED, at, overrides)
    return loaded


def append_to_session(
    tx: Tx,
    actor: Actor,
    loaded: LoadedSession,
    payload: p.Payload,
    kind: EventKind,
    occurred_at: datetime,
    overrides: tuple[Override, ...] = (),
) -> tuple[EventRecord, LoadedSession]:
    """Append one event to a loaded session (every entry, opening and signature comes here)
    and bring its summary row up to date in the same transaction, from the state after the
    event: folded on from the state already derived, so a bedside save stays cheap."""
    record = append_event(tx, actor, loaded.row.id, payload, kind, occurred_at, overrides)
    after = loaded.appended((record,))
    store_summary(tx, after.row.id, status_summary(after.state(), after.events))
    return record, after


def load_session(tx: Tx, session_id: str) -> LoadedSession:
    """A session with its protocol version and every event, reusing what was read before."""
    # The audit head comes along: the action will very likely append to both chains.
    head = chain_heads(tx, [session_chain(session_id), AUDIT_CHAIN]).get(session_chain(session_id))
    known = tx.caches.of(SessionCache).get(session_id)
    if known is not None and head is not None:
        if head_of(known) == head:
            return known
        extended = _extend(tx, known, head)
        if extended is not None:
            return extended
    return _load_fully(tx, session_id)


def load_sessions(tx: Tx, rows: list[InfusionSession]) -> dict[str, LoadedSession]:
    """Many sessions at once (a board): one query for their chain heads; the cached ones
    whose head did not move are reused, the others are read in one query for their events."""
    chains = {s.id: session_chain(s.id) for s in rows}
    heads = chain_heads(tx, list(chains.values()))
    loaded: dict[str, LoadedSession] = {}
    stale: list[InfusionSession] = []
    cache = tx.caches.of(SessionCache)
    for row in rows:
        known = cache.get(row.id)
        head = heads.get(chains[row.id])
        if known is not None and head is not None and head_of(known) == head:
            loaded[row.id] = known
        else:
            stale.append(row)
    loaded.update(_load_many(tx, stale))
    return loaded


def _load_many(tx: Tx, rows: list[InfusionSession]) -> dict[str, LoadedSession]:
    if not rows:
        return {}
    events = load_events_of(tx, [r.id for r in rows])
    protocols = {pid: get_protocol(tx, pid).spec for pid in {r.protocol_id for r in rows}}
    loaded = {}
    for row in rows:
        protocol = protocols[row.protocol_id]
        session = LoadedSession(_session_row(row), protocol, tuple(events.get(row.id, ())))
        tx.caches.of(SessionCache).remember(session)  # if it has events
        loaded[row.id] = session
    return loaded


def _extend(tx: Tx, known: LoadedSession, head: tuple[int, str]) -> LoadedSession | None:
    seq = head_of(known)[0]
    if head[0] <= seq:
        return None
    cache = tx.caches.of(SessionCache)
    newer = cache.committed_after(known.row.id, seq)
    if not _reaches(known, newer, head):
        newer = load_events(tx, known.row.id, after_seq=seq)
        if not _reaches(known, newer, head):
            return None
    loaded = known.appended(tuple(newer))
    cache.remember(loaded)
    return loaded


def _reaches(known: LoadedSession, newer: list[EventRecord], head: tuple[int, str]) -> bool:
    """Whether `newer` continues the cached session right up to the chain's head."""
    return bool(newer) and continues(known, newer) and newer[-1].hash == head[1]


def _load_fully(tx: Tx, session_id: str) -> LoadedSession:
    session = tx.orm.get(InfusionSession, session_id)
    if session is None:
        raise NotFound(f"No session with id {session_id}.")
    protocol = get_protocol(tx, session.protocol_id)
    loaded = LoadedSession(_session_row(session), protocol.spec, tuple(load_events(tx, session_id)))
    tx.caches.of(SessionCache).remember(loaded)  # if it has events: else nothing to check
    return loaded


@dataclass(frozen=True)
class SessionView:
    """A chart as a screen or a report shows it: plain rows, nothing live."""

    session: SessionRow
    patient: PatientRow
    protocol: ProtocolSpec
    events: tuple[EventRecord, ...]
    state: SessionState
    authors: dict[int, str]
    """Printed name with credentials of everyone the chart names (`named_users`), by user id."""
    alarm_muted: bool = False
    """Whether the session's overdue alarm is muted (services.alarms), read with the chart in
    the same transaction, so the screen opens with the two in agreement."""
    patient_changes: tuple[PatientChange, ...] = ()
    """Changes to the patient's details after the session was signed (`patient` shows them
    as they were at signing): services.patients.patient_for_chart."""

    def model(self, now: datetime) -> SessionModel:
        """The session's read model at `now`: what every screen and report shows."""
        return session_model(self.state, self.events, now, self.authors)


def view_session(tx: Tx, actor: Actor, session_id: str, *, audited: bool = True) -> SessionView:
    """Open a chart for reading; opening it is audited (a refresh after charting is not)."""
    actor.require(Action.VIEW_CHART)
    loaded = load_session(tx, session_id)
    if audited:
        audit(tx, actor, "chart.view", "session", session_id)
    return chart_view(tx, loaded)


def chart_view(tx: Tx, loaded: LoadedSession) -> SessionView:
    """The view of a loaded chart, with no permission checked and nothing audited (callers
    do both): the patient as the chart shows them, everyone it names, the alarm's state."""
    patient, changes = patient_for_chart(tx, loaded.row.patient_id, loaded.events)
    changed_by = {c.recorded_by for c in changes if c.recorded_by is not None}
    return SessionView(
        loaded.row,
        patient,
        loaded.protocol,
        loaded.events,
        loaded.state(),
        author_names(tx, named_users(loaded.events) | changed_by),
        alarm_muted(tx, loaded.row.id),
        changes,
    )


def named_users(events: tuple[EventRecord, ...]) -> set[int]:
    """Everyone the chart names: who recorded each entry and who approved an override or
    co-signed an entry (a physician who signed in for it need not have charted anything)."""
    approvers = {o.approved_by for e in events for o in e.overrides if o.approved_by is not None}
    return {e.recorded_by for e in events} | approvers


def author_names(tx: Tx, user_ids: set[int]) -> dict[int, str]:
    """Printed name with credentials (e.g. 'Nina Øster, RN') of each user id."""
    if not user_ids:
        return {}
    rows = tx.orm.scalars(select(User).where(User.id.in_(user_ids)))
    return {u.id: person_label(u.display_name, u.credentials) for u in rows}


@dataclass(frozen=True)
class SessionSummaryRow:
    session: SessionRow
    patient: PatientRow
    protocol_name: str
    status: SessionStatus


def list_sessions(
    tx: Tx, actor: Actor | None, on: date | None = None, status: SessionStatus | None = None
) -> list[SessionSummaryRow]:
    """Sessions (of one day, if given), with derived status, by chair. `actor` None is the
    operator at the command line, who holds the database itself."""
    if actor is not None:
        actor.require(Action.VIEW_CHART)
    audit(tx, actor, "sessions.list", "session", "", username=None if actor else "cli")
    statement = select(InfusionSession).order_by(
        InfusionSession.session_date, InfusionSession.chair
    )
    if on is not None:
        statement = statement.where(InfusionSession.session_date == on)
    rows: list[SessionSummaryRow] = []
    for session in tx.orm.scalars(statement).all():
        loaded = load_session(tx, session.id)
        derived = loaded.state().status
        if status is None or derived is status:
            rows.append(
                SessionSummaryRow(
                    loaded.row, get_patient(tx, session.patient_id), loaded.protocol.name, derived
                )
            )
    return rows
