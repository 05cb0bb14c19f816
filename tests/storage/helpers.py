"""Helpers shared by the storage tests: counting rows, reading the audit trail, signing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind
from ketachart.domain.vocab import DoseUnit, Route, StopReason
from ketachart.models import AuditEntry, Event
from ketachart.services import charting, signing
from ketachart.services.chains import load_events
from tests.support import PASSWORDS, Clinic, chart_to_infusing

ONDANSETRON = p.RescueMedicine("Ondansetron", Decimal(4), DoseUnit.MG, Route.IV, "nausea")
VIAL = p.ControlledSubstance(
    "Ketamine",
    "LOT-7",
    date(2027, 1, 31),
    Decimal(50),
    Decimal(10),
    Decimal(50),
    Decimal(35),
    Decimal(15),
)
Call = Callable[[Clinic, str], object]
"""A service call on one session, as one committed transaction."""


def counts(clinic: Clinic) -> tuple[int, int]:
    """(events, audit entries) in the database."""
    with clinic.db.reading() as tx:
        events = tx.orm.scalar(select(func.count()).select_from(Event))
        audits = tx.orm.scalar(select(func.count()).select_from(AuditEntry))
    return events or 0, audits or 0


def audit_actions(clinic: Clinic) -> list[tuple[str, str]]:
    """(action, detail) of every audit entry, oldest first."""
    with clinic.db.reading() as tx:
        rows = tx.orm.execute(select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.seq))
        return [(action, detail) for action, detail in rows]


def event_id(clinic: Clinic, session_id: str, kind: EventKind) -> str:
    """The id of the first event of `kind` in the session."""
    with clinic.db.reading() as tx:
        return next(e.id for e in load_events(tx, session_id) if e.kind is kind)


def sign(clinic: Clinic, session_id: str) -> None:
    physician = clinic.physician
    clinic.act(
        signing.sign_session,
        physician,
        session_id,
        clinic.proof(physician, PASSWORDS[physician.username], signing.SIGN_PURPOSE),
        seen_head=clinic.seen(session_id),
    )


def chart_to_stopped(clinic: Clinic, session_id: str) -> None:
    """Infusing, then 40 min later stopped: in recovery, IV still in."""
    chart_to_infusing(clinic, session_id)
    clinic.later(40)
    stop = p.InfusionStop(Decimal("35.0"), StopReason.COMPLETED)
    clinic.act(charting.chart, clinic.nurse, session_id, stop)
