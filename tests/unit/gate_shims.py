"""The old single-entry rule checks, expressed through the write gate: a candidate entry at
the end of a timeline whose state is given. The gate is what every service calls."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from ketachart.domain import payloads as p
from ketachart.domain.events import EventKind, EventRecord, Override
from ketachart.domain.protocol import EXAMPLE_PROTOCOLS, AlertThresholds
from ketachart.domain.timeline import SessionState
from ketachart.domain.write_gate import (
    CANDIDATE_ID,
    GateContext,
    Proposal,
    check_opening,
    check_write,
    concerns_needed,
)
from ketachart.errors import ApprovalRequired

PHYSICIAN_ID = 7


def _stamped(overrides: tuple[Override, ...], is_physician: bool) -> tuple[Override, ...]:
    approver = PHYSICIAN_ID if is_physician else None
    return tuple(replace(o, approved_by=approver) for o in overrides)


def proposal_at_end(
    state: SessionState,
    kind: EventKind,
    payload: p.Payload,
    now: datetime,
    overrides: tuple[Override, ...] = (),
) -> Proposal:
    candidate = EventRecord(
        CANDIDATE_ID, "s", 10_000, kind, now, now, 1, payload, overrides, "", ""
    )
    return Proposal(GateContext(state.protocol), (), state, now, candidate)


def check_discharge(
    state: SessionState, now: datetime, overrides: tuple[Override, ...], is_physician: bool
) -> None:
    stamped = _stamped(overrides, is_physician)
    check_write(proposal_at_end(state, EventKind.DISCHARGE, p.Discharge(()), now, stamped))


def check_rate_dose(
    state: SessionState,
    rate_ml_h: Decimal,
    concentration: Decimal,
    now: datetime,
    overrides: tuple[Override, ...],
    is_physician: bool,
) -> None:
    """Only the dose limits (rate and total) of a start or rate change at `now`."""
    stamped = _stamped(overrides, is_physician)
    payload: p.Payload
    if state.infusion_started_at is None:
        payload = p.InfusionStart("Ketamine", concentration, Decimal(500), rate_ml_h)
        kind = EventKind.INFUSION_START
    else:
        payload, kind = p.RateChange(rate_ml_h, "test"), EventKind.RATE_CHANGE
    needed = concerns_needed(proposal_at_end(state, kind, payload, now, stamped))
    dose = tuple(a for a in needed if a.code.startswith("dose."))
    if dose:
        raise ApprovalRequired.of(dose)


def check_weight(
    weight_kg: Decimal,
    previous_kg: Decimal | None,
    limits: AlertThresholds,
    overrides: tuple[Override, ...],
) -> None:
    protocol = replace(EXAMPLE_PROTOCOLS[0], alerts=limits)
    check_opening(GateContext(protocol, previous_kg), weight_kg, overrides)
