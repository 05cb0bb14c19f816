"""The physician's review queue: discharged sessions awaiting signature, oldest first, with
what needs attention flagged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ketachart.domain import payloads as p
from ketachart.domain.access import Action
from ketachart.domain.codes import COSIGN_CODES
from ketachart.domain.events import EventKind, EventRecord
from ketachart.domain.session_model import session_model
from ketachart.domain.status_summary import unsigned_addenda, waiting_for_signature
from ketachart.domain.timeline import SessionStatus
from ketachart.domain.vocab import PreCheckStatus
from ketachart.models import InfusionSession
from ketachart.services.actors import Actor
from ketachart.services.patients import PatientRow, get_patients
from ketachart.services.session_summaries import latest_with_status, waiting_sessions
from ketachart.services.sessions import LoadedSession, load_sessions
from ketachart.storage.database import Tx

QUEUE_PAGE = 500
"""The most sessions the queue lists of each kind (waiting; signed, on request)."""
__all__ = [
    "QUEUE_PAGE",
    "ReviewFlags",
    "ReviewRow",
    "review_flags",
    "review_queue",
    "unsigned_addenda",
]


@dataclass(frozen=True)
class ReviewFlags:
    overrides: int
    alerts: int
    corrections: int
    late_entries: int
    unsigned_addenda: int
    attestations: int
    """How many 'authored by' attestations the session has (0: the nurse has not signed)."""
    dose_to_reconcile: bool = False
    """The delivered dose, pump volume and controlled-substance record do not agree, and no
    reconciliation entry has resolved that (clinical reference: listed in the queue)."""

    def labels(self) -> list[str]:
        pairs = (
            ("override", self.overrides),
            ("alert", self.alerts),
            ("correction", self.corrections),
            ("late entry", self.late_entries),
            ("unsigned addendum", self.unsigned_addenda),
        )
        found = [f"{n} {name}{'s' if n != 1 else ''}" for name, n in pairs if n]
        if self.dose_to_reconcile:
            found.append("dose difference to reconcile")
        return found if self.attestations else [*found, "not attested"]


@dataclass(frozen=True)
class ReviewRow:
    session_id: str
    discharged_at: datetime
    patient: PatientRow
    protocol_name: str
    chair: str
    flags: ReviewFlags
    status: SessionStatus

    @property
    def waiting_for_signature(self) -> bool:
        """Whether a physician's signature is due (domain.status_summary). A signed session
        without an addendum to sign is listed only on request."""
        return waiting_for_signature(self.status, self.flags.unsigned_addenda)


def review_flags(loaded: LoadedSession, now: datetime) -> ReviewFlags:
    """What the physician should look at; the alerts and the dose verdict are the session
    model's, so the queue, the chart and the PDF count the same."""
    events = loaded.events
    model = session_model(loaded.state(), events, now)
    return ReviewFlags(
        overrides=_overrides(events) + _overridden_pre_checks(events),
        alerts=len(model.alert_history),
        corrections=sum(1 for e in events if e.kind is EventKind.CORRECTION),
        late_entries=sum(1 for e in events if e.is_late),
        unsigned_addenda=len(unsigned_addenda(events)),
        attestations=sum(1 for e in events if e.kind is EventKind.ATTESTATION),
        dose_to_reconcile=model.dose_to_reconcile,
    )


def _overrides(events: Sequence[EventRecord]) -> int:
    """Rules passed with a reason; a physician's co-sign of an entry overrides no rule."""
    return sum(1 for e in events for o in e.overrides if o.code not in COSIGN_CODES)


def _overridden_pre_checks(events: Sequence[EventRecord]) -> int:
    """Pre-checks passed on purpose (the summary lists them with the overrides)."""
    return sum(
        1
        for e in events
        if isinstance(e.payload, p.PreChecks)
        for item in e.payload.items
        if item.status is PreCheckStatus.OVERRIDDEN
    )


def review_queue(
    tx: Tx, actor: Actor, *, include_signed: bool = False, page: int = QUEUE_PAGE
) -> list[ReviewRow]:
    """Discharged, unsigned sessions (and signed ones with an unsigned addendum), oldest first;
    with `include_signed`, the most recently discharged signed sessions too (to add an
    addendum to one). The sessions are found through their summary rows' indexes, at most
    `page` of each; the rows listed show what each session's timeline says, derived again
    (a summary row is never trusted over it: one the timeline contradicts is left out)."""
    actor.require(Action.VIEW_CHART)
    session_ids = waiting_sessions(tx, page)
    if include_signed:
        session_ids += latest_with_status(tx, SessionStatus.SIGNED, page)
    rows = tx.orm.scalars(
        select(InfusionSession).where(InfusionSession.id.in_(set(session_ids)))
    ).all()
    loaded = load_sessions(tx, list(rows))
    patients = get_patients(tx, {session.patient_id for session in rows})
    derived = [_row(tx, s, patients[s.row.patient_id]) for s in loaded.values()]
    listed = [
        r
        for r in derived
        if r.waiting_for_signature or (include_signed and r.status is SessionStatus.SIGNED)
    ]
    return sorted(listed, key=lambda r: (r.discharged_at, r.session_id))


def _row(tx: Tx, loaded: LoadedSession, patient: PatientRow) -> ReviewRow:
    state = loaded.state()
    discharged_at = state.discharged_at or loaded.row.created_at
    return ReviewRow(
        loaded.row.id,
        discharged_at,
        patient,
        loaded.protocol.name,
        loaded.row.chair,
        review_flags(loaded, tx.now),
        state.status,
    )
