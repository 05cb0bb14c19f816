"""Opening sessions, loading one for charting, and listing them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from ketachart.domain import payloads as p
from ketachart.domain.access import Action
from ketachart.domain.events import EventKind, EventRecord, Override, validate_payload
from ketachart.domain.protocol import ProtocolSpec
from ketachart.domain.rules import check_event_time, check_weight
from ketachart.domain.timeline import SessionState, SessionStatus, derive_state
from ketachart.errors import NotFound, ValidationError
from ketachart.models import Event, InfusionSession, User
from ketachart.services.actors import Actor
from ketachart.services.chains import append_event, audit, load_events
from ketachart.services.patients import PatientRow, get_patient
from ketachart.services.protocols import get_protocol
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

    def state(self, until: datetime | None = None) -> SessionState:
        return derive_state(self.protocol, self.events, until)


def _session_row(s: InfusionSession) -> SessionRow:
    return SessionRow(s.id, s.patient_id, s.protocol_id, s.chair, s.session_date, s.created_at)


def previous_weight(tx: Tx, patient_id: int, before: str | None = None) -> Decimal | None:
    """The weight charted at this patient's most recent earlier session, corrections applied."""
    sessions = tx.orm.scalars(
        select(InfusionSession)
        .where(InfusionSession.patient_id == patient_id, InfusionSession.id != (before or ""))
        .order_by(InfusionSession.created_at.desc())
        .limit(1)
    ).all()
    if not sessions:
        return None
    loaded = load_session(tx, sessions[0].id)
    return loaded.state().weight_kg


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
    if not chair.strip() or len(chair) > 40:
        raise ValidationError.single("chair", "Chair or room is required (at most 40 characters).")
    get_patient(tx, patient_id)
    protocol = get_protocol(tx, protocol_id)
    opened = p.SessionOpened(weight_kg)
    validate_payload(opened)
    check_weight(weight_kg, previous_weight(tx, patient_id), protocol.spec.alerts, overrides)
    session = InfusionSession(
        id=str(uuid.uuid4()),
        patient_id=patient_id,
        protocol_id=protocol_id,
        chair=chair.strip(),
        session_date=at.date(),
        created_at=tx.now,
        created_by=actor.id,
    )
    tx.orm.add(session)
    tx.orm.flush()
    event = append_event(tx, actor, session.id, opened, EventKind.SESSION_OPENED, at, overrides)
    return LoadedSession(_session_row(session), protocol.spec, (event,))


def load_session(tx: Tx, session_id: str) -> LoadedSession:
    session = tx.orm.get(InfusionSession, session_id)
    if session is None:
        raise NotFound(f"No session with id {session_id}.")
    protocol = get_protocol(tx, session.protocol_id)
    return LoadedSession(_session_row(session), protocol.spec, tuple(load_events(tx, session_id)))


@dataclass(frozen=True)
class SessionView:
    """A chart as a screen or a report shows it: plain rows, nothing live."""

    session: SessionRow
    patient: PatientRow
    protocol: ProtocolSpec
    events: tuple[EventRecord, ...]
    state: SessionState
    authors: dict[int, str]
    """Printed name with credentials of everyone who recorded an entry, by user id."""


def view_session(tx: Tx, actor: Actor, session_id: str) -> SessionView:
    """Open a chart for reading; the view is audited."""
    actor.require(Action.VIEW_CHART)
    loaded = load_session(tx, session_id)
    audit(tx, actor, "chart.view", "session", session_id)
    patient = get_patient(tx, loaded.row.patient_id)
    return SessionView(
        loaded.row,
        patient,
        loaded.protocol,
        loaded.events,
        loaded.state(),
        author_names(tx, {e.recorded_by for e in loaded.events}),
    )


def author_names(tx: Tx, user_ids: set[int]) -> dict[int, str]:
    """Printed name with credentials (e.g. 'Nina Øster, RN') of each user id."""
    if not user_ids:
        return {}
    rows = tx.orm.scalars(select(User).where(User.id.in_(user_ids)))
    return {
        u.id: f"{u.display_name}, {u.credentials}" if u.credentials else u.display_name
        for u in rows
    }
